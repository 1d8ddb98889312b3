package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"pgregory.net/rapid"
)

// goldenEntry is the example of the package documentation; its bytes are
// written out by hand so that any change to the encoding fails here.
const goldenCanonical = `{"kind":"event.acked","time":"2026-11-24T07:20:08.300000Z","actor":"partyB",` +
	`"audience":["group:coalition","partyA"],"object":"event/42",` +
	`"payload_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`

func goldenEntry(t testing.TB) Entry {
	t.Helper()
	at := time.Date(2026, 11, 24, 10, 20, 8, 300_000_999, time.FixedZone("Syria", 3*3600))
	e, err := NewEntry("event.acked", at, "partyB", []string{"partyA", "group:coalition", "partyA"}, "event/42", nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCanonicalGolden(t *testing.T) {
	e := goldenEntry(t)
	b, err := e.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != goldenCanonical {
		t.Fatalf("canonical bytes\n got %s\nwant %s", b, goldenCanonical)
	}
	// The leaf hash as an independent verifier computes it, from the RFC.
	want := sha256.Sum256(append([]byte{0}, goldenCanonical...))
	got, err := e.LeafHash()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want[:]) {
		t.Fatalf("leaf hash %x, want %x", got, want)
	}
	d, err := DecodeEntry([]byte(goldenCanonical))
	if err != nil {
		t.Fatal(err)
	}
	if !entriesEqual(d, e) {
		t.Fatalf("decoded %+v, want %+v", d, e)
	}
}

func TestNewEntryNormalises(t *testing.T) {
	e := goldenEntry(t)
	if !slices.Equal(e.Audience, []string{"group:coalition", "partyA"}) {
		t.Errorf("audience %q: want sorted and de-duplicated", e.Audience)
	}
	if want := time.Date(2026, 11, 24, 7, 20, 8, 300_000_000, time.UTC); !e.Time.Equal(want) || e.Time.Location() != time.UTC {
		t.Errorf("time %v: want %v (UTC, truncated to the microsecond)", e.Time, want)
	}
	if e.PayloadSHA256 != sha256.Sum256(nil) {
		t.Errorf("payload hash %x", e.PayloadSHA256)
	}
	// The caller's slice is not reordered behind its back.
	in := []string{"b", "a"}
	if _, err := NewEntry("message", time.Now(), "a", in, "message/1", nil); err != nil {
		t.Fatal(err)
	}
	if in[0] != "b" {
		t.Errorf("NewEntry sorted the caller's audience slice")
	}
	// An empty audience encodes as [] whether nil or empty.
	e2, err := NewEntry("message", time.Now(), "a", nil, "message/1", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := e2.Canonical()
	if !strings.Contains(string(b), `"audience":[]`) {
		t.Errorf("empty audience: %s", b)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	ok := goldenEntry(t)
	cases := []struct {
		name  string
		edit  func(*Entry)
		field string
	}{
		{"empty kind", func(e *Entry) { e.Kind = "" }, "kind"},
		{"upper kind", func(e *Entry) { e.Kind = "Event.acked" }, "kind"},
		{"long kind", func(e *Entry) { e.Kind = strings.Repeat("a", 65) }, "kind"},
		{"zero time", func(e *Entry) { e.Time = time.Time{} }, "time"},
		{"year 10000", func(e *Entry) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "time"},
		{"nanoseconds", func(e *Entry) { e.Time = e.Time.Add(1) }, "time"},
		{"empty actor", func(e *Entry) { e.Actor = "" }, "actor"},
		{"actor with space", func(e *Entry) { e.Actor = "party A" }, "actor"},
		{"unsorted audience", func(e *Entry) { e.Audience = []string{"partyA", "group:coalition"} }, "audience[1]"},
		{"duplicate audience", func(e *Entry) { e.Audience = []string{"partyA", "partyA"} }, "audience[1]"},
		{"empty group", func(e *Entry) { e.Audience = []string{"group:"} }, "audience[0]"},
		{"bad member", func(e *Entry) { e.Audience = []string{`a"b`} }, "audience[0]"},
		{"huge audience", func(e *Entry) { e.Audience = make([]string, MaxAudience+1) }, "audience"},
		{"empty object", func(e *Entry) { e.Object = "" }, "object"},
		{"quote in object", func(e *Entry) { e.Object = `event/"42"` }, "object"},
		{"backslash in object", func(e *Entry) { e.Object = `event\42` }, "object"},
		{"long object", func(e *Entry) { e.Object = strings.Repeat("o", MaxObjectLen+1) }, "object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := ok
			e.Audience = slices.Clone(ok.Audience)
			c.edit(&e)
			err := e.Validate()
			if deconflict.ErrorCode(err) != deconflict.EINVALID {
				t.Fatalf("Validate = %v, want EINVALID", err)
			}
			if got := err.(*deconflict.Error).Fields[0].Field; got != c.field {
				t.Errorf("field %q, want %q (%v)", got, c.field, err)
			}
			if _, err := e.Canonical(); err == nil {
				t.Errorf("Canonical accepted an invalid entry")
			}
		})
	}
}

func TestDecodeEntryRefusesNonCanonical(t *testing.T) {
	g := goldenCanonical
	cases := map[string]string{
		"space after colon":    strings.Replace(g, `"kind":`, `"kind": `, 1),
		"trailing newline":     g + "\n",
		"leading space":        " " + g,
		"keys reordered":       `{"time":"2026-11-24T07:20:08.300000Z","kind":"event.acked"` + g[len(`{"kind":"event.acked","time":"2026-11-24T07:20:08.300000Z"`):],
		"upper-case hex":       strings.Replace(g, "e3b0c442", "E3B0C442", 1),
		"short hex":            strings.Replace(g, "e3b0c442", "e3b0c4", 1),
		"escaped letter":       strings.Replace(g, `"partyB"`, `"part\u0079B"`, 1),
		"key case":             strings.Replace(g, `"kind"`, `"KIND"`, 1),
		"duplicate key":        strings.Replace(g, `{"kind":"event.acked",`, `{"kind":"message","kind":"event.acked",`, 1),
		"unknown key":          strings.Replace(g, `{"kind"`, `{"extra":1,"kind"`, 1),
		"missing key":          strings.Replace(g, `"object":"event/42",`, ``, 1),
		"nanoseconds":          strings.Replace(g, `08.300000Z`, `08.300000001Z`, 1),
		"milliseconds":         strings.Replace(g, `08.300000Z`, `08.300Z`, 1),
		"offset instead of Z":  strings.Replace(g, `08.300000Z`, `08.300000+00:00`, 1),
		"unsorted audience":    strings.Replace(g, `["group:coalition","partyA"]`, `["partyA","group:coalition"]`, 1),
		"duplicate member":     strings.Replace(g, `["group:coalition","partyA"]`, `["partyA","partyA"]`, 1),
		"null audience":        strings.Replace(g, `["group:coalition","partyA"]`, `null`, 1),
		"space in audience":    strings.Replace(g, `"group:coalition","partyA"`, `"group:coalition", "partyA"`, 1),
		"number kind":          strings.Replace(g, `"event.acked"`, `7`, 1),
		"two objects":          g + g,
		"array":                "[" + g + "]",
		"empty":                "",
		"not json":             "kind=event.acked",
		"year 1969":            strings.Replace(g, `2026-11-24`, `1969-11-24`, 1),
		"month 13":             strings.Replace(g, `2026-11-24`, `2026-13-24`, 1),
		"payload hash missing": strings.Replace(g, `,"payload_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"`, ``, 1),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			if in == g {
				t.Fatal("case did not change the input")
			}
			_, err := DecodeEntry([]byte(in))
			if deconflict.ErrorCode(err) != deconflict.EINVALID {
				t.Fatalf("DecodeEntry(%s) = %v, want EINVALID", in, err)
			}
		})
	}
	if _, err := DecodeEntry(bytes.Repeat([]byte(" "), MaxEntryBytes+1)); deconflict.ErrorCode(err) != deconflict.EINVALID {
		t.Errorf("oversized entry: %v", err)
	}
}

func TestEntryJSONInDocument(t *testing.T) {
	e := goldenEntry(t)
	doc := struct {
		Index uint64 `json:"index"`
		Entry Entry  `json:"entry"`
	}{7, e}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"kind": "event.acked"`)) {
		t.Fatalf("indented document does not carry the entry: %s", b)
	}
	var back struct {
		Index uint64 `json:"index"`
		Entry Entry  `json:"entry"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !entriesEqual(back.Entry, e) {
		t.Fatalf("round trip through an indented document: %+v", back.Entry)
	}
	if _, err := json.Marshal(Entry{}); err == nil {
		t.Errorf("marshalled an invalid entry")
	}
	bad := strings.Replace(goldenCanonical, `"partyB"`, `"part\u0079B"`, 1)
	if err := json.Unmarshal([]byte(bad), &back.Entry); err == nil {
		t.Errorf("unmarshalled an escaped string")
	}
}

func TestVisibleTo(t *testing.T) {
	e := goldenEntry(t) // audience: group:coalition, partyA
	cases := []struct {
		party  string
		groups []string
		want   bool
	}{
		{"partyA", nil, true},
		{"partyB", nil, false}, // the actor is not in the audience it wrote
		{"partyC", []string{"coalition"}, true},
		{"partyC", []string{"observers"}, false},
		{"coalition", nil, false}, // a party named like a group is not the group
	}
	for _, c := range cases {
		if got := e.VisibleTo(c.party, c.groups); got != c.want {
			t.Errorf("VisibleTo(%q, %q) = %v, want %v", c.party, c.groups, got, c.want)
		}
	}
	e.Audience = []string{deconflict.ShareAll}
	if !e.VisibleTo("anyone", nil) {
		t.Errorf("audience all is not visible to everyone")
	}
	e.Audience = []string{}
	if e.VisibleTo("partyA", []string{"coalition"}) {
		t.Errorf("empty audience is visible")
	}
}

func TestEntryRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := drawEntry(t)
		b, err := e.Canonical()
		if err != nil {
			t.Fatalf("Canonical of a NewEntry: %v", err)
		}
		d, err := DecodeEntry(b)
		if err != nil {
			t.Fatalf("DecodeEntry(%s): %v", b, err)
		}
		if !entriesEqual(d, e) {
			t.Fatalf("round trip changed the entry: %+v -> %+v", e, d)
		}
		j, err := json.Marshal(e)
		if err != nil || !bytes.Equal(j, b) {
			t.Fatalf("MarshalJSON = %s, %v; want the canonical bytes", j, err)
		}
		lh, _ := e.LeafHash()
		sum := sha256.Sum256(append([]byte{0}, b...))
		if !bytes.Equal(lh, sum[:]) {
			t.Fatalf("leaf hash")
		}
	})
}

// drawEntry draws a valid entry of any shape the canonical form allows.
func drawEntry(t *rapid.T) Entry {
	id := rapid.StringMatching(`[A-Za-z0-9._-]{1,64}`)
	member := rapid.OneOf(id, rapid.Just(deconflict.ShareAll), rapid.Map(id, func(s string) string { return deconflict.GroupPrefix + s }))
	micros := rapid.Int64Range(minTime.UnixMicro(), maxTime.UnixMicro()-1).Draw(t, "micros")
	e, err := NewEntry(
		rapid.StringMatching(`[a-z._]{1,64}`).Draw(t, "kind"),
		time.UnixMicro(micros),
		id.Draw(t, "actor"),
		rapid.SliceOfN(member, 0, 20).Draw(t, "audience"),
		rapid.StringMatching(`[A-Za-z0-9._~:/@+=#-]{1,256}`).Draw(t, "object"),
		rapid.SliceOfN(rapid.Byte(), 0, 64).Draw(t, "payload"),
	)
	if err != nil {
		t.Fatalf("NewEntry refused a valid entry: %v", err)
	}
	return e
}

func entriesEqual(a, b Entry) bool {
	return a.Kind == b.Kind && a.Time.Equal(b.Time) && a.Actor == b.Actor &&
		slices.Equal(a.Audience, b.Audience) && a.Object == b.Object && a.PayloadSHA256 == b.PayloadSHA256
}

func hexHash(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestAudienceOfAgreesWithDecodeEntry: the fast audience reader gives what
// the full decoder gives, on entries of every audience shape.
func TestAudienceOfAgreesWithDecodeEntry(t *testing.T) {
	for _, aud := range [][]string{{}, {"alpha"}, {"all", "bravo", "group:coalition"}, {"a-1", "b.2", "c_3"}} {
		e, err := NewEntry("event.created", time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC), "alpha", aud, "event/1", nil)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := e.Canonical()
		got, err := AudienceOf(c)
		if err != nil || !slices.Equal(got, e.Audience) {
			t.Fatalf("%s: %q, %v; want %q", c, got, err, e.Audience)
		}
		js, err := AudienceJSON(c)
		if want, _ := json.Marshal(e.Audience); err != nil || !bytes.Equal(js, want) {
			t.Fatalf("%s: AudienceJSON %s, %v; want %s", c, js, err, want)
		}
		if enc, err := EncodeEntry(e.Kind, e.Time, e.Actor, aud, e.Object, nil); err != nil || !bytes.Equal(enc, c) {
			t.Fatalf("EncodeEntry: %s, %v; want %s", enc, err, c)
		}
	}
	for _, bad := range []string{`{"kind":"x"}`, `{"kind":"x","audience":["a"]}`, `{"kind":"k","time":"t","actor":"a","audience":["bad id!"],"object":"o"}`} {
		if _, err := AudienceOf([]byte(bad)); err == nil {
			t.Errorf("%s: read", bad)
		}
	}
}
