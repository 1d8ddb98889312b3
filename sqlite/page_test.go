package sqlite

import (
	"encoding/json"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/deconflict/deconflict"
)

// TestEventPageRoundTrip holds the page encoding to its decoding: any
// kind, origin and JSON data (escapes, HTML characters, U+2028, invalid
// UTF-8 made valid by encoding/json) come back as they went in, data byte
// for byte.
func TestEventPageRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 5).Draw(t, "n")
		evs := make([]deconflict.StoredEvent, n)
		page := []byte{'['}
		for i := range evs {
			data, _ := json.Marshal(map[string]any{
				"text": rapid.String().Draw(t, "text"),
				"n":    rapid.Float64().Filter(func(f float64) bool { return f == f && f < 1e300 && f > -1e300 }).Draw(t, "n"),
			})
			// Kinds and origins are ids in practice; anything must still
			// survive, as valid UTF-8 (what a TEXT column and JSON keep).
			kind := []rune(rapid.String().Draw(t, "kind"))
			origin := []rune(rapid.String().Draw(t, "origin"))
			evs[i] = deconflict.StoredEvent{
				Event: deconflict.Event{ID: int64(100 + i), Kind: deconflict.EventKind(string(kind)),
					Time: time.UnixMicro(rapid.Int64Range(0, 1<<50).Draw(t, "time")).UTC(), NeedsAck: rapid.Bool().Draw(t, "ack"), Data: data},
				Party: "alpha", Origin: string(origin), LedgerIndex: rapid.Int64Range(0, 1<<40).Draw(t, "idx"),
			}
			if i > 0 {
				page = append(page, ',')
			}
			page = appendPageEvent(page, evs[i])
		}
		page = append(page, ']')
		got, err := decodePage("alpha", string(page))
		if err != nil {
			t.Fatalf("decode %s: %v", page, err)
		}
		if len(got) != n {
			t.Fatalf("%d events back, want %d", len(got), n)
		}
		for i, g := range got {
			w := evs[i]
			if g.ID != w.ID || g.Kind != w.Kind || !g.Time.Equal(w.Time) || g.NeedsAck != w.NeedsAck ||
				g.Origin != w.Origin || g.LedgerIndex != w.LedgerIndex || g.Party != "alpha" || string(g.Data) != string(w.Data) {
				t.Fatalf("event %d: got %+v, want %+v", i, g, w)
			}
		}
	})
}
