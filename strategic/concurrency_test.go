package strategic_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/accounts"
	"github.com/deconflict/deconflict/geo"
)

// Many parties submit mutually conflicting operations at once, none naming
// any other in aware_of. Whatever order the store runs them in, no two
// accepted operations of different parties may conflict: the second of any
// such pair had to name the first.
func TestConcurrentSubmissionsNeverSkipAwareness(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	acc := accounts.New(e.store)
	parties := []string{"alpha", "bravo", "charlie"}
	for i := range 5 {
		id := fmt.Sprintf("p%d", i)
		if _, _, err := acc.CreateParty(e.ctx, deconflict.Caller{Admin: true}, deconflict.Party{ID: id}); err != nil {
			t.Fatal(err)
		}
		parties = append(parties, id)
	}

	const n = 64
	rng := rand.New(rand.NewPCG(1, 2))
	ops := make([]deconflict.Operation, n)
	owners := make([]string, n)
	for i := range ops {
		// Points along the equator 0.05° (5.6 km) apart at most 40 steps:
		// each conflicts with its neighbours within 9,260 m.
		lon := 30 + 0.05*float64(rng.IntN(40))
		ops[i] = op(fmt.Sprintf("op%02d", i), vol(point(lon, 0), rng.IntN(30), 60+rng.IntN(30)))
		owners[i] = parties[rng.IntN(len(parties))]
	}

	accepted := make([]bool, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := e.put(owners[i], ops[i], 0)
			switch deconflict.ErrorCode(err) {
			case "":
				accepted[i] = true
			case deconflict.ECONFLICT:
			default:
				t.Errorf("op%02d: %v", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()

	compiled := make([]*geo.Volume, n)
	for i, o := range ops {
		v, err := geo.CompileVolume(o.Volumes[0], "volumes[0]", 0)
		if err != nil {
			t.Fatal(err)
		}
		compiled[i] = v
	}
	m := deconflict.DefaultSettings().OperationMinima
	minima := geo.Minima{LateralM: m.LateralM, VerticalM: m.VerticalM}
	nAccepted := 0
	for i := range n {
		if !accepted[i] {
			continue
		}
		nAccepted++
		for j := i + 1; j < n; j++ {
			if accepted[j] && owners[i] != owners[j] && geo.Conflicts(compiled[i], compiled[j], minima) {
				t.Errorf("op%02d (%s) and op%02d (%s) conflict and were both accepted without awareness", i, owners[i], j, owners[j])
			}
		}
	}
	if nAccepted == 0 || nAccepted == n {
		t.Fatalf("%d of %d accepted: the test should see both outcomes", nAccepted, n)
	}
	if recs := e.records(); len(recs) != 0 {
		t.Fatalf("conflicts were stored although nothing was acknowledged: %d", len(recs))
	}
	t.Logf("%d of %d accepted", nAccepted, n)
}
