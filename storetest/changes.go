package storetest

import (
	"context"
	"testing"

	"github.com/deconflict/deconflict"
)

// testChanges checks that writes of operations and zones are numbered in
// commit order, and that a snapshot sees exactly the changes up to its
// number while later writes are listed by ChangesSince.
func testChanges(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	mustParty(t, s, "usaf", "un")
	changes := func(since int64) []deconflict.ObjectChange {
		t.Helper()
		cs, complete, err := s.ChangesSince(ctx, since)
		if err != nil || !complete {
			t.Fatalf("ChangesSince(%d): complete %v, err %v", since, complete, err)
		}
		return cs
	}
	base := int64(0)
	if cs := changes(0); len(cs) > 0 {
		base = cs[len(cs)-1].Seq
	}

	op := operation("usaf", "sortie", deconflict.StatePlanned, at(7, 0), at(8, 0))
	putOps(t, s, op)
	var seq1 int64
	var seen deconflict.Operation
	if err := s.Snapshot(ctx, func(r deconflict.Reader, seq int64) error {
		seq1 = seq
		// Writes that commit while the snapshot is open are not in it.
		op2 := op
		op2.Version, op2.State = 2, deconflict.StateCancelled
		putOps(t, s, op2)
		var err error
		seen, err = r.Operation(ctx, "usaf", "sortie")
		return err
	}); err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if seen.Version != 1 {
		t.Errorf("the snapshot saw version %d of a write made after it began, want 1", seen.Version)
	}
	hospital := zone("un", "hospital", deconflict.ZoneProtected)
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.PutZone(ctx, hospital) })
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.DeleteZone(ctx, "un", "hospital") })

	all := changes(base)
	if len(all) != 4 {
		t.Fatalf("changes since %d: %+v, want 4 (put, cancel, zone put, zone delete)", base, all)
	}
	want := []deconflict.ObjectChange{
		{Kind: deconflict.KindOperation, Party: "usaf", ID: "sortie", Version: 1, Live: true},
		{Kind: deconflict.KindOperation, Party: "usaf", ID: "sortie", Version: 2, Live: false},
		{Kind: deconflict.KindZone, Party: "un", ID: "hospital", Version: 1, Live: true},
		{Kind: deconflict.KindZone, Party: "un", ID: "hospital", Version: 1, Live: false},
	}
	for i, c := range all {
		if i > 0 && c.Seq <= all[i-1].Seq {
			t.Errorf("change %d numbered %d after %d: not in order", i, c.Seq, all[i-1].Seq)
		}
		w := want[i]
		w.Seq = c.Seq
		if c != w {
			t.Errorf("change %d = %+v, want %+v", i, c, w)
		}
	}
	if seq1 != all[0].Seq {
		t.Errorf("the snapshot's number is %d, want %d (the first put, not the later cancel)", seq1, all[0].Seq)
	}
	if got := changes(seq1); len(got) != 3 || got[0].Version != 2 {
		t.Errorf("changes after the snapshot: %+v, want the cancel and the two zone writes", got)
	}
	if got := changes(all[3].Seq); len(got) != 0 {
		t.Errorf("changes after the last: %+v, want none", got)
	}
	// A failed transaction leaves no change behind.
	_ = writeErr(s, func(ctx context.Context, tx deconflict.Tx) error {
		if err := tx.PutZone(ctx, hospital); err != nil {
			return err
		}
		return deconflict.Errorf(deconflict.EINVALID, "changed my mind")
	})
	if got := changes(all[3].Seq); len(got) != 0 {
		t.Errorf("a rolled-back write left changes: %+v", got)
	}
}
