package geo

import (
	"sync"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s2"
)

// smallEdges is the number of edges up to which a footprint keeps no S2
// shape index, only its vertices, and answers every query by going through
// all its edges. The server holds a footprint for every live operation, most
// of them corridors of a few legs and polygons of a dozen vertices: an index
// would be most of the memory each keeps (a pointer-rich structure that the
// garbage collector walks again and again) and much of the cost of compiling
// it, while a pass over a few dozen edges is as fast as a lookup in it.
// Measured on polygons of 8 to 256 vertices: at 64 edges the point in
// polygon test over all edges takes about half the time of the indexed one
// (they break even near 100), a covering costs the same, and the distance
// between two footprints edge pair by edge pair (pairs far apart passed
// over) is several times faster than through the edge query. 64 is also
// where the polygon checks stop testing every pair of edges
// (bruteForceEdges), so that a small footprint never needs an index at all.
const smallEdges = 64

// shapeSet holds the shapes of a footprint (its point, its line string, or
// its polygons: one shape per polygon, holes included) and answers what
// every query asks of them: which edges there are, and whether a point is
// inside. A small set (at most smallEdges edges) keeps the vertices and
// counts crossings over all edges; a larger one keeps s2 shapes in an S2
// shape index and asks it. Either way the answer is that of
// s2.ContainsPointQuery under the semi-open vertex model. A shapeSet is
// immutable once made and safe for concurrent use.
type shapeSet struct {
	// dim is 0 for a point, 1 for a line string, 2 for polygons.
	dim int8

	// pts holds the vertices of a small set, chain after chain: the point,
	// the vertices of the line string, or the distinct vertices of each
	// loop (closed implicitly; a hole runs clockwise). chains ends each
	// chain; nil when there is one.
	pts    []s2.Point
	chains []chainEnd

	// Rays start from ref, or from its antipode when that is nearer the
	// point asked about (so that no ray is longer than a quarter circle);
	// bit i of in (out) tells whether polygon i contains ref (-ref).
	ref     s2.Point
	in, out uint64

	// indexed is set for a large set, and only then.
	indexed *indexedShapes
}

// chainEnd ends a chain of a small set: its vertices run up to pts[end],
// and it belongs to shape (polygon) number shape.
type chainEnd struct{ end, shape int32 }

// indexedShapes are the s2 shapes of a large set and their index, built
// once, with the containment queries (each keeps an iterator, so one is
// taken per call) pooled.
type indexedShapes struct {
	shapes  []s2.Shape
	index   *s2.ShapeIndex
	queries sync.Pool // *s2.ContainsPointQuery, semi-open
}

// newShapeSet makes the set of dimension dim from its shapes, each a list
// of chains (loops of a polygon, or the one chain of a line string or a
// point). The set keeps the vertices of a single chain without copying
// them: the caller must not change them afterwards.
func newShapeSet(dim int8, shapes [][][]s2.Point) shapeSet {
	edges, chains := 0, 0
	for _, sh := range shapes {
		for _, ch := range sh {
			edges += chainEdges(dim, len(ch))
			chains++
		}
	}
	// A small set keeps the flags of its polygons in one bit each.
	if edges > smallEdges || len(shapes) > 64 {
		return newIndexedShapeSet(dim, shapes)
	}
	if chains == 1 {
		return newChainSet(dim, shapes[0][0])
	}
	n := 0
	for _, sh := range shapes {
		for _, ch := range sh {
			n += len(ch)
		}
	}
	s := shapeSet{dim: dim, pts: make([]s2.Point, 0, n), chains: make([]chainEnd, 0, chains)}
	for i, sh := range shapes {
		for _, ch := range sh {
			s.pts = append(s.pts, ch...)
			s.chains = append(s.chains, chainEnd{end: int32(len(s.pts)), shape: int32(i)})
		}
	}
	if dim == 2 {
		s.setFlags(len(shapes))
	}
	return s
}

// newChainSet is newShapeSet of a single chain: a point, a line string or
// a polygon without holes. It keeps pts without copying them.
func newChainSet(dim int8, pts []s2.Point) shapeSet {
	if chainEdges(dim, len(pts)) > smallEdges {
		return newIndexedShapeSet(dim, [][][]s2.Point{{pts}})
	}
	s := shapeSet{dim: dim, pts: pts}
	if dim == 2 {
		s.setFlags(1)
	}
	return s
}

// chainEdges is the number of edges of a chain of n vertices.
func chainEdges(dim int8, n int) int {
	if dim == 1 {
		return n - 1
	}
	return n
}

// newIndexedShapeSet makes a set that answers through an S2 shape index.
func newIndexedShapeSet(dim int8, shapes [][][]s2.Point) shapeSet {
	ix := &indexedShapes{index: s2.NewShapeIndex()}
	for _, sh := range shapes {
		var shape s2.Shape
		switch dim {
		case 0:
			pv := s2.PointVector(sh[0])
			shape = &pv
		case 1:
			shape = s2.LaxPolylineFromPoints(sh[0])
		default:
			shape = s2.LaxPolygonFromPoints(sh)
		}
		ix.shapes = append(ix.shapes, shape)
		ix.index.Add(shape)
	}
	// Built now, so that concurrent readers never trigger a lazy build.
	ix.index.Build()
	ix.queries.New = func() any { return s2.NewContainsPointQuery(ix.index, s2.VertexModelSemiOpen) }
	return shapeSet{dim: dim, indexed: ix}
}

// numChains is the number of chains of a small set.
func (s *shapeSet) numChains() int {
	if s.chains == nil {
		return 1
	}
	return len(s.chains)
}

// chain returns the vertices of chain k of a small set and its shape.
func (s *shapeSet) chain(k int) ([]s2.Point, int) {
	if s.chains == nil {
		return s.pts, 0
	}
	start := int32(0)
	if k > 0 {
		start = s.chains[k-1].end
	}
	return s.pts[start:s.chains[k].end], int(s.chains[k].shape)
}

// edges calls yield with every edge, shape by shape and chain by chain in
// the order of s2's edge ids, and whether the edge starts its chain, until
// yield returns false. A point is a degenerate edge from itself to itself.
// Use it as the sequence of a range loop.
func (s *shapeSet) edges(yield func(e s2.Edge, first bool) bool) {
	if ix := s.indexed; ix != nil {
		for _, sh := range ix.shapes {
			for c := range sh.NumChains() {
				for j := range sh.Chain(c).Length {
					if !yield(sh.ChainEdge(c, j), j == 0) {
						return
					}
				}
			}
		}
		return
	}
	for k := range s.numChains() {
		pts, _ := s.chain(k)
		for j, v := range pts {
			var w s2.Point
			switch {
			case s.dim == 0:
				w = v
			case j+1 < len(pts):
				w = pts[j+1]
			case s.dim == 1:
				continue // a line string does not close
			default:
				w = pts[0]
			}
			if !yield(s2.Edge{V0: v, V1: w}, j == 0) {
				return
			}
		}
	}
}

// chainStarts calls yield with the first vertex of every chain (each point,
// line string and loop), until yield returns false: one point of each
// connected piece. Use it as the sequence of a range loop.
func (s *shapeSet) chainStarts(yield func(v s2.Point) bool) {
	if ix := s.indexed; ix != nil {
		for _, sh := range ix.shapes {
			for c := range sh.NumChains() {
				if sh.Chain(c).Length > 0 && !yield(sh.ChainEdge(c, 0).V0) {
					return
				}
			}
		}
		return
	}
	for k := range s.numChains() {
		if pts, _ := s.chain(k); len(pts) > 0 && !yield(pts[0]) {
			return
		}
	}
}

// Shape returns shape id as an s2 shape, or nil past the last one (as
// s2.ShapeIndex.Shape does). A small set makes it anew on each call.
func (s *shapeSet) Shape(id int32) s2.Shape {
	if ix := s.indexed; ix != nil {
		if id < 0 || int(id) >= len(ix.shapes) {
			return nil
		}
		return ix.shapes[id]
	}
	var loops [][]s2.Point
	for k := range s.numChains() {
		if pts, sh := s.chain(k); sh == int(id) {
			loops = append(loops, pts)
		}
	}
	switch {
	case loops == nil:
		return nil
	case s.dim == 0:
		pv := s2.PointVector(loops[0])
		return &pv
	case s.dim == 1:
		return s2.LaxPolylineFromPoints(loops[0])
	}
	return s2.LaxPolygonFromPoints(loops)
}

// edgeIndex returns the S2 shape index of a large set; a small set builds
// one for the caller, which it does not keep.
func (s *shapeSet) edgeIndex() *s2.ShapeIndex {
	if s.indexed != nil {
		return s.indexed.index
	}
	index := s2.NewShapeIndex()
	for id := int32(0); ; id++ {
		sh := s.Shape(id)
		if sh == nil {
			break
		}
		index.Add(sh)
	}
	index.Build()
	return index
}

// isIndexed reports whether the set keeps an S2 shape index.
func (s *shapeSet) isIndexed() bool { return s.indexed != nil }

// contains reports whether some polygon of the set contains p, under the
// semi-open vertex model: exactly the answer of s2.ContainsPointQuery with
// s2.VertexModelSemiOpen.
func (s *shapeSet) contains(p s2.Point) bool {
	if ix := s.indexed; ix != nil {
		q := ix.queries.Get().(*s2.ContainsPointQuery)
		in := q.Contains(p)
		ix.queries.Put(q)
		return in
	}
	return s.containing(p, ^uint64(0)) != 0
}

// shapeContains reports whether polygon i contains p (semi-open).
func (s *shapeSet) shapeContains(i int, p s2.Point) bool {
	if ix := s.indexed; ix != nil {
		q := ix.queries.Get().(*s2.ContainsPointQuery)
		in := q.ShapeContains(ix.shapes[i], p)
		ix.queries.Put(q)
		return in
	}
	return s.containing(p, 1<<i) != 0
}

// containing returns the polygons of a small set among mask that contain p
// (semi-open), bit i for polygon i.
func (s *shapeSet) containing(p s2.Point, mask uint64) uint64 {
	if s.dim != 2 {
		return 0
	}
	ref, in := s.ref, s.in
	if ref.Dot(p.Vector) < 0 {
		ref, in = s2.Point{Vector: ref.Mul(-1)}, s.out
	}
	return (in ^ s.crossings(ref, p, mask)) & mask
}

// containsClosed is contains under the closed vertex model, where a shape
// also contains its vertices (s2.VertexModelClosed).
func (s *shapeSet) containsClosed(p s2.Point) bool {
	if s.indexed != nil {
		return s2.NewContainsPointQuery(s.indexed.index, s2.VertexModelClosed).Contains(p)
	}
	// The closed model differs from the semi-open one only at the
	// vertices: a vertex is in; elsewhere both count the same crossings.
	for _, v := range s.pts {
		if v == p {
			return true
		}
	}
	return s.contains(p)
}

// eachContaining calls visit with the index of each polygon that contains
// p (semi-open), in increasing order, until visit returns false.
func (s *shapeSet) eachContaining(p s2.Point, visit func(i int) bool) {
	if ix := s.indexed; ix != nil {
		q := ix.queries.Get().(*s2.ContainsPointQuery)
		found := q.ContainingShapes(p)
		ix.queries.Put(q)
		for _, sh := range found {
			for i, x := range ix.shapes {
				if x == sh {
					if !visit(i) {
						return
					}
					break
				}
			}
		}
		return
	}
	for m, i := s.containing(p, ^uint64(0)), 0; m != 0; m, i = m>>1, i+1 {
		if m&1 == 1 && !visit(i) {
			return
		}
	}
}

// setFlags works out which of the n polygons of a small set contain ref
// and its antipode, ref being the direction of the sum of the vertices:
// near the middle of the footprint and, as a rule, on none of its edges'
// great circles, so that counts from it stay on their fast path (any point
// would give the same answers). Each polygon starts from a vertex whose
// containment s2 defines; the antipode is reached through a point a
// quarter circle away, so that no ray is longer than that.
func (s *shapeSet) setFlags(n int) {
	var sum r3.Vector
	for _, v := range s.pts {
		sum = sum.Add(v.Vector)
	}
	s.ref = s2.OriginPoint()
	if sum.Norm2() > 1e-18 {
		s.ref = s2.Point{Vector: sum.Normalize()}
	}
	for i := range n {
		v, in := s.vertexRef(i)
		if in != (s.crossings(v, s.ref, 1<<i) != 0) {
			s.in |= 1 << i
		}
	}
	q := s2.Ortho(s.ref)
	anti := s2.Point{Vector: s.ref.Mul(-1)}
	all := uint64(1)<<n - 1
	s.out = s.in ^ s.crossings(s.ref, q, all) ^ s.crossings(q, anti, all)
}

// vertexRef returns the first vertex of polygon i and whether the polygon
// contains it, as s2 defines it for a shape's ReferencePoint: whether the
// polygon contains the direction s2.Ortho of the vertex, from the edges
// that meet there (s2.ContainsVertexQuery).
func (s *shapeSet) vertexRef(i int) (s2.Point, bool) {
	var loops [][]s2.Point
	for k := range s.numChains() {
		if pts, sh := s.chain(k); sh == i {
			loops = append(loops, pts)
		}
	}
	v := loops[0][0]
	q := s2.NewContainsVertexQuery(v)
	for _, pts := range loops {
		for j, a := range pts {
			b := pts[(j+1)%len(pts)]
			if a == v {
				q.AddEdge(b, 1)
			}
			if b == v {
				q.AddEdge(a, -1)
			}
		}
	}
	if sign := q.ContainsVertex(); sign != 0 {
		return v, sign > 0
	}
	// Every edge at v has its reverse: only s2's search over all vertices
	// knows (not for a valid polygon, whose vertices are distinct).
	ref := s2.LaxPolygonFromPoints(loops).ReferencePoint()
	return ref.Point, ref.Contained
}

// sideTol bounds the triple products taken as a sure sign here: far above
// the error of s2's own triage of the same product (about 4e-16 for unit
// vectors) and any difference in how the compiler rounds it here and
// there, so that a sign settled here is the sign s2 settles, and the rest
// go to s2's exact test.
const sideTol = 1e-14

// crossings returns, bit i for polygon i among mask, whether the arc from a
// to b crosses the edges of polygon i an odd number of times, an edge
// counting as crossed when s2.EdgeCrosser.EdgeOrVertexCrossing says so: the
// parity flips whether a polygon contains the point, from a to b. Most
// edges lie wholly on one side of the great circle through a and b, which
// one triple product per vertex shows. An edge whose ends are clearly on
// either side, with a and b clearly on either side of its own great circle,
// crosses the arc at one of the two points where the great circles meet:
// at the arc's when the orientations agree. Only an edge near a degenerate
// configuration (a vertex on or near the other great circle) goes to s2's
// exact test.
func (s *shapeSet) crossings(a, b s2.Point, mask uint64) uint64 {
	if a == b {
		return 0
	}
	n := a.Cross(b.Vector)
	var crosser *s2.EdgeCrosser
	var odd uint64
	for k := range s.numChains() {
		pts, sh := s.chain(k)
		if mask&(1<<sh) == 0 || len(pts) == 0 {
			continue
		}
		v0 := pts[len(pts)-1]
		d0 := n.Dot(v0.Vector)
		for _, v1 := range pts {
			d1 := n.Dot(v1.Vector)
			if d0 > sideTol && d1 > sideTol || d0 < -sideTol && d1 < -sideTol {
				v0, d0 = v1, d1 // the common case, on one side: no crossing
				continue
			}
			cross, sure := sureCrossing(a, b, v0, v1, d0, d1)
			if !sure {
				if crosser == nil {
					crosser = s2.NewEdgeCrosser(a, b)
				}
				crosser.RestartAt(v0)
				cross = crosser.EdgeOrVertexChainCrossing(v1)
			}
			if cross {
				odd ^= 1 << sh
			}
			v0, d0 = v1, d1
		}
	}
	return odd
}

// sureCrossing decides whether edge cd crosses arc ab where no degenerate
// configuration is near (sure), given d0 = (a×b)·c and d1 = (a×b)·d: the
// four orientations ACB, BDA, CBD and DAC all clearly the same means a
// crossing, the ends of one clearly on one side of the other's great circle
// means none. These are the tests s2.EdgeCrosser makes, and in these cases
// its answer.
func sureCrossing(a, b, c, d s2.Point, d0, d1 float64) (cross, sure bool) {
	switch {
	case d0 > sideTol && d1 > sideTol, d0 < -sideTol && d1 < -sideTol:
		return false, true
	case d0 > sideTol && d1 < -sideTol, d0 < -sideTol && d1 > sideTol:
	default:
		return false, false
	}
	m := c.Cross(d.Vector)
	ta, tb := m.Dot(a.Vector), m.Dot(b.Vector)
	switch {
	case ta > sideTol && tb > sideTol, ta < -sideTol && tb < -sideTol:
		return false, true
	case ta > sideTol && tb < -sideTol, ta < -sideTol && tb > sideTol:
		// BDA has the sign of d1 and DAC that of ta; ACB and CBD agree
		// with them by the two tests above.
		return (d1 > 0) == (ta > 0), true
	}
	return false, false
}
