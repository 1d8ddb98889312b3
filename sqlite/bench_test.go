package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/sqlite"
)

// A synthetic but realistic index: objects 1 to 50 km across spread over a
// 500 km square (around northern Syria), covered by up to 12 cells at levels
// 8 to 14, each in force for one hour somewhere in one day, in an altitude
// band of 300 to 3,000 m.
const (
	benchLat, benchLon = 35.5, 37.0
	benchSquareM       = 500_000.0
)

var benchDay = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

func benchCap(rng *rand.Rand, minRadiusM, maxRadiusM float64) s2.Cap {
	dLat := benchSquareM / deconflict.EarthRadiusM * 180 / math.Pi
	dLon := dLat / math.Cos(benchLat*math.Pi/180)
	c := s2.LatLngFromDegrees(benchLat+(rng.Float64()-0.5)*dLat, benchLon+(rng.Float64()-0.5)*dLon)
	r := minRadiusM + rng.Float64()*(maxRadiusM-minRadiusM)
	return s2.CapFromCenterAngle(s2.PointFromLatLng(c), s1.Angle(r/deconflict.EarthRadiusM))
}

func benchCells(cap s2.Cap, maxCells int) []uint64 {
	rc := s2.RegionCoverer{MinLevel: 8, MaxLevel: 14, MaxCells: maxCells}
	cov := rc.Covering(cap)
	out := make([]uint64, len(cov))
	for i, c := range cov {
		out[i] = uint64(c)
	}
	return out
}

func benchOperation(rng *rand.Rand, party, id string) (deconflict.Operation, []deconflict.IndexedVolume, int) {
	cap := benchCap(rng, 500, 25_000)
	start := benchDay.Add(time.Duration(rng.IntN(23*60)) * time.Minute)
	end := start.Add(time.Hour)
	lower := float64(rng.IntN(10_000))
	upper := lower + 300 + float64(rng.IntN(2700))
	ll := s2.LatLngFromPoint(cap.Center())
	coords, _ := json.Marshal([2]float64{ll.Lng.Degrees(), ll.Lat.Degrees()})
	op := deconflict.Operation{
		Party: party, ID: id, Version: 1, State: deconflict.StatePlanned,
		Volumes: []deconflict.Volume{{
			Geometry: deconflict.Geometry{Type: "Point", Coordinates: coords},
			BufferM:  cap.Radius().Radians() * deconflict.EarthRadiusM, AltLowerM: lower, AltUpperM: upper,
			Start: &start, End: &end,
		}},
		ShareWith: []string{"all"}, AwareOf: []deconflict.AwareOf{},
		CreatedAt: benchDay, UpdatedAt: benchDay,
	}
	cells := benchCells(cap, 12)
	index := []deconflict.IndexedVolume{{Volume: 0, Cells: cells, Start: start, End: end, AltLowerM: lower, AltUpperM: upper}}
	return op, index, len(cells)
}

// fillBench stores n operations of parties p0..p9, in transactions of 1,000.
func fillBench(b *testing.B, s *sqlite.Store, n int) (cells int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	err := s.Transact(ctx, func(tx deconflict.Tx) error {
		for p := range 10 {
			if err := tx.CreateParty(ctx, deconflict.Party{ID: fmt.Sprintf("p%d", p)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i += 1000 {
		err := s.Transact(ctx, func(tx deconflict.Tx) error {
			for j := i; j < min(n, i+1000); j++ {
				op, index, nc := benchOperation(rng, fmt.Sprintf("p%d", j%10), fmt.Sprintf("op-%d", j))
				cells += nc
				if err := tx.PutOperation(ctx, op, index); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return cells
}

// BenchmarkCandidates measures candidate queries over 100,000 stored
// operations (about a million cell rows): a query volume 5 to 20 km in
// radius covered by up to 16 cells, at a one-hour window and a 1,000 m band,
// and the same with the whole day (the cells alone select).
func BenchmarkCandidates(b *testing.B) {
	const objects = 100_000
	// Building the index takes minutes; DECONFLICT_BENCH_DB names a file to
	// keep it in between runs.
	path := os.Getenv("DECONFLICT_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	}
	_, statErr := os.Stat(path)
	s, err := sqlite.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if statErr != nil {
		t0 := time.Now()
		cells := fillBench(b, s, objects)
		b.Logf("stored %d operations with %d cells in %s", objects, cells, time.Since(t0).Round(time.Millisecond))
	}

	ctx := context.Background()
	for _, bc := range []struct {
		name   string
		window time.Duration
		band   float64
	}{{"hour", time.Hour, 1000}, {"day", 24 * time.Hour, 20_000}} {
		b.Run(bc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			qs := make([]deconflict.CandidateQuery, 1024)
			qcells := 0
			for i := range qs {
				start := benchDay.Add(time.Duration(rng.IntN(23*60)) * time.Minute)
				if bc.window >= 24*time.Hour {
					start = benchDay
				}
				lower := float64(rng.IntN(10_000))
				qs[i] = deconflict.CandidateQuery{Cells: benchCells(benchCap(rng, 5000, 20_000), 16),
					Start: start, End: start.Add(bc.window), AltLowerM: lower, AltUpperM: lower + bc.band, ExcludeParty: "p0"}
				qcells += len(qs[i].Cells)
			}
			found := 0
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				got, err := s.Candidates(ctx, qs[i%len(qs)])
				if err != nil {
					b.Fatal(err)
				}
				found += len(got)
			}
			b.ReportMetric(float64(found)/float64(b.N), "candidates/op")
			b.ReportMetric(float64(qcells)/float64(len(qs)), "cells/query")
		})
	}
}

// BenchmarkTransact measures small write transactions (one PutOperation with
// its index entries each) from 1, 32 and 128 concurrent goroutines, each
// committed durably before the next of its goroutine starts: the throughput
// and latency that group commit gives.
func BenchmarkTransact(b *testing.B) {
	for _, clients := range []int{1, 32, 128} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchTransact(b, clients) })
	}
}

func benchTransact(b *testing.B, clients int) {
	s, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fillBench(b, s, 0)
	ctx := context.Background()
	// Operations are made before the clock starts: the benchmark is of the store.
	type put struct {
		op    deconflict.Operation
		index []deconflict.IndexedVolume
	}
	rng := rand.New(rand.NewPCG(7, 8))
	puts := make([]put, b.N)
	for i := range puts {
		puts[i].op, puts[i].index, _ = benchOperation(rng, fmt.Sprintf("p%d", i%10), fmt.Sprintf("op-%d", i))
	}
	before := s.Stats()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(puts) {
					return
				}
				p := puts[i]
				if err := s.Transact(ctx, func(tx deconflict.Tx) error { return tx.PutOperation(ctx, p.op, p.index) }); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	st := s.Stats()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tx/s")
	b.ReportMetric(float64(st.Transactions-before.Transactions)/float64(max(1, st.Batches-before.Batches)), "tx/batch")
}
