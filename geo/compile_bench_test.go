package geo

import (
	"encoding/json"
	"runtime"
	"testing"

	"github.com/deconflict/deconflict"
)

// smallVolumes are the footprints most operations have: a 10-vertex polygon
// and a corridor of 4 legs. What one costs to compile, and to keep, is paid
// for every live operation of the server.
var smallVolumes = []struct{ name, typ, coords string }{
	{"Polygon10", "Polygon", circleCoords(36, 35, 0.1, 10)},
	{"Corridor4", "LineString", "[[36.0,35.0],[36.1,35.05],[36.2,35.1],[36.3,35.12],[36.32,35.2]]"},
}

// BenchmarkCompileVolume measures CompileVolume of the small footprints,
// allocations included, and reports the heap one compiled volume keeps
// (retained-B/op) measured over a batch of them.
func BenchmarkCompileVolume(b *testing.B) {
	for _, c := range smallVolumes {
		v := deconflict.Volume{
			Geometry:  deconflict.Geometry{Type: c.typ, Coordinates: json.RawMessage(c.coords)},
			AltLowerM: 0, AltUpperM: 1000,
		}
		b.Run(c.name, func(b *testing.B) {
			retained := retainedPerVolume(b, v)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := CompileVolume(v, "volumes[0]", 100); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(retained), "retained-B/op")
		})
	}
}

// retainedPerVolume returns the live heap one compiled copy of v holds.
func retainedPerVolume(t testing.TB, v deconflict.Volume) int64 {
	const n = 2000
	keep := make([]*Volume, n)
	before := heapInUse()
	for i := range keep {
		cv, err := CompileVolume(v, "volumes[0]", 100)
		if err != nil {
			t.Fatal(err)
		}
		keep[i] = cv
	}
	after := heapInUse()
	runtime.KeepAlive(keep)
	return (after - before) / n
}

// TestSmallFootprintMemory logs what a compiled small volume keeps, and
// bounds it: a small footprint keeps its vertices, not an S2 shape index
// (which took some 600 bytes more, most of it pointers).
func TestSmallFootprintMemory(t *testing.T) {
	for _, c := range smallVolumes {
		v := deconflict.Volume{Geometry: deconflict.Geometry{Type: c.typ, Coordinates: json.RawMessage(c.coords)}, AltUpperM: 1000}
		cv, err := CompileVolume(v, "volumes[0]", 100)
		if err != nil {
			t.Fatal(err)
		}
		if cv.Footprint.index.isIndexed() {
			t.Errorf("%s keeps a shape index", c.name)
		}
		per := retainedPerVolume(t, v)
		t.Logf("%s: a compiled volume holds about %d bytes", c.name, per)
		if per > 700 {
			t.Errorf("%s: %d bytes per compiled volume", c.name, per)
		}
	}
}
