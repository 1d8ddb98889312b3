package journal

import (
	"bytes"
	"encoding/json"
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
