package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/transparency-dev/merkle/rfc6962"
)

// Limits of a canonical entry. They bound what a verifier must read, and are
// far above what the exchange writes: an audience is the parties of a change
// and their share_with lists, each capped at 1,000.
const (
	MaxAudience   = 10_000
	MaxObjectLen  = 256
	MaxKindLen    = 64
	MaxEntryBytes = 1 << 20
)

// ActorSystem is the actor of entries that the exchange writes on its own
// (sweeps, expiries, deliveries).
const ActorSystem = "system"

// timeLayout is the one spelling of an entry's time: UTC to the microsecond,
// fixed width, so that equal times have equal bytes.
const timeLayout = "2006-01-02T15:04:05.000000Z"

var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Entry is one record of the ledger: who did what, when, to which object, and
// who may read it. The payload (the operation, event or message as stored) is
// kept elsewhere; the entry holds its SHA-256 so that a party holding the
// payload can show it is the one recorded. An Entry is written once by the
// store and never changed.
type Entry struct {
	// Kind says what happened: "operation.put", "conflict.opened",
	// "event.created", "event.delivered", "event.acked", "zone.put",
	// "message", ... (1 to 64 characters from [a-z._]).
	Kind string
	// Time is when the exchange accepted it, UTC, whole microseconds.
	Time time.Time
	// Actor is the party that caused it, or ActorSystem.
	Actor string
	// Audience lists who may read the entry: party ids, "group:NAME" and
	// "all", sorted and without duplicates. Anyone else sees only its leaf
	// hash.
	Audience []string
	// Object names what the entry is about, such as
	// "operation/partyA/op-1@3" or "event/42".
	Object string
	// PayloadSHA256 is the SHA-256 of the payload bytes.
	PayloadSHA256 [sha256.Size]byte
}

// NewEntry returns the entry for payload with its time truncated to the
// microsecond in UTC and its audience sorted and de-duplicated, or an
// EINVALID error naming each field at fault.
func NewEntry(kind string, t time.Time, actor string, audience []string, object string, payload []byte) (Entry, error) {
	aud := slices.Clone(audience)
	slices.Sort(aud)
	aud = slices.Compact(aud)
	if aud == nil {
		aud = []string{}
	}
	e := Entry{
		Kind:          kind,
		Time:          t.UTC().Truncate(time.Microsecond),
		Actor:         actor,
		Audience:      aud,
		Object:        object,
		PayloadSHA256: sha256.Sum256(payload),
	}
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	return e, nil
}

// Validate reports, as an EINVALID error naming each field at fault, whether e
// has exactly one canonical encoding: it checks the alphabets and lengths of
// the package documentation, a time in whole microseconds between 1970 and
// 9999, and an audience already sorted and without duplicates (NewEntry
// normalises them; a decoder must not).
func (e Entry) Validate() error {
	var f deconflict.FieldErrors
	if !validKind(e.Kind) {
		f.Add("kind", "must be 1 to %d characters from a-z . _ (got %q)", MaxKindLen, clip(e.Kind))
	}
	switch {
	case e.Time.Before(minTime) || !e.Time.Before(maxTime):
		f.Add("time", "must be between 1970 and 9999 (got %s)", e.Time.UTC().Format(time.RFC3339Nano))
	case e.Time.Nanosecond()%1000 != 0:
		f.Add("time", "must be whole microseconds (got %s)", e.Time.UTC().Format(time.RFC3339Nano))
	}
	f.CheckID("actor", e.Actor)
	if len(e.Audience) > MaxAudience {
		f.Add("audience", "has %d members; the limit is %d", len(e.Audience), MaxAudience)
	} else {
		for i, m := range e.Audience {
			p := deconflict.Path("audience", i)
			if g, ok := cutGroup(m); ok {
				f.CheckID(p, g)
			} else if m != deconflict.ShareAll {
				f.CheckID(p, m)
			}
			if i > 0 && e.Audience[i-1] >= m {
				f.Add(p, "must sort after %q with no duplicates (got %q)", clip(e.Audience[i-1]), clip(m))
			}
		}
	}
	if !validObject(e.Object) {
		f.Add("object", "must be 1 to %d characters from A-Z a-z 0-9 . _ ~ : / @ + = # - (got %q)", MaxObjectLen, clip(e.Object))
	}
	return f.Err()
}

// Canonical returns the canonical bytes of e (see the package documentation),
// or the error of Validate.
func (e Entry) Canonical() ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return e.appendCanonical(make([]byte, 0, e.canonicalLen())), nil
}

// EncodeEntry returns the canonical bytes of NewEntry(kind, t, actor,
// audience, object, payload), checking the entry once.
func EncodeEntry(kind string, t time.Time, actor string, audience []string, object string, payload []byte) ([]byte, error) {
	e, err := NewEntry(kind, t, actor, audience, object, payload)
	if err != nil {
		return nil, err
	}
	return e.appendCanonical(make([]byte, 0, e.canonicalLen())), nil
}

// LeafHash returns the RFC 6962 leaf hash of e's canonical bytes, or the
// error of Validate.
func (e Entry) LeafHash() ([]byte, error) {
	b, err := e.Canonical()
	if err != nil {
		return nil, err
	}
	return LeafHash(b), nil
}

// LeafHash returns the RFC 6962 leaf hash of canonical entry bytes:
// SHA-256(0x00 || canonical).
func LeafHash(canonical []byte) []byte {
	return rfc6962.DefaultHasher.HashLeaf(canonical)
}

// VisibleTo reports whether party, a member of groups, is in e's audience and
// so may read the entry rather than only its leaf hash. Group membership is
// judged when asked, so a party that joins a group later sees the group's
// past entries, as sharing with a group promises.
func (e Entry) VisibleTo(party string, groups []string) bool {
	for _, m := range e.Audience {
		if m == deconflict.ShareAll || m == party {
			return true
		}
		if g, ok := cutGroup(m); ok && slices.Contains(groups, g) {
			return true
		}
	}
	return false
}

// DecodeEntry parses canonical entry bytes, as a verifier receives them. It
// refuses, with an EINVALID error, anything that is not exactly the canonical
// encoding of a valid entry: other key order, whitespace, escapes, unknown or
// missing keys, unsorted audience, a time not in the one layout, upper-case
// hex, trailing bytes.
func DecodeEntry(b []byte) (Entry, error) {
	if len(b) > MaxEntryBytes {
		return Entry{}, deconflict.Errorf(deconflict.EINVALID, "ledger entry is %d bytes; the limit is %d", len(b), MaxEntryBytes)
	}
	var w struct {
		Kind          *string   `json:"kind"`
		Time          *string   `json:"time"`
		Actor         *string   `json:"actor"`
		Audience      *[]string `json:"audience"`
		Object        *string   `json:"object"`
		PayloadSHA256 *string   `json:"payload_sha256"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Entry{}, deconflict.Errorf(deconflict.EINVALID, "ledger entry is not a JSON object of the canonical fields: %v", err)
	}
	var f deconflict.FieldErrors
	for _, k := range []struct {
		name string
		set  bool
	}{
		{"kind", w.Kind != nil}, {"time", w.Time != nil}, {"actor", w.Actor != nil},
		{"audience", w.Audience != nil}, {"object", w.Object != nil}, {"payload_sha256", w.PayloadSHA256 != nil},
	} {
		if !k.set {
			f.Add(k.name, "is required")
		}
	}
	if err := f.Err(); err != nil {
		return Entry{}, err
	}
	e := Entry{Kind: *w.Kind, Actor: *w.Actor, Audience: *w.Audience, Object: *w.Object}
	t, err := time.Parse(timeLayout, *w.Time)
	if err != nil {
		f.Add("time", "must be UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ (got %q)", clip(*w.Time))
	}
	e.Time = t
	if h := *w.PayloadSHA256; len(h) != 2*sha256.Size || !isLowerHex(h) {
		f.Add("payload_sha256", "must be 64 lowercase hexadecimal digits (got %q)", clip(h))
	} else {
		hex.Decode(e.PayloadSHA256[:], []byte(h))
	}
	if err := f.Err(); err != nil {
		return Entry{}, err
	}
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	if !bytes.Equal(e.appendCanonical(make([]byte, 0, len(b))), b) {
		return Entry{}, deconflict.Errorf(deconflict.EINVALID,
			"ledger entry is valid JSON but not in canonical form (key order, whitespace, escapes and duplicate keys are fixed)")
	}
	return e, nil
}

// MarshalJSON writes the canonical bytes, so that an entry served in a JSON
// document can be re-hashed by its reader. It fails for an invalid entry.
func (e Entry) MarshalJSON() ([]byte, error) {
	return e.Canonical()
}

// UnmarshalJSON reads an entry as MarshalJSON writes it, allowing only
// insignificant whitespace around the canonical tokens (a JSON document that
// embeds entries may be indented).
func (e *Entry) UnmarshalJSON(b []byte) error {
	if len(b) > MaxEntryBytes {
		return deconflict.Errorf(deconflict.EINVALID, "ledger entry is %d bytes; the limit is %d", len(b), MaxEntryBytes)
	}
	var c bytes.Buffer
	if err := json.Compact(&c, b); err != nil {
		return deconflict.Errorf(deconflict.EINVALID, "ledger entry is not JSON: %v", err)
	}
	d, err := DecodeEntry(c.Bytes())
	if err != nil {
		return err
	}
	*e = d
	return nil
}

func (e Entry) canonicalLen() int {
	n := len(`{"kind":"","time":"","actor":"","audience":[],"object":"","payload_sha256":""}`) +
		len(e.Kind) + len(timeLayout) + len(e.Actor) + len(e.Object) + 2*sha256.Size
	for _, m := range e.Audience {
		n += len(m) + 3
	}
	return n
}

// appendCanonical writes e without validating it; callers validate first.
func (e Entry) appendCanonical(b []byte) []byte {
	b = append(b, `{"kind":"`...)
	b = append(b, e.Kind...)
	b = append(b, `","time":"`...)
	b = e.Time.UTC().AppendFormat(b, timeLayout)
	b = append(b, `","actor":"`...)
	b = append(b, e.Actor...)
	b = append(b, `","audience":[`...)
	for i, m := range e.Audience {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, m...)
		b = append(b, '"')
	}
	b = append(b, `],"object":"`...)
	b = append(b, e.Object...)
	b = append(b, `","payload_sha256":"`...)
	b = hex.AppendEncode(b, e.PayloadSHA256[:])
	b = append(b, `"}`...)
	return b
}

func validKind(s string) bool {
	if len(s) == 0 || len(s) > MaxKindLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

func validObject(s string) bool {
	if len(s) == 0 || len(s) > MaxObjectLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '_', c == '~', c == ':', c == '/', c == '@', c == '+', c == '=', c == '#', c == '-':
		default:
			return false
		}
	}
	return true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// cutGroup returns the group id of an audience member "group:NAME".
func cutGroup(m string) (string, bool) {
	return strings.CutPrefix(m, deconflict.GroupPrefix)
}

// clip shortens s for an error message, so that a hostile input cannot make
// the message as large as itself.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// AudienceOf returns the audience of canonical entry bytes by their fixed
// layout, without decoding the rest: what a store needs to serve an entry to
// its audience, at a fraction of DecodeEntry's cost. It refuses bytes whose
// audience cannot be read or whose members are not valid; the rest of the
// entry is the writer's to have built with NewEntry (and every verifier
// decodes it in full).
func AudienceOf(canonical []byte) ([]string, error) {
	list, err := audienceList(canonical)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return []string{}, nil
	}
	var out []string
	for _, q := range bytes.Split(list, []byte(",")) {
		if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
			return nil, deconflict.Errorf(deconflict.EINVALID, "ledger entry's audience member %q is not a JSON string", clip(string(q)))
		}
		m := string(q[1 : len(q)-1])
		if g, ok := cutGroup(m); !(m == deconflict.ShareAll || deconflict.ValidID(m) || (ok && deconflict.ValidID(g))) {
			return nil, deconflict.Errorf(deconflict.EINVALID, "ledger entry's audience member %q is not a party, group:NAME or all", clip(m))
		}
		out = append(out, m)
	}
	return out, nil
}

// AudienceJSON returns the audience of an entry that NewEntry made as a JSON
// array, cut from its canonical bytes without decoding them: its members
// are ids, group:NAME or all, which JSON writes without escapes, so this is
// what json.Marshal(AudienceOf(canonical)) gives, at a fraction of the cost.
func AudienceJSON(canonical []byte) ([]byte, error) {
	list, err := audienceList(canonical)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(list)+2)
	return append(append(append(out, '['), list...), ']'), nil
}

// audienceList returns an entry's audience as it stands in its canonical
// bytes, between the brackets.
func audienceList(canonical []byte) ([]byte, error) {
	const open, close = `,"audience":[`, `],"object":"`
	i := bytes.Index(canonical, []byte(open))
	if !bytes.HasPrefix(canonical, []byte(`{"kind":"`)) || i < 0 {
		return nil, deconflict.Errorf(deconflict.EINVALID, "ledger entry has no audience where the canonical form puts it")
	}
	rest := canonical[i+len(open):]
	j := bytes.Index(rest, []byte(close))
	if j < 0 {
		return nil, deconflict.Errorf(deconflict.EINVALID, "ledger entry's audience is not closed where the canonical form closes it")
	}
	return rest[:j], nil
}
