// Package geo is the 4D geometry of the exchange on the sphere (S2, mean Earth
// radius): GeoJSON geometries validated and compiled to S2 shapes, the exact
// lateral distance between footprints (interiors included), the conflict
// predicate of SPEC §3, and cell coverings of widened footprints for the
// candidate index. It never touches a database or the network.
package geo

import (
	"time"

	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// Footprint is a validated GeoJSON geometry compiled to S2: a point, a
// polyline or a polygon set (holes included), with its shape index built once.
// It is immutable and safe for concurrent use.
type Footprint struct {
	// filled in by the implementation
}

// ParseGeometry validates g and compiles it. path prefixes the JSON paths of
// faults ("volumes[2].geometry"), and the error is an EINVALID
// *deconflict.Error listing them. maxVertices bounds the vertices (0: none).
func ParseGeometry(g deconflict.Geometry, path string, maxVertices int) (*Footprint, error) {
	panic("geo: not implemented")
}

// Bounds returns the footprint's bounding rectangle.
func (f *Footprint) Bounds() s2.Rect { panic("geo: not implemented") }

// NumVertices returns the number of vertices of the footprint.
func (f *Footprint) NumVertices() int { panic("geo: not implemented") }

// Distance returns the great-circle distance in metres between a and b,
// interiors included: 0 when they touch, cross or one contains the other.
func Distance(a, b *Footprint) float64 { panic("geo: not implemented") }

// Within reports whether a and b touch or overlap, or come closer than limitM.
func Within(a, b *Footprint, limitM float64) bool { panic("geo: not implemented") }

// Cover returns S2 cells covering f widened by radiusM, at levels chosen to
// fit the footprint's size.
func Cover(f *Footprint, radiusM float64) []s2.CellID { panic("geo: not implemented") }

// CoverRect returns S2 cells covering a rectangle (for bounding-box queries).
func CoverRect(r s2.Rect) []s2.CellID { panic("geo: not implemented") }

// Volume is a compiled 4D volume. Start and End are always set (open ends as
// deconflict.StartOfTime and deconflict.EndOfTime).
type Volume struct {
	Footprint *Footprint
	BufferM   float64
	AltLowerM float64
	AltUpperM float64
	Start     time.Time
	End       time.Time
}

// CompileVolume validates the geometry of v and compiles it; path prefixes
// faults ("volumes[2]").
func CompileVolume(v deconflict.Volume, path string, maxVertices int) (*Volume, error) {
	panic("geo: not implemented")
}

// Minima are the separation minima and time buffer a pair is judged with.
type Minima struct {
	LateralM   float64
	VerticalM  float64
	TimeBuffer time.Duration
}

// Conflicts reports whether a and b conflict under m (SPEC §3): the time
// windows overlap after widening a's by m.TimeBuffer on both sides; the
// altitude bands touch or are less than m.VerticalM apart; the footprints touch
// or are less than a.BufferM + b.BufferM + m.LateralM apart.
func Conflicts(a, b *Volume, m Minima) bool { panic("geo: not implemented") }

// Detail describes a conflicting pair: the window in which both are in force
// (a's widened by the time buffer, intersected with b's), the exact lateral
// distance between the footprints, and the region where it happens as
// [west, south, east, north] degrees (west > east across the antimeridian).
func Detail(a, b *Volume, m Minima) (w deconflict.Window, distanceM float64, region [4]float64) {
	panic("geo: not implemented")
}
