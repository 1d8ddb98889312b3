package tactical_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict/tactical"
)

// TestConcurrentPairsConverge updates both aircraft of many pairs at the
// same moment from two goroutines, round after round, with the pairs
// flipping between conflict and no conflict (one aircraft changes level
// every round): after every round each pair's alert must be in force
// exactly when the two latest reports conflict. Deciding a pair on a state
// that one of its aircraft has already replaced would leave it wrong.
func TestConcurrentPairsConverge(t *testing.T) {
	const pairs = 150
	rounds := 3000
	if raceEnabled {
		rounds = 600
	}
	clk := &fixedClock{t0}
	e := tactical.New(tactical.Config{Now: clk.now})
	as := make([]ac, pairs)
	bs := make([]ac, pairs)
	for i := range pairs {
		// Pairs 100 km apart from each other, each pair head-on, 20 s from
		// losing separation at the same level.
		lat := float64(i%15) - 7
		lon := float64(i/15) - 5
		as[i] = ac{party: "usaf", id: fmt.Sprintf("a%d", i), lat: lat, lon: lon, alt: 8000, gs: 200, trk: 90, at: t0}
		b := as[i]
		b.party, b.id, b.trk = "vks", fmt.Sprintf("b%d", i), 270
		b.lat, b.lon, _ = destination(lat, lon, 90, 9260+400*20)
		bs[i] = b
	}
	// level is b's altitude in round r: the same as a's, or 2,000 m above,
	// in a pattern that differs from pair to pair.
	level := func(i, r int) float64 {
		if (i*7+r*r)%3 == 0 {
			return 10000
		}
		return 8000
	}
	for r := range rounds {
		// The pairs stand still in time: every round reports the same
		// moment a little later, so that each pair keeps its geometry.
		now := t0.Add(time.Duration(r) * time.Millisecond)
		clk.t = now
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range pairs {
				a := as[i]
				a.at = now
				if _, err := e.Update(a.report(), a.party, ""); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := range pairs {
				b := bs[i]
				b.at, b.alt = now, level(i, r)
				if _, err := e.Update(b.report(), b.party, ""); err != nil {
					t.Error(err)
				}
			}
		}()
		wg.Wait()
		active := map[string]bool{}
		for _, al := range e.Alerts() {
			active[al.Alert.Tracks[0].ID] = true
		}
		for i := range pairs {
			if want := level(i, r) == 8000; active[as[i].id] != want {
				t.Fatalf("round %d, pair %d: alert in force %v, want %v", r, i, active[as[i].id], want)
			}
		}
	}
}
