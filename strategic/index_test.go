package strategic_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/strategic"
)

// TestMemoryIndexFollowsTheStore writes operations and zones from several
// goroutines (creating, replacing, cancelling, deleting), then checks that
// the in-memory index, kept in step change by change, has caught up with the
// last change and answers every query exactly as the index that a service
// started afresh on the same store builds from the stored objects.
func TestMemoryIndexFollowsTheStore(t *testing.T) {
	e := newEnv(t, deconflict.DefaultSettings())
	parties := []string{"alpha", "bravo", "charlie"}
	var wg sync.WaitGroup
	for w, p := range parties {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 5))
			for i := range 60 {
				id := fmt.Sprintf("op-%d", rng.IntN(40))
				o := op(id, randomVolume(rng))
				o.AwareOf = nil
				cur, err := e.svc.Operation(e.ctx, party(p), p, id)
				ifMatch := int64(0)
				if err == nil {
					ifMatch = cur.Version
				}
				switch {
				case i%7 == 3 && err == nil:
					_, err = e.svc.CancelOperation(e.ctx, party(p), id, 0)
				case i%11 == 5:
					z := deconflict.Zone{ID: fmt.Sprintf("z-%d", rng.IntN(5)), Name: "zone", Kind: deconflict.ZoneRestricted, Policy: deconflict.PolicyInform, Volumes: []deconflict.Volume{randomVolume(rng)}}
					_, err = e.svc.PutZone(e.ctx, party(p), z, 0)
				case i%13 == 6:
					err = e.svc.DeleteZone(e.ctx, party(p), fmt.Sprintf("z-%d", rng.IntN(5)))
				default:
					// Acknowledge whatever blocks, as an operator would.
					for range 5 {
						_, err = e.svc.PutOperation(e.ctx, party(p), o, ifMatch)
						var de *deconflict.Error
						if deconflict.ErrorCode(err) != deconflict.ECONFLICT || !errors.As(err, &de) {
							break
						}
						for _, b := range de.Blocking {
							if b.With != nil {
								o.AwareOf = append(o.AwareOf, deconflict.AwareOf{Party: b.With.Party, ID: b.With.ID, Version: b.With.Version})
							} else {
								o.AwareOf = append(o.AwareOf, deconflict.AwareOf{Ref: b.Ref})
							}
						}
					}
				}
				if err != nil && !slices.Contains([]string{deconflict.ENOTFOUND, deconflict.ECONFLICT, deconflict.EPRECONDITION}, deconflict.ErrorCode(err)) {
					t.Errorf("%s: %v", p, err)
				}
			}
		})
	}
	wg.Wait()

	changes, _, err := e.store.ChangesSince(e.ctx, 0)
	if err != nil || len(changes) == 0 {
		t.Fatalf("changes: %d, %v", len(changes), err)
	}
	last := changes[len(changes)-1].Seq
	restarted, err := strategic.New(e.ctx, e.store, strategic.Config{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	found := 0
	for i := range 300 {
		// Wide queries, so that each finds several candidates.
		v := randomVolume(rng)
		v.Geometry = square(35+5*rng.Float64(), 33+4.5*rng.Float64(), 0.2+rng.Float64())
		if i%2 == 0 {
			start, end := t0.Add(-time.Hour), t0.Add(25*time.Hour)
			v.Start, v.End, v.AltLowerM, v.AltUpperM = &start, &end, 0, 20_000
		}
		entries, err := e.svc.IndexEntries(deconflict.Operation{ID: "q", Party: "alpha", State: deconflict.StatePlanned, Volumes: []deconflict.Volume{v}})
		if err != nil {
			t.Fatal(err)
		}
		q := deconflict.CandidateQuery{Cells: entries[0].Cells, Start: v.Start.Add(-time.Minute), End: v.End.Add(time.Minute),
			AltLowerM: v.AltLowerM - 305, AltUpperM: v.AltUpperM + 305, ExcludeParty: parties[i%3]}
		want, seq := restarted.IndexCandidates(q)
		if seq != last {
			t.Fatalf("restarted index is at change %d, the store at %d", seq, last)
		}
		got, seq := e.svc.IndexCandidates(q)
		if seq != last {
			t.Fatalf("running index is at change %d, the store at %d", seq, last)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("query %d: the running index found %v, the restarted one %v", i, got, want)
		}
		found += len(want)
	}
	if found < 100 {
		t.Fatalf("the queries found only %d candidates: the test does not exercise the index", found)
	}
}

// TestSearchWhenTheIndexFellBehind checks the slow path: when the in-memory
// index is further behind than the store's change log reaches, every live
// object is judged, with the same answers.
func TestSearchWhenTheIndexFellBehind(t *testing.T) {
	e := newEnv(t, deconflict.DefaultSettings())
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range 40 {
		o := op(fmt.Sprintf("op-%d", i), randomVolume(rng))
		o.ShareWith = []string{"all"}
		e.mustPut("alpha", o, 0)
	}
	var vols []deconflict.Volume
	var before [][]deconflict.Conflict
	found := 0
	for range 30 {
		v := randomVolume(rng)
		v.Geometry = square(35+5*rng.Float64(), 33+4.5*rng.Float64(), 0.5)
		start, end := t0.Add(-time.Hour), t0.Add(25*time.Hour)
		v.Start, v.End, v.AltLowerM, v.AltUpperM = &start, &end, 0, 20_000
		cs, err := e.svc.CheckConflicts(e.ctx, party("bravo"), []deconflict.Volume{v}, nil)
		if err != nil {
			t.Fatal(err)
		}
		vols, before, found = append(vols, v), append(before, cs), found+len(cs)
	}
	if found < 10 {
		t.Fatalf("only %d conflicts found: the test does not exercise the search", found)
	}
	e.svc.ForgetIndex()
	for i, v := range vols {
		cs, err := e.svc.CheckConflicts(e.ctx, party("bravo"), []deconflict.Volume{v}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != len(before[i]) {
			t.Fatalf("check %d: %d conflicts by the slow path, %d by the index", i, len(cs), len(before[i]))
		}
		for j := range cs {
			if describe(cs[j]) != describe(before[i][j]) {
				t.Fatalf("check %d: %s by the slow path, %s by the index", i, describe(cs[j]), describe(before[i][j]))
			}
		}
	}
}
