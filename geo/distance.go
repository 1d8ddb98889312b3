package geo

import (
	"math"

	"github.com/golang/geo/r3"
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
	d, _ := closestBoundary(a, b, s1.InfChordAngle(), true)
	return contactMetres(d)
}

// contactMetres converts a boundary distance to metres, under ContactM
// counting as touching.
func contactMetres(d s1.ChordAngle) float64 {
	if m := AngleToMetres(d.Angle()); m >= ContactM {
		return m
	}
	return 0
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
	_, ok := closestBoundary(a, b, s1.ChordAngleFromAngle(limit), false)
	return ok
}

// DistanceWithin is Within and, when a and b are within limitM, Distance,
// in one pass: the edge pairs are measured exactly, but only those that may
// come closer than limitM, or than the closest found so far. A conflict
// reports its distance, so the predicate and its detail need not measure
// the same pair twice.
func DistanceWithin(a, b *Footprint, limitM float64) (distanceM float64, ok bool) {
	if !(limitM > ContactM) { // also catches NaN
		limitM = ContactM
	}
	if limitM >= math.Pi*deconflict.EarthRadiusM {
		return Distance(a, b), true
	}
	limit := MetresToAngle(limitM)
	if !expandRect(a.bound, limit).Intersects(b.bound) {
		return 0, false
	}
	if overlapsByContainment(a, b) {
		return 0, true
	}
	d, ok := closestBoundary(a, b, s1.ChordAngleFromAngle(limit), true)
	if !ok {
		return 0, false
	}
	return contactMetres(d), true
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
	for v := range g.index.chainStarts {
		if f.bound.ContainsPoint(v) && f.index.contains(v) {
			return true
		}
	}
	return false
}

// closestBoundary measures whether the boundary-to-boundary distance
// between a and b is below limit (infinite: always), and when exact, what it
// is then; without exact it stops at the first edge under limit. The footprint with fewer edges is
// walked edge by edge, each edge a target searched through the other's index:
// the fast direction for a corridor against a detailed polygon. Two small
// footprints (no shape index, see smallEdges) are measured pair by pair
// whatever their size. Interiors are left to overlapsByContainment.
func closestBoundary(a, b *Footprint, limit s1.ChordAngle, exact bool) (s1.ChordAngle, bool) {
	if a.numEdges > b.numEdges {
		a, b = b, a
	}
	if int(a.numEdges)*int(b.numEdges) <= bruteForcePairs || !b.index.isIndexed() {
		return closestBoundaryPairs(a, b, limit, exact)
	}
	return closestBoundaryQuery(a, b, limit, exact)
}

// closestBoundaryQuery is closestBoundary through s2's edge query on b, the
// footprint with more edges (a small one, which keeps no index, gets one
// for the call).
func closestBoundaryQuery(a, b *Footprint, limit s1.ChordAngle, exact bool) (s1.ChordAngle, bool) {
	opts := s2.NewClosestEdgeQueryOptions().IncludeInteriors(false)
	q := s2.NewClosestEdgeQuery(b.index.edgeIndex(), opts)
	best := limit
	for ed := range a.index.edges {
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
	return best, exact && best < limit
}

// bruteForcePairs is how many edge pairs closestBoundary measures one by one
// rather than through an edge query: for small footprints the query's set-up
// and its allocations (several per edge pair) cost more than the pairs.
const bruteForcePairs = 400

// closestBoundaryPairs is closestBoundary over every pair of edges. When b
// is small (its edge balls fit on the stack), a pair whose balls are
// farther apart than the bound that matters (the best so far, or the limit)
// is passed over without measuring it: that leaves out of the edge pairs
// of two footprints all but those near their closest approach.
func closestBoundaryPairs(a, b *Footprint, limit s1.ChordAngle, exact bool) (s1.ChordAngle, bool) {
	best := limit
	var buf [smallEdges]edgeBall
	var balls []edgeBall
	if b.numEdges <= smallEdges {
		balls = buf[:0]
		for y := range b.index.edges {
			balls = append(balls, newEdgeBall(y))
		}
	}
	bound := limit // pairs surely farther apart cannot matter
	for x := range a.index.edges {
		var bx edgeBall
		var reach ballReach
		if balls != nil {
			bx = newEdgeBall(x)
			reach = bx.reach(bound)
		}
		j := -1
		for y := range b.index.edges {
			if j++; reach.ok && bx.beyond(&balls[j], reach) {
				continue
			}
			d := edgePairDistance(x, y, best)
			if d < best {
				best = d
				if best == 0 || (!exact && best < limit) {
					return best, true
				}
				if balls != nil {
					bound = best
					reach = bx.reach(bound)
				}
			}
		}
	}
	return best, best < limit
}

// edgeBall bounds an edge: every point of it lies within its half length h
// of its midpoint m (cosine and sine of h kept; h = 0 for a point).
type edgeBall struct {
	m          r3.Vector
	cosH, sinH float64
}

// newEdgeBall makes the ball of e: |v0+v1| = 2·cos h and |v0-v1| = 2·sin h
// for unit vectors, so no trigonometry is needed.
func newEdgeBall(e s2.Edge) edgeBall {
	sum := e.V0.Add(e.V1.Vector)
	n := sum.Norm()
	if n < 1e-6 { // nearly antipodal ends: a ball that excludes nothing
		return edgeBall{m: e.V0.Vector, cosH: 0, sinH: 1}
	}
	return edgeBall{m: sum.Mul(1 / n), cosH: n / 2, sinH: e.V0.Sub(e.V1.Vector).Norm() / 2}
}

// ballReach is the cosine and sine of the half length of an edge plus a
// bound, and whether that sum is at most a quarter circle (ok), which
// beyond needs.
type ballReach struct {
	cos, sin float64
	ok       bool
}

// reach returns the half length of the ball plus bound (infinite: not ok).
func (x *edgeBall) reach(bound s1.ChordAngle) ballReach {
	if bound.IsInfinity() {
		return ballReach{}
	}
	cb, sb := bound.Cos(), bound.Sin()
	r := ballReach{cos: x.cosH*cb - x.sinH*sb, sin: x.sinH*cb + x.cosH*sb}
	r.ok = r.cos >= 0 && r.sin >= 0
	return r
}

// pruneSlack is the margin, in cosine, by which two balls must be apart for
// beyond to pass a pair over: far above the rounding of the midpoints and
// of the sums of angles, so that the pair's distance as measured would
// surely not be under the bound either.
const pruneSlack = 1e-12

// beyond reports whether every point of edge y is farther from every point
// of edge x than the bound of reach (the half length of x plus the bound,
// at most a quarter circle): the midpoints are farther apart than that plus
// the half length of y (at most a quarter circle too, so the sum is at most
// a half circle, where the cosine still orders angles).
func (x *edgeBall) beyond(y *edgeBall, r ballReach) bool {
	cosSum := r.cos*y.cosH - r.sin*y.sinH
	return x.m.Dot(y.m) < cosSum-pruneSlack
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
