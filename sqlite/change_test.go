package sqlite

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/deconflict/deconflict"
)

// TestChangeLogKeepsTheLatest holds the in-memory change log to its
// contract whatever the sizes of the batches added: it always reaches back
// at least changesInMemory changes (or to the first), since returns exactly
// the changes after a seq it reaches, in order, and says so when it does not.
func TestChangeLogKeepsTheLatest(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var c changeLog
		var last int64
		for _, n := range rapid.SliceOfN(rapid.IntRange(1, 3*changesInMemory), 1, 8).Draw(t, "batches") {
			batch := make([]deconflict.ObjectChange, n)
			for i := range batch {
				last++
				batch[i] = deconflict.ObjectChange{Seq: last, ID: "x"}
			}
			c.add(batch)
			oldest := c.log[0].Seq
			if reach := last - oldest + 1; reach < min(last, changesInMemory) {
				t.Fatalf("after change %d the log reaches back %d changes, want at least %d", last, reach, min(last, changesInMemory))
			}
			for _, seq := range []int64{0, oldest - 2, oldest - 1, oldest, (oldest + last) / 2, last - 1, last} {
				if seq < 0 {
					continue
				}
				got, ok := c.since(seq, last)
				if want := seq >= oldest-1; ok != want {
					t.Fatalf("since(%d) with %d..%d kept: ok %v, want %v", seq, oldest, last, ok, want)
				}
				if !ok {
					continue
				}
				if int64(len(got)) != last-seq {
					t.Fatalf("since(%d): %d changes, want %d", seq, len(got), last-seq)
				}
				for i, ch := range got {
					if ch.Seq != seq+1+int64(i) {
						t.Fatalf("since(%d)[%d] is change %d", seq, i, ch.Seq)
					}
				}
			}
		}
	})
}
