package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/deconflict/deconflict"
)

// sidesObjects are the objects the conflicts of TestOpenConflictsOfObjects
// join: two of one party, one of another, a zone with an operation's id.
var sidesObjects = []deconflict.ObjectRef{
	{Kind: deconflict.KindOperation, Party: "p1", ID: "x", Version: 1},
	{Kind: deconflict.KindOperation, Party: "p1", ID: "y", Version: 1},
	{Kind: deconflict.KindOperation, Party: "p2", ID: "x", Version: 1},
	{Kind: deconflict.KindZone, Party: "p2", ID: "x", Version: 1},
}

// TestOpenConflictsOfObjects holds the lookup of an object's open conflicts
// (from the list in memory, sides.go) to the plain reading of the table:
// for every object, the open conflicts with it on a side. Batches of
// concurrent transactions open, close, reopen and swap the sides of
// conflicts, some of them failing after their writes (rolled back to their
// savepoint); the lookup is compared outside transactions after each round,
// inside one (where the batch's own writes count), and after the store is
// closed and opened again (the list rebuilt from the table).
func TestOpenConflictsOfObjects(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n := 0
	rapid.Check(t, func(t *rapid.T) {
		n++
		path := filepath.Join(dir, fmt.Sprintf("sides-%d.sqlite", n))
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { s.Close() }()
		putGen := rapid.Custom(func(t *rapid.T) deconflict.ConflictRecord {
			a := rapid.IntRange(0, len(sidesObjects)-1).Draw(t, "a")
			b := rapid.IntRange(0, len(sidesObjects)-1).Filter(func(b int) bool { return b != a }).Draw(t, "b")
			end := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
			c := deconflict.ConflictRecord{
				ID: fmt.Sprintf("c%d", rapid.IntRange(0, 7).Draw(t, "id")), State: deconflict.ConflictOpen,
				Policy: deconflict.PolicyInform, A: sidesObjects[a], B: sidesObjects[b],
				Window: deconflict.Window{Start: end.Add(-time.Hour), End: end}, OpenedAt: end, UpdatedAt: end,
			}
			if rapid.Bool().Draw(t, "closed") {
				c.State, c.ClosedReason = deconflict.ConflictClosed, "changed"
			}
			return c
		})
		for round := range rapid.IntRange(1, 6).Draw(t, "rounds") {
			closures := rapid.IntRange(1, 4).Draw(t, fmt.Sprintf("closures %d", round))
			var wg sync.WaitGroup
			errs := make([]error, closures)
			for i := range closures {
				puts := rapid.SliceOfN(putGen, 1, 4).Draw(t, fmt.Sprintf("puts %d.%d", round, i))
				fail := rapid.IntRange(0, 3).Draw(t, fmt.Sprintf("fails %d.%d", round, i)) == 0
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = s.Transact(ctx, func(tx deconflict.Tx) error {
						for _, c := range puts {
							// One statement a put: a statement may not
							// upsert the same id twice.
							if err := tx.PutConflicts(ctx, []deconflict.ConflictRecord{c}); err != nil {
								return err
							}
						}
						if err := compareOpenOfObjects(ctx, tx); err != nil {
							return fmt.Errorf("inside the transaction: %w", err)
						}
						if fail {
							return errFailedOnPurpose
						}
						return nil
					})
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil && !errors.Is(err, errFailedOnPurpose) {
					t.Fatal(err)
				}
			}
			if err := compareOpenOfObjects(ctx, s); err != nil {
				t.Fatalf("after round %d: %v", round, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if s, err = Open(path); err != nil {
			t.Fatal(err)
		}
		if err := compareOpenOfObjects(ctx, s); err != nil {
			t.Fatalf("after opening the store again: %v", err)
		}
	})
}

var errFailedOnPurpose = errors.New("failed on purpose, after its writes")

// compareOpenOfObjects compares, for each of sidesObjects, the lookup of its
// open conflicts with the open conflicts of the whole table that have it on
// a side, both as r sees them.
func compareOpenOfObjects(ctx context.Context, r deconflict.Reader) error {
	all, err := r.Conflicts(ctx, deconflict.ConflictFilter{State: deconflict.ConflictOpen})
	if err != nil {
		return err
	}
	for _, o := range sidesObjects {
		var want []string
		for _, c := range all {
			if sameObject(c.A, o) || sameObject(c.B, o) {
				want = append(want, c.ID)
			}
		}
		got, err := r.Conflicts(ctx, deconflict.ConflictFilter{Object: &o, State: deconflict.ConflictOpen})
		if err != nil {
			return err
		}
		if ids := conflictIDs(got); !slices.Equal(ids, want) {
			return fmt.Errorf("open conflicts of %s %s/%s: %q, want %q", o.Kind, o.Party, o.ID, ids, want)
		}
	}
	return nil
}

func sameObject(a, b deconflict.ObjectRef) bool {
	return a.Kind == b.Kind && a.Party == b.Party && a.ID == b.ID
}
