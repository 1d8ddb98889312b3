package cellindex_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/cellindex"
	"github.com/deconflict/deconflict/geo"
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

// BenchmarkCandidates measures candidate searches over 100,000 indexed
// operations with real coverings: the query of a corridor or polygon 1 to
// 50 km across (geo.Cover, up to 24 cells), at a one-hour window widened by a
// minute each side and a 1,000 m band; and the same over the whole day and
// every altitude (the cells alone select). It logs the heap the index holds.
func BenchmarkCandidates(b *testing.B) {
	const objects = 100_000
	rng := rand.New(rand.NewPCG(1, 2))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix := cellindex.New()
	for j := range objects {
		g, buffer := benchGeometry(rng)
		start := benchDay.Add(time.Duration(rng.IntN(23*60)) * time.Minute)
		lower := float64(rng.IntN(10_000))
		ix.Put(cellindex.ObjectKey{Kind: deconflict.KindOperation, Party: fmt.Sprintf("p%d", j%10), ID: fmt.Sprintf("op-%d", j)}, 1,
			[]deconflict.IndexedVolume{{Cells: benchCover(b, g, buffer), Start: start, End: start.Add(time.Hour),
				AltLowerM: lower, AltUpperM: lower + 300 + float64(rng.IntN(2700))}}, nil)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.Logf("index of %d operations: %.1f MiB of heap", objects, float64(after.HeapAlloc-before.HeapAlloc)/(1<<20))

	for _, bc := range []struct {
		name   string
		window time.Duration
		band   float64
	}{{"hour", time.Hour, 1000}, {"day", 24 * time.Hour, 20_000}} {
		b.Run(bc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			qs := make([]deconflict.CandidateQuery, 1024)
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
			}
			found := 0
			for i := 0; b.Loop(); i++ {
				found += len(ix.Candidates(qs[i%len(qs)]))
			}
			b.ReportMetric(float64(found)/float64(b.N), "candidates/op")
		})
	}
}
