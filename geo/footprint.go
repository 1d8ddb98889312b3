package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/golang/geo/r1"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// ring is one linear ring as it will be indexed: distinct vertices wound
// counter-clockwise around the smaller region, with the index of each vertex
// in the GeoJSON so that faults name the position the user wrote.
type ring struct {
	part, num int // polygon index (0 for a Polygon) and ring index (0 = shell)
	path      string
	pts       []s2.Point
	orig      []int
	// aliased: positions written differently were the same point (-180 and
	// 180, or two longitudes at a pole), which explains many a bad ring.
	aliased bool
}

// hint explains a fault of a ring that had aliased positions.
func (r *ring) hint() string {
	if r.aliased {
		return poleHint
	}
	return ""
}

func (r *ring) posPath(k int) string { return deconflict.Path(r.path, r.orig[k]) }

// touchTol is how close a vertex may come to another edge of its polygon
// before the rings count as touching (about 0.6 mm on the Earth).
const touchTol = 1e-10

// minArea is the smallest area a ring may enclose, in steradians (about
// 0.04 m² on the Earth).
const minArea = 1e-15

// spikeTol is how close to a full reversal (π) a turn may come before the
// ring counts as doubling back on itself.
const spikeTol = 1e-10

const poleHint = "; longitudes -180 and 180 are the same meridian and every longitude at latitude ±90 is the pole, " +
	"so this ring collapses: to enclose a pole, list at least 3 distinct points around it, " +
	"e.g. [[0,80],[90,80],[180,80],[-90,80],[0,80]]"

// polygons validates the rings of every polygon and builds one shape per
// polygon (shell and holes). The parts of a MultiPolygon are not checked
// against each other: they may overlap, and the footprint is their union.
func (b *builder) polygons(polys [][][]position, multi bool) {
	if len(polys) == 0 {
		b.fault(b.base, "a MultiPolygon needs at least one polygon")
		return
	}
	var rings []*ring
	holes := false
	for p, poly := range polys {
		partPath := b.base
		if multi {
			partPath = deconflict.Path(b.base, p)
		}
		if len(poly) == 0 {
			b.fault(partPath, "a polygon needs at least one linear ring (its outer boundary)")
			continue
		}
		holes = holes || len(poly) > 1
		for r, pos := range poly {
			if rg := b.ring(pos, deconflict.Path(partPath, r)); rg != nil {
				rg.part, rg.num = p, r
				rings = append(rings, rg)
			}
		}
	}
	if len(*b.faults) > 0 {
		return
	}

	// One shape per ring, each around its own smaller region: the set of
	// them answers which ring contains which, and (when large) its index
	// finds crossings. It is made once the crossings are checked, unless
	// the check needs the index.
	var ringSet shapeSet
	made := false
	makeSet := func() {
		if made {
			return
		}
		made = true
		if len(rings) == 1 {
			ringSet = newChainSet(2, rings[0].pts)
			return
		}
		shapes := make([][][]s2.Point, len(rings))
		for i, rg := range rings {
			shapes[i] = [][]s2.Point{rg.pts}
		}
		ringSet = newShapeSet(2, shapes)
	}
	index := func() *s2.ShapeIndex {
		makeSet()
		return ringSet.edgeIndex()
	}
	if !b.checkRepeats(rings) || !b.checkCrossings(index, rings) {
		return
	}
	makeSet()
	if !b.checkNesting(&ringSet, rings) {
		return
	}

	b.dim = 2
	for _, rg := range rings {
		b.nv += len(rg.pts)
	}
	if !holes {
		b.set, b.ready = ringSet, true
		return
	}
	for i := 0; i < len(rings); {
		loops := [][]s2.Point{rings[i].pts}
		j := i + 1
		for ; j < len(rings) && rings[j].part == rings[i].part; j++ {
			// A hole runs clockwise so that the polygon's interior is on its left.
			hole := slices.Clone(rings[j].pts)
			slices.Reverse(hole)
			loops = append(loops, hole)
		}
		b.shapes = append(b.shapes, loops)
		i = j
	}
}

// ring checks one linear ring on its own and orients it.
func (b *builder) ring(pos []position, path string) *ring {
	n := len(pos)
	if n < 4 {
		b.fault(path, "a linear ring needs at least 4 positions (3 distinct corners, then the first repeated to close it), got %d", n)
		return nil
	}
	if toPoint(pos[0]) != toPoint(pos[n-1]) {
		b.fault(deconflict.Path(path, n-1), "must repeat the first position %s to close the ring, got %s",
			describePosition(pos[0]), describePosition(pos[n-1]))
		return nil
	}
	rg := &ring{path: path, pts: make([]s2.Point, 0, n-1), orig: make([]int, 0, n-1)}
	aliased := false
	defer func() { rg.aliased = aliased }()
	for i, p := range pos[:n-1] {
		v := toPoint(p)
		if k := len(rg.pts); k > 0 && rg.pts[k-1] == v {
			aliased = aliased || pos[rg.orig[k-1]] != p
			continue
		}
		rg.pts = append(rg.pts, v)
		rg.orig = append(rg.orig, i)
	}
	for k := len(rg.pts); k > 1 && rg.pts[k-1] == rg.pts[0]; k-- {
		aliased = aliased || pos[rg.orig[k-1]] != pos[0]
		rg.pts, rg.orig = rg.pts[:k-1], rg.orig[:k-1]
	}
	m := len(rg.pts)
	if m < 3 {
		rg.aliased = aliased
		b.fault(path, "the ring has only %d distinct corner(s), so it encloses no area (repeated points only)%s", m, rg.hint())
		return nil
	}
	for k := range m {
		if isAntipodal(rg.pts[k], rg.pts[(k+1)%m]) {
			b.fault(rg.posPath(k), "is antipodal to the next position: the great-circle edge between them is undefined; insert a position between them")
			return nil
		}
	}
	turning := 0.0
	for k := range m {
		t := s2.TurnAngle(rg.pts[(k+m-1)%m], rg.pts[k], rg.pts[(k+1)%m]).Radians()
		if math.Pi-math.Abs(t) < spikeTol {
			rg.aliased = aliased
			b.fault(rg.posPath(k), "the ring doubles back on itself at this position (a zero-width spike): remove it%s", rg.hint())
			return nil
		}
		turning += t
	}
	// The area left of a loop is 2π minus its turning angle; a loop turning
	// right encloses more than a hemisphere on its left, so it is reversed to
	// take the smaller region. Below minArea the sum of turns is mostly
	// rounding error.
	if 2*math.Pi-math.Abs(turning) < minArea {
		b.fault(path, "the ring encloses no area (less than %.2g m²)", minArea*deconflict.EarthRadiusM*deconflict.EarthRadiusM)
		return nil
	}
	if turning < -1e-9 {
		slices.Reverse(rg.pts)
		slices.Reverse(rg.orig)
	}
	return rg
}

// checkRepeats refuses a vertex that appears twice in one polygon: a ring
// touching itself (a figure eight) or another ring of the same polygon.
func (b *builder) checkRepeats(rings []*ring) bool {
	type key struct {
		part int
		p    s2.Point
	}
	type at struct{ ring, k int }
	// Few vertices are compared pairwise: hashing them costs more.
	total := 0
	for _, rg := range rings {
		total += len(rg.pts)
	}
	var seen map[key]at
	if total > bruteForceEdges {
		seen = make(map[key]at, total)
	}
	first := func(part int, v s2.Point, i, k int) (at, bool) {
		if seen != nil {
			prev, dup := seen[key{part, v}]
			return prev, dup
		}
		for j := 0; j <= i; j++ {
			if rings[j].part != part {
				continue
			}
			pts := rings[j].pts
			if j == i {
				pts = pts[:k]
			}
			for m, w := range pts {
				if w == v {
					return at{j, m}, true
				}
			}
		}
		return at{}, false
	}
	ok := true
	for i, rg := range rings {
		for k, v := range rg.pts {
			if prev, dup := first(rg.part, v, i, k); dup {
				other := rings[prev.ring]
				b.fault(rg.posPath(k), "repeats the point of %s: rings must not touch themselves or each other%s", other.posPath(prev.k), rg.hint())
				ok = false
				if len(*b.faults) >= maxFaults {
					return false
				}
				continue
			}
			if seen != nil {
				seen[key{rg.part, v}] = at{i, k}
			}
		}
	}
	return ok
}

// bruteForceEdges is the size of a polygon set up to which every pair of
// edges is tested directly.
const bruteForceEdges = 64

// edgeRef names edge e of rings[ring].
type edgeRef struct{ ring, e int }

// checkCrossings refuses edges of one polygon that cross, or come within
// touchTol of each other, other than at the vertex two consecutive edges
// share: self-intersecting rings, rings crossing each other, and rings that
// touch at a T-junction (which an exact crossing test would leave to
// symbolic perturbation). Small polygons test every pair; larger ones sweep
// edge bounding boxes by latitude, and fall back to one indexed
// closest-edge query per edge when the sweep meets too many pairs (a comb of
// long parallel edges), so that no input costs quadratic time. index returns
// the S2 shape index of the rings (one shape per ring, in order): only that
// fallback calls it.
func (b *builder) checkCrossings(index func() *s2.ShapeIndex, rings []*ring) bool {
	var all []edgeRef
	for i, rg := range rings {
		for e := range rg.pts {
			all = append(all, edgeRef{i, e})
		}
	}
	ok := true
	// test reports a pair that meets; it returns false once enough is said.
	test := func(x, y edgeRef) bool {
		rx, ry := rings[x.ring], rings[y.ring]
		if rx.part != ry.part || (x.ring == y.ring && consecutive(x.e, y.e, len(rx.pts))) ||
			!edgesMeet(rx.edge(x.e), ry.edge(y.e)) {
			return true
		}
		if x.ring > y.ring || (x.ring == y.ring && x.e > y.e) {
			x, y, rx, ry = y, x, ry, rx
		}
		ok = false
		if x.ring == y.ring {
			b.fault(rx.posPath(x.e), "the ring crosses or touches itself: the edge from this position meets the edge from %s", ry.posPath(y.e))
		} else {
			b.fault(rx.posPath(x.e), "the rings cross or touch: the edge from this position meets the edge from %s", ry.posPath(y.e))
		}
		return len(*b.faults) < maxFaults
	}
	if len(all) <= bruteForceEdges {
		// Each arc lies within half its length of its midpoint, so two arcs
		// whose midpoints are farther apart than their half lengths plus the
		// tolerance cannot meet: a dot product dismisses most pairs before
		// the exact test.
		caps := make([]edgeCap, len(all))
		for n, x := range all {
			caps[n] = newEdgeCap(rings[x.ring].edge(x.e))
		}
		for a := range all {
			for c := a + 1; c < len(all); c++ {
				if caps[a].apart(caps[c]) {
					continue
				}
				if !test(all[a], all[c]) {
					return false
				}
			}
		}
		return ok
	}
	if done, swept := b.sweepCrossings(rings, all, test); swept {
		return done && ok
	}
	opts := s2.NewClosestEdgeQueryOptions().IncludeInteriors(false).DistanceLimit(s1.ChordAngleFromAngle(2 * touchTol))
	q := s2.NewClosestEdgeQuery(index(), opts)
	for _, x := range all {
		for _, res := range q.FindEdges(s2.NewMinDistanceToEdgeTarget(rings[x.ring].edge(x.e))) {
			y := edgeRef{int(res.ShapeID()), int(res.EdgeID())}
			if y.e < 0 || y.ring < x.ring || (y.ring == x.ring && y.e <= x.e) {
				continue // each pair once
			}
			if !test(x, y) {
				return false
			}
		}
	}
	return ok
}

// edgeCap bounds an edge: every point of it is within half of its length
// of its midpoint.
type edgeCap struct {
	mid  s2.Point
	half float64 // radians
}

func newEdgeCap(e s2.Edge) edgeCap {
	return edgeCap{mid: s2.Point{Vector: e.V0.Add(e.V1.Vector).Normalize()}, half: e.V0.Angle(e.V1.Vector).Radians() / 2}
}

// apart reports whether the two edges are surely farther apart than
// touchTol (with a margin for the rounding of the midpoints).
func (c edgeCap) apart(o edgeCap) bool {
	sum := c.half + o.half + 4*touchTol
	return sum < math.Pi/2 && c.mid.Dot(o.mid.Vector) < math.Cos(sum)
}

// sweepCrossings tests the pairs of edges whose bounding boxes overlap,
// sweeping by latitude. It gives up (swept = false) past a budget of pair
// tests proportional to the number of edges.
func (b *builder) sweepCrossings(rings []*ring, all []edgeRef, test func(x, y edgeRef) bool) (done, swept bool) {
	type box struct {
		ref edgeRef
		lat r1.Interval
		lng s1.Interval
	}
	boxes := make([]box, len(all))
	for n, x := range all {
		ed := rings[x.ring].edge(x.e)
		rb := s2.NewRectBounder()
		rb.AddPoint(ed.V0)
		rb.AddPoint(ed.V1)
		r := expandRect(rb.RectBound(), 4*touchTol)
		boxes[n] = box{x, r.Lat, r.Lng}
	}
	slices.SortFunc(boxes, func(p, q box) int { return cmp.Compare(p.lat.Lo, q.lat.Lo) })
	budget := 64*len(all) + 4096
	var active []box
	for _, cur := range boxes {
		kept := active[:0]
		for _, a := range active {
			if a.lat.Hi >= cur.lat.Lo {
				kept = append(kept, a)
			}
		}
		active = kept
		for _, a := range active {
			if budget--; budget < 0 {
				return false, false
			}
			if a.lng.Intersects(cur.lng) && !test(a.ref, cur.ref) {
				return false, true
			}
		}
		active = append(active, cur)
	}
	return true, true
}

// consecutive reports whether edges e and k of a ring of m edges are the
// same edge or share a vertex.
func consecutive(e, k, m int) bool {
	d := e - k
	if d < 0 {
		d = -d
	}
	return d <= 1 || d == m-1
}

func (r *ring) edge(e int) s2.Edge {
	return s2.Edge{V0: r.pts[e], V1: r.pts[(e+1)%len(r.pts)]}
}

// edgesMeet reports whether two edges cross or come within touchTol.
func edgesMeet(a, b s2.Edge) bool {
	if s2.CrossingSign(a.V0, a.V1, b.V0, b.V1) != s2.DoNotCross {
		return true
	}
	tol := s1.Angle(touchTol)
	return s2.DistanceFromSegment(a.V0, b.V0, b.V1) < tol || s2.DistanceFromSegment(a.V1, b.V0, b.V1) < tol ||
		s2.DistanceFromSegment(b.V0, a.V0, a.V1) < tol || s2.DistanceFromSegment(b.V1, a.V0, a.V1) < tol
}

// checkNesting requires every hole inside its shell and outside the other
// holes. Rings no longer cross here, so one vertex tells where a ring lies.
// set holds one shape per ring, in the order of rings.
func (b *builder) checkNesting(set *shapeSet, rings []*ring) bool {
	shell := -1
	ok := true
	for i, rg := range rings {
		if rg.num == 0 {
			shell = i
			continue
		}
		v := rg.pts[0]
		if !set.shapeContains(shell, v) {
			b.fault(rg.path, "this hole is not inside the polygon's outer ring (%s): holes must lie within it", rings[shell].path)
			ok = false
			continue
		}
		set.eachContaining(v, func(j int) bool {
			if j != i && j != shell && rings[j].part == rg.part {
				b.fault(rg.path, "this hole lies inside another hole (%s): holes must not nest", rings[j].path)
				ok = false
				return false
			}
			return true
		})
	}
	return ok
}
