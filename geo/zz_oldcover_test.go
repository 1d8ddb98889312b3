package geo

import (
	"math"
	"testing"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// CoverMaxCells bounds the cells of one covering. The region coverer picks
// the levels: a 2 km corridor gets small cells, a 500 km airspace large ones.

// coverSlackM widens every covering a little beyond the radius asked for, so
// that floating-point error in the cell distances can never leave out a point
// at exactly the radius.

// Cover returns S2 cells covering f widened by radiusM, at levels chosen to
// fit the footprint's size. Every point within radiusM of the footprint
// (interiors included) lies in one of the cells; the cells are sorted and
// none contains another.
func oldCover(f *Footprint, radiusM float64) []s2.CellID {
	if !(radiusM > 0) {
		radiusM = 0
	}
	radiusM += coverSlackM + radiusM*1e-9
	rc := &s2.RegionCoverer{MinLevel: 0, MaxLevel: s2.MaxLevel, LevelMod: 1, MaxCells: CoverMaxCells}
	var cu s2.CellUnion
	if radiusM >= math.Pi*deconflict.EarthRadiusM { // reaches the antipode: the whole sphere
		cu = rc.Covering(s2.FullRect())
	} else if f.dim == 0 {
		// A widened point is exactly a cap: no need for edge queries.
		p := f.index.Shape(0).Edge(0).V0
		cu = rc.Covering(s2.CapFromCenterAngle(p, MetresToAngle(radiusM)))
	} else {
		cu = rc.Covering(oldNewWidenedRegion(f, MetresToAngle(radiusM)))
	}
	return []s2.CellID(cu)
}

// CoverRect returns S2 cells covering a rectangle (for bounding-box queries).
func oldCoverRect(r s2.Rect) []s2.CellID {
	rc := &s2.RegionCoverer{MinLevel: 0, MaxLevel: s2.MaxLevel, LevelMod: 1, MaxCells: CoverMaxCells}
	return []s2.CellID(rc.Covering(r))
}

// oldWidenedRegion is a footprint widened by a radius, as an s2.Region for the
// region coverer. IntersectsCell is exact up to the slack (a cell is kept
// when its distance to the footprint, interiors included, is at most the
// radius); ContainsCell is conservative (it may say no to a contained cell,
// which only costs a finer covering).
type oldWidenedRegion struct {
	f      *Footprint
	radius s1.Angle
	limit  s1.ChordAngle // radius, inclusive
	cap    s2.Cap
	rect   s2.Rect
	near   *s2.EdgeQuery          // boundary distances, for large footprints
	edges  []s2.Edge              // the boundary, for small footprints
	inside *s2.ContainsPointQuery // nil for points and lines

	// The coverer asks IntersectsCell then ContainsCell of the same cell;
	// what the first learnt serves the second.
	last          s2.CellID
	centerInside  bool
	cellDistOK    bool // the cell is within the radius of the footprint
	cellBoundary0 bool // the footprint's boundary touches the cell
}

func oldNewWidenedRegion(f *Footprint, radius s1.Angle) *oldWidenedRegion {
	w := &oldWidenedRegion{
		f:      f,
		radius: radius,
		limit:  s1.ChordAngleFromAngle(radius).Successor(),
		cap:    f.bound.CapBound().Expanded(radius),
		rect:   expandRect(f.bound, radius),
		near:   s2.NewClosestEdgeQuery(f.index, s2.NewClosestEdgeQueryOptions().IncludeInteriors(false)),
	}
	if f.dim == 2 {
		w.inside = s2.NewContainsPointQuery(f.index, s2.VertexModelSemiOpen)
	}
	// The coverer asks hundreds of cells; for a few edges, measuring each
	// edge directly beats setting up an indexed query per cell.
	if f.numEdges <= oldDirectEdges {
		for id := int32(0); ; id++ {
			sh := f.index.Shape(id)
			if sh == nil {
				break
			}
			for e := range sh.NumEdges() {
				w.edges = append(w.edges, sh.Edge(e))
			}
		}
	}
	return w
}

// oldDirectEdges is the size of footprint whose edges are measured one by one.
const oldDirectEdges = 16

// cellWithin reports whether the boundary comes within limit of cell c.
func (w *oldWidenedRegion) cellWithin(c s2.Cell, limit s1.ChordAngle) bool {
	if w.edges == nil {
		return w.near.IsDistanceLess(s2.NewMinDistanceToCellTarget(c), limit)
	}
	for _, e := range w.edges {
		if c.DistanceToEdge(e.V0, e.V1) < limit {
			return true
		}
	}
	return false
}

// pointWithin reports whether the boundary comes within limit of p.
func (w *oldWidenedRegion) pointWithin(p s2.Point, limit s1.ChordAngle) bool {
	if w.edges == nil {
		return w.near.IsDistanceLess(s2.NewMinDistanceToPointTarget(p), limit)
	}
	for _, e := range w.edges {
		if s2.DistanceFromSegment(p, e.V0, e.V1) < limit.Angle() {
			return true
		}
	}
	return false
}

func (w *oldWidenedRegion) CapBound() s2.Cap            { return w.cap }
func (w *oldWidenedRegion) RectBound() s2.Rect          { return w.rect }
func (w *oldWidenedRegion) CellUnionBound() []s2.CellID { return w.cap.CellUnionBound() }

// ContainsPoint reports whether p is within the radius of the footprint.
func (w *oldWidenedRegion) ContainsPoint(p s2.Point) bool {
	if w.inside != nil && w.inside.Contains(p) {
		return true
	}
	return w.pointWithin(p, w.limit)
}

func (w *oldWidenedRegion) visit(c s2.Cell) {
	if c.ID() == w.last {
		return
	}
	w.last = c.ID()
	w.centerInside = w.inside != nil && w.inside.Contains(c.Center())
	if w.centerInside {
		w.cellDistOK = true
		w.cellBoundary0 = w.cellWithin(c, s1.ChordAngle(0).Successor())
		return
	}
	// The centre is outside every polygon, so the cell reaches the footprint
	// only across its boundary (or a polygon lies wholly in the cell, and
	// then so does its boundary).
	w.cellDistOK = w.cellWithin(c, w.limit)
	w.cellBoundary0 = false
}

// IntersectsCell reports whether some point of c is within the radius.
func (w *oldWidenedRegion) IntersectsCell(c s2.Cell) bool {
	if w.edges == nil && !w.cap.Intersects(c.CapBound()) {
		return false
	}
	w.visit(c)
	return w.cellDistOK
}

// ContainsCell reports whether every point of c is within the radius: the
// cell lies inside a polygon (its centre is inside and no boundary enters
// it), or its centre is close enough that its farthest corner is too.
func (w *oldWidenedRegion) ContainsCell(c s2.Cell) bool {
	w.visit(c)
	if !w.cellDistOK {
		return false
	}
	if w.centerInside && !w.cellBoundary0 {
		return true
	}
	// The centre lies on both diagonals (great circles in this projection),
	// so no point of the cell is farther from it than the longest diagonal.
	circum := s1.Angle(s2.MaxDiagMetric.Value(c.Level()))
	if circum >= w.radius {
		return false
	}
	if w.centerInside {
		return true
	}
	return w.pointWithin(c.Center(), s1.ChordAngleFromAngle(w.radius-circum))
}

func BenchmarkOldCover(b *testing.B) {
	for _, c := range coverCases {
		f := mustFP(b, c.typ, c.coords)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				oldCover(f, c.radiusM)
			}
		})
	}
}

func TestCompareOldCover(t *testing.T) {
	for _, c := range coverCases {
		f := mustFP(t, c.typ, c.coords)
		o, n := oldCover(f, c.radiusM), Cover(f, c.radiusM)
		t.Logf("%-20s old %2d cells %.4g km²  new %2d cells %.4g km²", c.name, len(o), coveredAreaM2(o)/1e6, len(n), coveredAreaM2(n)/1e6)
	}
}
