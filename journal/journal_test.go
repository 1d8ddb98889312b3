package journal_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/accounts"
	"github.com/deconflict/deconflict/journal"
	"github.com/deconflict/deconflict/ledger"
	"github.com/deconflict/deconflict/sqlite"
	"github.com/deconflict/deconflict/strategic"
)

var t0 = time.Date(2031, 11, 24, 7, 0, 0, 0, time.UTC)

func square(id string) deconflict.Operation {
	ring, _ := json.Marshal([][][2]float64{{{36, 35}, {36.1, 35}, {36.1, 35.1}, {36, 35.1}, {36, 35}}})
	s, e := t0, t0.Add(time.Hour)
	return deconflict.Operation{ID: id, ShareWith: []string{"all"}, Volumes: []deconflict.Volume{{
		Geometry: deconflict.Geometry{Type: "Polygon", Coordinates: ring}, AltLowerM: 1000, AltUpperM: 2000, Start: &s, End: &e}}}
}

// storeWithParties opens a new store, closed when the test ends, with the
// parties ids.
func storeWithParties(t *testing.T, ids ...string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	acc := accounts.New(st)
	for _, id := range ids {
		if _, _, err := acc.CreateParty(context.Background(), deconflict.Caller{Admin: true}, deconflict.Party{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// TestChangeAndRecordCommitTogether: an accepted conflicting submission
// writes its ledger entry, an event for each side and their entries; when
// anything of the record fails, none of the change is kept either.
func TestChangeAndRecordCommitTogether(t *testing.T) {
	ctx := context.Background()
	st := storeWithParties(t, "alpha", "bravo")
	clock := func() time.Time { return t0.Add(-time.Hour) }
	jl := journal.New(clock)
	fail := false
	svc, err := strategic.New(ctx, st, strategic.Config{Now: clock, Journal: func(ctx context.Context, tx deconflict.Tx, ch strategic.Change) error {
		if err := jl.Record(ctx, tx, ch); err != nil {
			return err
		}
		if fail {
			return errors.New("the record failed after writing")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutOperation(ctx, deconflict.Caller{Party: "alpha"}, square("a1"), 0); err != nil {
		t.Fatal(err)
	}
	b := square("b1")
	b.AwareOf = []deconflict.AwareOf{{Party: "alpha", ID: "a1", Version: 1}}
	if _, err := svc.PutOperation(ctx, deconflict.Caller{Party: "bravo"}, b, 0); err != nil {
		t.Fatal(err)
	}
	head, _ := st.LedgerHead(ctx)
	recs, err := st.LedgerEntries(ctx, 0, head.Size)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, r := range recs {
		e, err := ledger.DecodeEntry(r.Canonical)
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, e.Kind+" "+e.Object+" "+e.Actor)
	}
	want := []string{"operation.put operation/alpha/a1@1 alpha", "operation.put operation/bravo/b1@1 bravo",
		"event.created event/1 bravo", "event.created event/2 bravo"}
	if len(kinds) != len(want) {
		t.Fatalf("ledger %q, want %q", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("ledger %q, want %q", kinds, want)
		}
	}
	for _, p := range []string{"alpha", "bravo"} {
		evs, _ := st.EventsAfter(ctx, p, 0, 10)
		if len(evs) != 1 || evs[0].Kind != deconflict.EventConflictOpened || !evs[0].NeedsAck {
			t.Fatalf("%s's events: %+v", p, evs)
		}
	}

	fail = true
	c := square("c1")
	c.AwareOf = b.AwareOf
	if _, err := svc.PutOperation(ctx, deconflict.Caller{Party: "bravo"}, c, 0); err == nil {
		t.Fatal("a submission whose record failed was accepted")
	}
	after, _ := st.LedgerHead(ctx)
	if after.Size != head.Size {
		t.Fatalf("the ledger grew from %d to %d entries for a change that was not kept", head.Size, after.Size)
	}
	if _, err := st.Operation(ctx, "bravo", "c1"); deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
		t.Fatalf("the operation whose record failed is stored: %v", err)
	}
	if evs, _ := st.EventsAfter(ctx, "alpha", 0, 10); len(evs) != 1 {
		t.Fatalf("alpha has %d events; the failed change's event was kept", len(evs))
	}
}

// TestAlertEventsAndTheirEntries: each alert transition becomes one event
// for each party concerned, each with its ledger entry shown only to that
// party; a raised alert needs acknowledgement, a cleared one does not.
func TestAlertEventsAndTheirEntries(t *testing.T) {
	ctx := context.Background()
	st := storeWithParties(t, "alpha", "bravo")
	jl := journal.New(func() time.Time { return t0 })
	a := deconflict.Alert{ID: "sep-1", Kind: deconflict.AlertSeparation, State: deconflict.AlertPredicted, TimeToS: 74,
		Tracks: []deconflict.TrackRef{{Party: "alpha", ID: "a1"}, {Party: "bravo", ID: "b1"}}, RaisedAt: t0, UpdatedAt: t0}
	cleared := a
	cleared.State = deconflict.AlertCleared
	err := st.Transact(ctx, func(tx deconflict.Tx) error {
		_, err := jl.AddAlerts(ctx, tx, []journal.AlertNotice{
			{Kind: deconflict.EventAlertRaised, Alert: a, Parties: []string{"alpha", "bravo"}},
			{Kind: deconflict.EventAlertCleared, Alert: cleared, Parties: []string{"alpha", "bravo"}},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"alpha", "bravo"} {
		evs, err := st.EventsAfter(ctx, p, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || evs[0].Kind != deconflict.EventAlertRaised || !evs[0].NeedsAck ||
			evs[1].Kind != deconflict.EventAlertCleared || evs[1].NeedsAck {
			t.Fatalf("%s's events: %+v", p, evs)
		}
		var got deconflict.Alert
		if err := json.Unmarshal(evs[0].Data, &got); err != nil || got.ID != "sep-1" || got.TimeToS != 74 {
			t.Fatalf("%s's alert: %+v %v", p, got, err)
		}
	}
	head, _ := st.LedgerHead(ctx)
	recs, err := st.LedgerEntries(ctx, 0, head.Size)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("%d ledger entries, want 4", len(recs))
	}
	for _, r := range recs {
		e, err := ledger.DecodeEntry(r.Canonical)
		if err != nil {
			t.Fatal(err)
		}
		if e.Kind != "event.created" || e.Actor != ledger.ActorSystem || len(e.Audience) != 1 {
			t.Errorf("entry %+v", e)
		}
	}
}
