package strategic_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/accounts"
	"github.com/deconflict/deconflict/journal"
	"github.com/deconflict/deconflict/sqlite"
	"github.com/deconflict/deconflict/strategic"
)

// benchTmp holds the pre-filled store, kept across the benchmark's runs
// (it is costly to fill) and removed by TestMain (helpers_test.go).
var benchTmp string

// randomVolume is a corridor or a polygon 1-50 km across somewhere in a
// 5° × 4.5° region (about 450 × 500 km at 35°N), 1 h in a day, 1 km thick.
func randomVolume(rng *rand.Rand) deconflict.Volume {
	lon, lat := 35+5*rng.Float64(), 33+4.5*rng.Float64()
	size := 0.01 + 0.44*rng.Float64() // degrees across, 1-50 km
	var v deconflict.Volume
	if rng.IntN(2) == 0 {
		v = vol(geometry("LineString", [][2]float64{{lon, lat}, {lon + size*(rng.Float64()-0.5), lat + size*(rng.Float64()-0.5)}, {lon + size*(rng.Float64()-0.5), lat + size*(rng.Float64()-0.5)}}), 0, 60)
		v.BufferM = 1000 + 1000*rng.Float64()
	} else {
		v = vol(square(lon, lat, size/2), 0, 60)
	}
	start := t0.Add(time.Duration(rng.IntN(23*60)) * time.Minute)
	end := start.Add(time.Hour)
	v.Start, v.End = &start, &end
	v.AltLowerM = float64(rng.IntN(10)) * 1000
	v.AltUpperM = v.AltLowerM + 1000
	return v
}

type benchEnv struct {
	svc *strategic.Service
	// recorded is a service on the same store that writes events and
	// ledger entries with every change (package journal).
	recorded *strategic.Service
	ops      []deconflict.Operation // bravo's submissions, aware of what they conflict with
	mean     float64                // conflicts per submission
}

var (
	benchOnce sync.Once
	benchE    *benchEnv
	benchErr  error
)

var benchSeq atomic.Int64

var benchStore *sqlite.Store

const (
	benchPrefill = 10_000
	benchSpecs   = 2_000
)

// prefilled returns a store with benchPrefill live operations of alpha
// (shared with all) and benchSpecs submissions of bravo prepared with the
// aware_of each needs, so that every timed submission is accepted.
func prefilled() (*benchEnv, error) {
	benchOnce.Do(func() {
		benchE, benchErr = fill()
	})
	return benchE, benchErr
}

func fill() (*benchEnv, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "strategic-bench")
	if err != nil {
		return nil, err
	}
	benchTmp = dir
	st, err := sqlite.Open(filepath.Join(dir, "db.sqlite"))
	benchStore = st
	if err != nil {
		return nil, err
	}
	acc := accounts.New(st)
	for _, id := range []string{"alpha", "bravo"} {
		if _, _, err := acc.CreateParty(ctx, deconflict.Caller{Admin: true}, deconflict.Party{ID: id}); err != nil {
			return nil, err
		}
	}
	// One party's operations never conflict with each other, so the fill
	// writes them straight to the store, many to a transaction; the service
	// started afterwards indexes them.
	entries := make([]deconflict.Operation, benchPrefill)
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= benchPrefill {
					return
				}
				rng := rand.New(rand.NewPCG(uint64(i), 7))
				o := op(fmt.Sprintf("a%05d", i), randomVolume(rng))
				o.Party, o.State, o.Version, o.ShareWith = "alpha", deconflict.StatePlanned, 1, []string{"all"}
				o.CreatedAt, o.UpdatedAt = t0.Add(-2*time.Hour), t0.Add(-2*time.Hour)
				entries[i] = o
			}
		}()
	}
	wg.Wait()
	for lo := 0; lo < benchPrefill; lo += 500 {
		err := st.Transact(ctx, func(tx deconflict.Tx) error {
			for _, e := range entries[lo:min(lo+500, benchPrefill)] {
				if err := tx.PutOperation(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	svc, err := strategic.New(ctx, st, strategic.Config{Now: func() time.Time { return t0.Add(-time.Hour) }})
	if err != nil {
		return nil, err
	}
	recorded, err := strategic.New(ctx, st, strategic.Config{Now: func() time.Time { return t0.Add(-time.Hour) },
		Journal: journal.New(nil).Record})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(99, 7))
	be := &benchEnv{svc: svc, recorded: recorded}
	total := 0
	for i := range benchSpecs {
		o := op(fmt.Sprintf("b%05d", i), randomVolume(rng))
		cs, err := svc.CheckConflicts(ctx, party("bravo"), o.Volumes, nil)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			o.AwareOf = append(o.AwareOf, awareOf(c.With.Party, c.With.ID, c.With.Version))
		}
		total += len(cs)
		be.ops = append(be.ops, o)
	}
	be.mean = float64(total) / benchSpecs
	return be, nil
}

// BenchmarkPutOperation submits new operations of bravo, each checked
// against 10,000 live operations of alpha and durably stored with its
// conflicts, from as many goroutines as GOMAXPROCS×16 (concurrent clients):
// without and with the record (an event for each side of each conflict and
// the ledger entries of the change and of every event) — run with -count to
// interleave the two.
func BenchmarkPutOperation(b *testing.B) {
	be, err := prefilled()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("record=off", func(b *testing.B) { benchPut(b, be, be.svc) })
	b.Run("record=on", func(b *testing.B) { benchPut(b, be, be.recorded) })
}

func benchPut(b *testing.B, be *benchEnv, svc *strategic.Service) {
	ctx := context.Background()
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := benchSeq.Add(1) // unique across the benchmark's runs
			o := be.ops[int(i)%len(be.ops)]
			o.ID = fmt.Sprintf("run%d", i)
			if _, err := svc.PutOperation(ctx, party("bravo"), o, 0); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
	b.ReportMetric(be.mean, "conflicts/op")
}

// BenchmarkCheckConflicts is the what-if check of the same submissions.
func BenchmarkCheckConflicts(b *testing.B) {
	be, err := prefilled()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			o := be.ops[int(seq.Add(1))%len(be.ops)]
			if _, err := be.svc.CheckConflicts(ctx, party("bravo"), o.Volumes, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "checks/s")
}
