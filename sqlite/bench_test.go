package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/cellindex"
	"github.com/deconflict/deconflict/geo"
	"github.com/deconflict/deconflict/sqlite"
)

// A realistic index: corridors (LineStrings) and polygons 1 to 50 km across
// spread over a 500 km square (around northern Syria), each covered the way
// the exchange covers it (geo.Cover of the footprint widened by its buffer
// and half the lateral minimum, 4,630 m), in force for one hour somewhere in
// one day, in an altitude band of 300 to 3,000 m.
const (
	benchLat, benchLon = 35.5, 37.0
	benchSquareM       = 500_000.0
	benchHalfMinimumM  = 4630.0
)

var benchDay = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

// benchGeometry returns a corridor or a polygon 1 to 50 km across somewhere
// in the square, and its buffer.
func benchGeometry(rng *rand.Rand) (deconflict.Geometry, float64) {
	mPerDegLat := deconflict.EarthRadiusM * math.Pi / 180
	mPerDegLon := mPerDegLat * math.Cos(benchLat*math.Pi/180)
	cLat := benchLat + (rng.Float64()-0.5)*benchSquareM/mPerDegLat
	cLon := benchLon + (rng.Float64()-0.5)*benchSquareM/mPerDegLon
	size := 1000 + rng.Float64()*49_000
	at := func(dx, dy float64) [2]float64 {
		return [2]float64{cLon + dx/mPerDegLon, cLat + dy/mPerDegLat}
	}
	var g deconflict.Geometry
	if rng.IntN(2) == 0 {
		// A corridor of a few legs wandering across size.
		n := 2 + rng.IntN(4)
		heading := rng.Float64() * 2 * math.Pi
		x, y := -math.Cos(heading)*size/2, -math.Sin(heading)*size/2
		pts := [][2]float64{at(x, y)}
		for range n - 1 {
			h := heading + (rng.Float64()-0.5)*math.Pi/2
			x += math.Cos(h) * size / float64(n-1)
			y += math.Sin(h) * size / float64(n-1)
			pts = append(pts, at(x, y))
		}
		c, _ := json.Marshal(pts)
		g = deconflict.Geometry{Type: "LineString", Coordinates: c}
	} else {
		// A star-shaped ring of 5 to 12 vertices, size across.
		n := 5 + rng.IntN(8)
		ring := make([][2]float64, 0, n+1)
		for i := range n {
			a := 2 * math.Pi * (float64(i) + 0.8*rng.Float64()) / float64(n)
			r := size / 2 * (0.5 + 0.5*rng.Float64())
			ring = append(ring, at(math.Cos(a)*r, math.Sin(a)*r))
		}
		ring = append(ring, ring[0])
		c, _ := json.Marshal([][][2]float64{ring})
		g = deconflict.Geometry{Type: "Polygon", Coordinates: c}
	}
	return g, float64(50 + rng.IntN(950))
}

// benchCover covers g widened by bufferM and half the lateral minimum.
func benchCover(tb testing.TB, g deconflict.Geometry, bufferM float64) []uint64 {
	fp, err := geo.ParseGeometry(g, "geometry", 0)
	if err != nil {
		tb.Fatalf("%s %s: %v", g.Type, g.Coordinates, err)
	}
	cov := geo.Cover(fp, bufferM+benchHalfMinimumM)
	out := make([]uint64, len(cov))
	for i, c := range cov {
		out[i] = uint64(c)
	}
	return out
}

func benchOperation(tb testing.TB, rng *rand.Rand, party, id string) (deconflict.Operation, []deconflict.IndexedVolume, int) {
	g, buffer := benchGeometry(rng)
	start := benchDay.Add(time.Duration(rng.IntN(23*60)) * time.Minute)
	end := start.Add(time.Hour)
	lower := float64(rng.IntN(10_000))
	upper := lower + 300 + float64(rng.IntN(2700))
	op := deconflict.Operation{
		Party: party, ID: id, Version: 1, State: deconflict.StatePlanned,
		Volumes: []deconflict.Volume{{
			Geometry: g, BufferM: buffer, AltLowerM: lower, AltUpperM: upper,
			Start: &start, End: &end,
		}},
		ShareWith: []string{"all"}, AwareOf: []deconflict.AwareOf{},
		CreatedAt: benchDay, UpdatedAt: benchDay,
	}
	cells := benchCover(tb, g, buffer)
	index := []deconflict.IndexedVolume{{Volume: 0, Cells: cells, Start: start, End: end, AltLowerM: lower, AltUpperM: upper}}
	return op, index, len(cells)
}

// benchObject is one generated operation and its index entries.
type benchObject struct {
	op    deconflict.Operation
	index []deconflict.IndexedVolume
}

// benchObjects generates n operations of parties p0..p9, the same every time.
func benchObjects(tb testing.TB, n int) (objs []benchObject, cells int) {
	rng := rand.New(rand.NewPCG(1, 2))
	for j := range n {
		op, index, nc := benchOperation(tb, rng, fmt.Sprintf("p%d", j%10), fmt.Sprintf("op-%d", j))
		objs = append(objs, benchObject{op, index})
		cells += nc
	}
	return objs, cells
}

// fillBench stores objs, in transactions of 1,000.
func fillBench(b testing.TB, s *sqlite.Store, objs []benchObject) {
	ctx := context.Background()
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
	for i := 0; i < len(objs); i += 1000 {
		err := s.Transact(ctx, func(tx deconflict.Tx) error {
			for _, o := range objs[i:min(len(objs), i+1000)] {
				if err := tx.PutOperation(ctx, o.op, o.index); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCandidates measures candidate queries over 100,000 stored
// operations with real coverings: the query of a corridor or polygon 1 to
// 50 km across (geo.Cover, up to 24 cells), at a one-hour window widened by
// a minute each side and a 1,000 m band; and the same over the whole day and
// every altitude (the cells alone select). seeks/op counts the B-tree
// seeks SQLite makes (one per cell range and time bucket), rss-MiB the
// resident memory of the test process after the run.
func BenchmarkCandidates(b *testing.B) {
	const objects = 100_000
	// Building the index takes minutes; DECONFLICT_BENCH_DB names a file to
	// keep it in between runs (delete it after changing the schema).
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
	objs, cells := benchObjects(b, objects)
	if statErr != nil {
		t0 := time.Now()
		fillBench(b, s, objs)
		b.Logf("stored %d operations with %d cells in %s", objects, cells, time.Since(t0).Round(time.Millisecond))
	}
	// The same entries in memory, searched in the same run: the baseline
	// and the in-memory index side by side.
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	mem := cellindex.New()
	for _, o := range objs {
		mem.Put(cellindex.ObjectKey{Kind: deconflict.KindOperation, Party: o.op.Party, ID: o.op.ID}, o.op.Version, o.index)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.Logf("in-memory index of %d operations: %.1f MiB of heap", objects, float64(after.HeapAlloc-before.HeapAlloc)/(1<<20))

	ctx := context.Background()
	for _, bc := range []struct {
		name   string
		window time.Duration
		band   float64
		memory bool
	}{{"hour", time.Hour, 1000, false}, {"day", 24 * time.Hour, 20_000, false},
		{"hour-memory", time.Hour, 1000, true}, {"day-memory", 24 * time.Hour, 20_000, true}} {
		b.Run(bc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			qs := make([]deconflict.CandidateQuery, 1024)
			qcells, seeks := 0, 0
			for i := range qs {
				g, buffer := benchGeometry(rng)
				start := benchDay.Add(time.Duration(rng.IntN(23*60)-1) * time.Minute)
				end := start.Add(bc.window + 2*time.Minute)
				if bc.window >= 24*time.Hour {
					start, end = benchDay, benchDay.Add(bc.window)
				}
				lower := float64(rng.IntN(10_000))
				qs[i] = deconflict.CandidateQuery{Cells: benchCover(b, g, buffer),
					Start: start, End: end, AltLowerM: lower, AltUpperM: lower + bc.band, ExcludeParty: "p0"}
				qcells += len(qs[i].Cells)
				n, err := sqlite.Seeks(ctx, s, qs[i])
				if err != nil {
					b.Fatal(err)
				}
				seeks += n
			}
			found := 0
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				q := qs[i%len(qs)]
				if bc.memory {
					found += len(mem.Candidates(q))
					continue
				}
				got, err := s.Candidates(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				found += len(got)
			}
			b.ReportMetric(float64(found)/float64(b.N), "candidates/op")
			b.ReportMetric(float64(qcells)/float64(len(qs)), "cells/query")
			b.ReportMetric(float64(seeks)/float64(len(qs)), "seeks/op")
			b.ReportMetric(float64(residentBytes())/(1<<20), "rss-MiB")
		})
	}
}

// residentBytes returns the resident memory of this process (0 where
// /proc is missing).
func residentBytes() int64 {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, resident int64
	if _, err := fmt.Sscan(string(raw), &size, &resident); err != nil {
		return 0
	}
	return resident * int64(os.Getpagesize())
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
	fillBench(b, s, nil)
	ctx := context.Background()
	// Operations are made before the clock starts: the benchmark is of the store.
	type put struct {
		op    deconflict.Operation
		index []deconflict.IndexedVolume
	}
	rng := rand.New(rand.NewPCG(7, 8))
	puts := make([]put, b.N)
	for i := range puts {
		puts[i].op, puts[i].index, _ = benchOperation(b, rng, fmt.Sprintf("p%d", i%10), fmt.Sprintf("op-%d", i))
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
