// Package geo is the 4D geometry of the exchange on the sphere (S2, mean Earth
// radius deconflict.EarthRadiusM): GeoJSON geometries validated and compiled
// to S2 shapes, the exact lateral distance between footprints (interiors
// included), the conflict predicate of SPEC §3, and cell coverings of widened
// footprints for the candidate index. It never touches a database or the
// network, and it never approximates a distance by cells: coverings only find
// candidates, the exact predicate decides.
//
// Conventions a client must know:
//
//   - Every edge is a great-circle arc (a geodesic), the shorter of the two
//     arcs between its end points; an edge from longitude 170 to -170 crosses
//     the antimeridian, it does not go the long way round.
//   - A polygon ring may be wound either way: the ring is read as the smaller
//     of the two regions it separates (so no ring ever means "the whole world
//     but this hole"; a ring can therefore not enclose more than a
//     hemisphere). A ring enclosing a pole is a ring of at least three distinct
//     points around it, e.g. latitude 80 at longitudes 0, 90, 180, -90.
//   - Longitudes -180 and 180 are the same meridian and every longitude at
//     latitude ±90 is the pole; positions are compared as points on the
//     sphere, so a ring that only differs by such aliases is degenerate.
//   - Consecutive repeated positions are dropped; rings must otherwise not
//     touch or cross themselves or each other, holes must lie inside their
//     shell and outside each other. The parts of a MultiPolygon may overlap or
//     touch: each part is its own shape and the footprint is their union.
//   - A third number in a position (altitude) is accepted and ignored: the
//     altitude band of a volume comes from alt_lower_m and alt_upper_m.
//   - Distances under ContactM (1 mm, far below the 1 m error bound of SPEC §3)
//     count as touching: floating point cannot tell a shared boundary from a
//     gap of a few nanometres.
package geo

import (
	"time"

	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// Footprint is a validated GeoJSON geometry compiled to S2: a point, a
// polyline or a polygon set (holes included). A large one keeps an S2 shape
// index, built once; a small one only its vertices (see smallEdges). It is
// immutable and safe for concurrent use.
type Footprint struct {
	// index holds the shapes and answers point containment, through an S2
	// shape index or over all edges.
	index shapeSet
	bound s2.Rect
	// dim is the geometry's dimension: 0 point, 1 line string, 2 polygons.
	dim int8
	// numVertices counts the distinct vertices kept (closing positions and
	// consecutive repeats dropped).
	numVertices int32
	numEdges    int32
}

// Bounds returns the footprint's bounding rectangle. It contains every point
// of the footprint, interiors and the bulge of great-circle edges included;
// a footprint around a pole has the full longitude range.
func (f *Footprint) Bounds() s2.Rect { return f.bound }

// NumVertices returns the number of vertices of the footprint.
func (f *Footprint) NumVertices() int { return int(f.numVertices) }

// Dimension returns 0 for a point, 1 for a line string and 2 for polygons.
func (f *Footprint) Dimension() int { return int(f.dim) }

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
// faults ("volumes[2]"). The rest of the volume (buffer, altitudes, window)
// is validated by the root package; here it is only copied.
func CompileVolume(v deconflict.Volume, path string, maxVertices int) (*Volume, error) {
	f, err := ParseGeometry(v.Geometry, deconflict.Path(path, "geometry"), maxVertices)
	if err != nil {
		return nil, err
	}
	start, end := v.Window()
	return &Volume{
		Footprint: f,
		BufferM:   v.BufferM,
		AltLowerM: v.AltLowerM,
		AltUpperM: v.AltUpperM,
		Start:     start,
		End:       end,
	}, nil
}

// Minima are the separation minima and time buffer a pair is judged with.
type Minima struct {
	LateralM   float64
	VerticalM  float64
	TimeBuffer time.Duration
}
