package journal

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/deconflict/deconflict"
)

// TestEventBodyIsMarshal holds eventBody to json.Marshal for events whose
// data json.Marshal made, with text that json.Marshal escapes (HTML
// characters, U+2028, control characters, invalid UTF-8) and times of every
// precision the journal writes.
func TestEventBodyIsMarshal(t *testing.T) {
	kinds := []deconflict.EventKind{deconflict.EventConflictOpened, deconflict.EventConflictUpdated, deconflict.EventConflictClosed,
		deconflict.EventAlertRaised, deconflict.EventAlertUpdated, deconflict.EventAlertCleared, deconflict.EventMessage, deconflict.EventAck}
	rapid.Check(t, func(t *rapid.T) {
		text := rapid.OneOf(rapid.String(), rapid.StringOf(rapid.SampledFrom([]rune("<>&\u2028\u2029\x00\n\"\\é a")))).Draw(t, "text")
		data, err := json.Marshal(Message{From: "alpha", To: []string{"bravo", "group:g"}, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		at := time.UnixMicro(rapid.Int64Range(0, 253402300799999999).Draw(t, "micros")).UTC()
		e := deconflict.Event{ID: rapid.Int64Range(0, 1<<62).Draw(t, "id"), Kind: rapid.SampledFrom(kinds).Draw(t, "kind"),
			Time: at, NeedsAck: rapid.Bool().Draw(t, "ack"), Data: data}
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if got := eventBody(e); !bytes.Equal(got, want) {
			t.Fatalf("eventBody:\n%s\njson.Marshal:\n%s", got, want)
		}
	})
}

// TestConflictJSONIsMarshal holds conflictJSON to json.Marshal on conflicts
// as the exchange makes them and on strings, numbers and times that encoding/json
// treats specially.
func TestConflictJSONIsMarshal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		str := func(label string) string {
			return rapid.OneOf(rapid.StringMatching(`[A-Za-z0-9._-]{1,20}`), rapid.String(),
				rapid.StringOf(rapid.SampledFrom([]rune("<>&\u2028\"\\\x00é a_1")))).Draw(t, label)
		}
		num := rapid.OneOf(rapid.Float64(), rapid.Float64Range(-1e-5, 1e-5), rapid.Float64Range(0, 1e7),
			rapid.SampledFrom([]float64{0, math.Copysign(0, -1), 1e21, 1e-7, 123456789012345678901234.0, -1e-300}))
		tm := func(label string) time.Time {
			at := time.UnixMicro(rapid.Int64Range(-1e16, 253402300799999999).Draw(t, label)).UTC()
			if rapid.Bool().Draw(t, label+" zone") {
				at = at.In(time.FixedZone("x", rapid.IntRange(-14*3600, 14*3600).Draw(t, label+" offset")))
			}
			return at
		}
		c := deconflict.Conflict{ID: str("id"), State: deconflict.ConflictState(str("state")), Policy: deconflict.Policy(str("policy")),
			Ref: str("ref"), Window: deconflict.Window{Start: tm("start"), End: tm("end")}}
		if rapid.Bool().Draw(t, "visible") {
			c.With = &deconflict.ObjectRef{Kind: deconflict.ObjectKind(str("kind")), Party: str("party"), ID: str("with id"),
				Version: rapid.Int64().Draw(t, "version")}
			d := num.Draw(t, "distance")
			c.MinDistanceM = &d
		}
		for i := range c.Region {
			c.Region[i] = num.Draw(t, "region")
		}
		want, wantErr := json.Marshal(c)
		got, err := conflictJSON(c)
		if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Fatalf("conflictJSON:\n%s (%v)\njson.Marshal:\n%s (%v)", got, err, want, wantErr)
		}
	})
}
