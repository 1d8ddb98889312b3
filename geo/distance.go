package geo

import (
	"math"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// ContactM is the distance in metres under which two footprints count as
// touching: a shared boundary computed in floating point may come out a few
// nanometres apart, and zones (H = 0) conflict on touch.
const ContactM = 0.001

// MetresToAngle converts a distance on the Earth's surface to the angle it
// subtends at the centre.
func MetresToAngle(m float64) s1.Angle { return s1.Angle(m / deconflict.EarthRadiusM) }

// AngleToMetres converts a central angle to a distance on the Earth's surface.
func AngleToMetres(a s1.Angle) float64 { return a.Radians() * deconflict.EarthRadiusM }

// Distance returns the great-circle distance in metres between a and b,
// interiors included: 0 when they touch, cross or one contains the other.
func Distance(a, b *Footprint) float64 {
	if overlapsByContainment(a, b) {
		return 0
	}
	d, _ := closestBoundary(a, b, s1.InfChordAngle())
	m := AngleToMetres(d.Angle())
	if m < ContactM {
		return 0
	}
	return m
}

// Within reports whether a and b touch or overlap, or come closer than limitM.
// It stops at the first edge found under the limit.
func Within(a, b *Footprint, limitM float64) bool {
	if !(limitM > ContactM) { // also catches NaN
		limitM = ContactM
	}
	if limitM >= math.Pi*deconflict.EarthRadiusM {
		return true
	}
	limit := MetresToAngle(limitM)
	if !expandRect(a.bound, limit).Intersects(b.bound) {
		return false
	}
	if overlapsByContainment(a, b) {
		return true
	}
	_, ok := closestBoundary(a, b, s1.ChordAngleFromAngle(limit))
	return ok
}

// overlapsByContainment reports whether a vertex of one footprint lies in a
// polygon of the other. Boundary distance alone misses a footprint wholly
// inside another (edge queries cannot include the target's interior), and one
// vertex per connected piece is enough: a piece that does not cross the other
// boundary lies wholly inside or wholly outside.
func overlapsByContainment(a, b *Footprint) bool {
	return containsAnyPiece(a, b) || containsAnyPiece(b, a)
}

// containsAnyPiece reports whether a polygon of f contains the first vertex of
// some chain (point, polyline or ring) of g.
func containsAnyPiece(f, g *Footprint) bool {
	if f.dim < 2 || !f.bound.Intersects(g.bound) {
		return false
	}
	q := s2.NewContainsPointQuery(f.index, s2.VertexModelSemiOpen)
	for id := int32(0); ; id++ {
		sh := g.index.Shape(id)
		if sh == nil {
			return false
		}
		for c := 0; c < sh.NumChains(); c++ {
			if sh.Chain(c).Length == 0 {
				continue
			}
			if v := sh.ChainEdge(c, 0).V0; f.bound.ContainsPoint(v) && q.Contains(v) {
				return true
			}
		}
	}
}

// closestBoundary measures the boundary-to-boundary distance between a and
// b: exactly when limit is infinite, else only whether it is below limit
// (stopping at the first edge under it). The footprint with fewer edges is
// walked edge by edge, each edge a target searched through the other's index:
// the fast direction for a corridor against a detailed polygon. Interiors are
// left to overlapsByContainment.
func closestBoundary(a, b *Footprint, limit s1.ChordAngle) (s1.ChordAngle, bool) {
	if a.numEdges > b.numEdges {
		a, b = b, a
	}
	if int(a.numEdges)*int(b.numEdges) <= bruteForcePairs {
		return closestBoundaryPairs(a, b, limit)
	}
	return closestBoundaryQuery(a, b, limit)
}

// closestBoundaryQuery is closestBoundary through s2's edge query on b, the
// footprint with more edges.
func closestBoundaryQuery(a, b *Footprint, limit s1.ChordAngle) (s1.ChordAngle, bool) {
	exact := limit == s1.InfChordAngle()
	opts := s2.NewClosestEdgeQueryOptions().IncludeInteriors(false)
	q := s2.NewClosestEdgeQuery(b.index, opts)
	best := s1.InfChordAngle()
	for id := int32(0); ; id++ {
		sh := a.index.Shape(id)
		if sh == nil {
			return best, false
		}
		for e := range sh.NumEdges() {
			ed := sh.Edge(e)
			if !exact {
				var less bool
				if ed.V0 == ed.V1 {
					less = q.IsDistanceLess(s2.NewMinDistanceToPointTarget(ed.V0), limit)
				} else {
					less = q.IsDistanceLess(s2.NewMinDistanceToEdgeTarget(ed), limit)
				}
				if less {
					return 0, true
				}
				continue
			}
			// Only an edge closer than the best so far can matter.
			opts.DistanceLimit(best).MaxError(0)
			var d s1.ChordAngle
			if ed.V0 == ed.V1 {
				d = q.Distance(s2.NewMinDistanceToPointTarget(ed.V0))
			} else {
				d = q.Distance(s2.NewMinDistanceToEdgeTarget(ed))
			}
			if d < best {
				best = d
			}
		}
	}
}

// bruteForcePairs is how many edge pairs closestBoundary measures one by one
// rather than through an edge query: for small footprints the query's set-up
// and its allocations (several per edge pair) cost more than the pairs.
const bruteForcePairs = 400

// closestBoundaryPairs is closestBoundary over every pair of edges.
func closestBoundaryPairs(a, b *Footprint, limit s1.ChordAngle) (s1.ChordAngle, bool) {
	exact := limit == s1.InfChordAngle()
	best := s1.InfChordAngle()
	for i := int32(0); ; i++ {
		sa := a.index.Shape(i)
		if sa == nil {
			break
		}
		for ea := range sa.NumEdges() {
			x := sa.Edge(ea)
			for j := int32(0); ; j++ {
				sb := b.index.Shape(j)
				if sb == nil {
					break
				}
				for eb := range sb.NumEdges() {
					best = edgePairDistance(x, sb.Edge(eb), best)
					if best == 0 || (!exact && best < limit) {
						return best, true
					}
				}
			}
		}
	}
	return best, !exact && best < limit
}

// edgePairDistance returns the smaller of best and the distance between
// edges x and y (0 when they cross). Degenerate edges are points.
func edgePairDistance(x, y s2.Edge, best s1.ChordAngle) s1.ChordAngle {
	if x.V0 != x.V1 && y.V0 != y.V1 && edgesCross(x.V0, x.V1, y.V0, y.V1) {
		return 0
	}
	best, _ = s2.UpdateMinDistance(x.V0, y.V0, y.V1, best)
	best, _ = s2.UpdateMinDistance(x.V1, y.V0, y.V1, best)
	best, _ = s2.UpdateMinDistance(y.V0, x.V0, x.V1, best)
	best, _ = s2.UpdateMinDistance(y.V1, x.V0, x.V1, best)
	return best
}

// edgesCross reports whether the interiors of edges AB and CD cross at a
// point interior to both, by exact orientation tests (the test of
// s2.CrossingSign, without its allocation). Edges that only touch are left
// to the point-to-edge distances, which find them at distance zero.
func edgesCross(a, b, c, d s2.Point) bool {
	acb := -s2.RobustSign(a, b, c)
	bda := s2.RobustSign(a, b, d)
	if acb == s2.Indeterminate || bda == s2.Indeterminate || acb != bda {
		return false
	}
	cbd := -s2.RobustSign(c, d, b)
	dac := s2.RobustSign(c, d, a)
	return cbd != s2.Indeterminate && cbd == acb && dac == acb
}
