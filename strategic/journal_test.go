package strategic_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/accounts"
	"github.com/deconflict/deconflict/sqlite"
	"github.com/deconflict/deconflict/strategic"
)

// The journal sees every accepted change inside its transaction, and a
// journal that fails takes the whole change with it.
func TestJournalSeam(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	acc := accounts.New(st)
	for _, id := range []string{"alpha", "bravo"} {
		if _, _, err := acc.CreateParty(ctx, deconflict.Caller{Admin: true}, deconflict.Party{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	var (
		changes []strategic.Change
		failing bool
	)
	boom := errors.New("ledger unavailable")
	svc, err := strategic.New(ctx, st, strategic.Config{
		Now: (&clock{t: t0.Add(-60e9 * 60)}).Now,
		Journal: func(ctx context.Context, tx deconflict.Tx, ch strategic.Change) error {
			if failing {
				return boom
			}
			changes = append(changes, ch)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := op("a1", vol(square(36, 35, 0.05), 0, 60))
	a.ShareWith = []string{"all"}
	if _, err := svc.PutOperation(ctx, party("alpha"), a, 0); err != nil {
		t.Fatal(err)
	}
	b := op("b1", vol(square(36, 35, 0.05), 0, 60))
	b.AwareOf = []deconflict.AwareOf{awareOf("alpha", "a1", 1)}
	if _, err := svc.PutOperation(ctx, party("bravo"), b, 0); err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || len(changes[1].Opened) != 1 || changes[1].Object.ID != "b1" || changes[1].Actor != "bravo" {
		t.Fatalf("changes %+v", changes)
	}

	failing = true
	_, err = svc.CancelOperation(ctx, party("alpha"), "a1", 0)
	if !errors.Is(err, boom) {
		t.Fatalf("cancel with a failing journal: %v", err)
	}
	got, err := st.Operation(ctx, "alpha", "a1")
	if err != nil || got.State != deconflict.StatePlanned || got.Version != 1 {
		t.Fatalf("a failed journal kept the cancel: %+v, %v", got, err)
	}
	recs, _ := st.Conflicts(ctx, deconflict.ConflictFilter{State: deconflict.ConflictOpen})
	if len(recs) != 1 {
		t.Fatalf("a failed journal closed the conflict: %+v", recs)
	}

	failing = false
	if _, err := svc.CancelOperation(ctx, party("alpha"), "a1", 0); err != nil {
		t.Fatal(err)
	}
	last := changes[len(changes)-1]
	if len(last.Closed) != 1 || last.Closed[0].ClosedReason != "cancelled" {
		t.Fatalf("cancel change %+v", last)
	}
}
