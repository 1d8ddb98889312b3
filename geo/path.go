package geo

import (
	"math"
	"slices"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
)

// Buffered is a footprint widened by a distance, prepared for the two
// questions the live picture asks of it many times a second: is this position
// in it, and where along a great-circle arc does a moving aircraft first
// enter it? Both are answered exactly on the sphere: the distance from a
// point moving along a great circle to an edge, to its great circle or to a
// vertex, is a sinusoid of the angle travelled, so the first angle at which
// it falls to the widening has a closed form per edge; a hierarchy of
// bounding caps over runs of consecutive edges keeps the edges tested to
// those near the arc. No cell approximation is involved.
//
// A Buffered is immutable and safe for concurrent use.
type Buffered struct {
	f      *Footprint
	widenM float64
	w      float64 // widening in radians, at least ContactM
	sinW   float64
	cosW   float64
	chordW float64 // squared chord of w: 4·sin²(w/2)
	edges  []pathEdge
	nodes  []pathNode // nodes[0] is the root; empty for no edges
	cap    s2.Cap
}

// pathEdge is one edge of the footprint, or one point of a Point footprint
// (point set). n is the unit normal of the edge's great circle; a point p
// whose nearest point on that circle lies within the edge has p·c0 >= 0 and
// p·c1 >= 0 (c0 = n×v0, c1 = v1×n).
type pathEdge struct {
	v0, v1, n, c0, c1 r3.Vector
	point             bool
	// The edge's cap: centre (the midpoint) and the sine and cosine of its
	// radius (half the edge's length).
	m             r3.Vector
	h, sinH, cosH float64
}

// pathNode bounds edges[lo:hi] by a cap of centre c and radius r (radians;
// π when the run is too spread for a convex cap).
type pathNode struct {
	c           r3.Vector
	r           float64
	sinR, cosR  float64
	lo, hi      int32
	left, right int32 // children, -1 for a leaf
}

// leafEdges is how many edges a leaf of the cap hierarchy holds.
const leafEdges = 6

// NewBuffered prepares f widened by widenM metres (negative counts as 0;
// under ContactM, the touching distance, counts as ContactM).
func NewBuffered(f *Footprint, widenM float64) *Buffered {
	if !(widenM > 0) {
		widenM = 0
	}
	w := MetresToAngle(max(widenM, ContactM)).Radians()
	if w > math.Pi {
		w = math.Pi
	}
	b := &Buffered{f: f, widenM: widenM, w: w, sinW: math.Sin(w), cosW: math.Cos(w), chordW: chord2(w)}
	for ed := range f.index.edges {
		b.edges = append(b.edges, newPathEdge(ed.V0, ed.V1))
	}
	if len(b.edges) > 0 {
		b.build(0, int32(len(b.edges)))
	}
	bc := f.bound.CapBound()
	b.cap = s2.CapFromCenterAngle(bc.Center(), s1.Angle(min(bc.Radius().Radians()+w*(1+1e-12)+1e-15, math.Pi)))
	return b
}

// chord2 is the squared chord of angle w: 4·sin²(w/2).
func chord2(w float64) float64 {
	s := math.Sin(w / 2)
	return 4 * s * s
}

func newPathEdge(a, b s2.Point) pathEdge {
	e := pathEdge{v0: a.Vector, v1: b.Vector, m: a.Vector, cosH: 1}
	if a == b {
		e.point = true
		return e
	}
	if mid := a.Add(b.Vector); mid.Norm2() > 0 {
		e.m = mid.Normalize()
		e.h = a.Angle(b.Vector).Radians()/2*(1+1e-12) + 1e-15
		e.sinH, e.cosH = math.Sincos(e.h)
	}
	e.n = a.PointCross(b).Normalize()
	e.c0 = e.n.Cross(e.v0)
	e.c1 = e.v1.Cross(e.n)
	return e
}

// build makes the node for edges[lo:hi] and its children; it returns the
// node's index.
func (b *Buffered) build(lo, hi int32) int32 {
	var sum r3.Vector
	for _, e := range b.edges[lo:hi] {
		sum = sum.Add(e.v0).Add(e.v1)
	}
	nd := pathNode{lo: lo, hi: hi, left: -1, right: -1, r: math.Pi}
	if sum.Norm2() > 1e-20 {
		nd.c = sum.Normalize()
		r := 0.0
		for _, e := range b.edges[lo:hi] {
			r = max(r, max(nd.c.Angle(e.v0).Radians(), nd.c.Angle(e.v1).Radians()))
		}
		// A cap under a quarter circle is convex, so it holds the whole
		// (shorter) arc between any two of its points; a wider one may not.
		if r < math.Pi/2-1e-9 {
			nd.r = r*(1+1e-12) + 1e-15
		}
	}
	if nd.r == math.Pi {
		nd.c = b.edges[lo].v0
	}
	nd.sinR, nd.cosR = math.Sincos(nd.r)
	i := int32(len(b.nodes))
	b.nodes = append(b.nodes, nd)
	if hi-lo > leafEdges {
		mid := lo + (hi-lo)/2
		l := b.build(lo, mid)
		r := b.build(mid, hi)
		b.nodes[i].left, b.nodes[i].right = l, r
	}
	return i
}

// Footprint returns the footprint that was widened.
func (b *Buffered) Footprint() *Footprint { return b.f }

// WidenM returns the widening in metres, as given.
func (b *Buffered) WidenM() float64 { return b.widenM }

// CapBound returns a cap containing every point of the widened footprint.
func (b *Buffered) CapBound() s2.Cap { return b.cap }

// Contains reports whether p is within the widening of the footprint
// (interiors included, boundary included).
func (b *Buffered) Contains(p s2.Point) bool { return b.within(p, b.w) }

// Near reports whether p is within the widening plus extraM of the footprint
// (interiors included): the test that files a widened footprint under the
// cells a moving point may start from.
func (b *Buffered) Near(p s2.Point, extraM float64) bool {
	if !(extraM > 0) {
		return b.Contains(p)
	}
	w := b.w + MetresToAngle(extraM).Radians()
	if w >= math.Pi {
		return true
	}
	return b.within(p, w)
}

func (b *Buffered) polyContains(p s2.Point) bool {
	if b.f.dim != 2 || !b.f.bound.ContainsPoint(p) {
		return false
	}
	return b.f.index.contains(p)
}

// within reports whether p is within angle w of the footprint.
func (b *Buffered) within(p s2.Point, w float64) bool {
	if b.polyContains(p) {
		return true
	}
	if len(b.nodes) == 0 {
		return false
	}
	sinW, chordW := math.Sin(w), chord2(w)
	if w == b.w {
		sinW, chordW = b.sinW, b.chordW
	}
	var stack [64]int32
	n := 1
	for n > 0 {
		n--
		nd := &b.nodes[stack[n]]
		if lim := nd.r + w; lim < math.Pi && nd.c.Dot(p.Vector) < math.Cos(lim)-1e-15 {
			continue
		}
		if nd.left >= 0 {
			stack[n], stack[n+1] = nd.left, nd.right
			n += 2
			continue
		}
		for i := nd.lo; i < nd.hi; i++ {
			e := &b.edges[i]
			if p.Sub(e.v0).Norm2() <= chordW || p.Sub(e.v1).Norm2() <= chordW {
				return true
			}
			if !e.point && math.Abs(p.Dot(e.n)) <= sinW && p.Dot(e.c0) >= 0 && p.Dot(e.c1) >= 0 {
				return true
			}
		}
	}
	return false
}

// Clearance returns how far p is from the widened footprint, in metres: 0
// when p is in it. A point that moves less than the clearance cannot have
// entered it, which lets a caller skip a volume until it has.
func (b *Buffered) Clearance(p s2.Point) float64 {
	if b.polyContains(p) {
		return 0
	}
	best := math.Inf(1)
	var stack [64]int32
	n := 0
	if len(b.nodes) > 0 {
		n = 1
	}
	for n > 0 {
		n--
		nd := &b.nodes[stack[n]]
		if nd.r < math.Pi && nd.c.Angle(p.Vector).Radians()-nd.r >= best {
			continue
		}
		if nd.left >= 0 {
			stack[n], stack[n+1] = nd.left, nd.right
			n += 2
			continue
		}
		for i := nd.lo; i < nd.hi; i++ {
			e := &b.edges[i]
			d := min(p.Angle(e.v0).Radians(), p.Angle(e.v1).Radians())
			if !e.point && p.Dot(e.c0) >= 0 && p.Dot(e.c1) >= 0 {
				d = min(d, math.Asin(min(1, math.Abs(p.Dot(e.n)))))
			}
			best = min(best, d)
		}
	}
	return max(0, AngleToMetres(s1.Angle(best-b.w)))
}

// FirstEntry returns where the great-circle arc from a to b (the shorter
// one) first comes within the widening of the footprint, as the fraction of
// the arc's length travelled (0 when a is already in it), and false when it
// never does. A degenerate arc (a == b) is a point.
func (b *Buffered) FirstEntry(a, c s2.Point) (float64, bool) {
	theta := a.Angle(c.Vector).Radians()
	if theta == 0 {
		return 0, b.Contains(a)
	}
	if b.polyContains(a) {
		return 0, true
	}
	if len(b.nodes) == 0 {
		return 0, false
	}
	np := a.PointCross(c).Normalize()
	u := np.Cross(a.Vector).Normalize()
	arc := arcFrame{a: a.Vector, b: c.Vector, n: np, ca: np.Cross(a.Vector), cb: c.Vector.Cross(np)}
	best := math.Inf(1)
	var stack [64]int32
	n := 1
	for n > 0 {
		n--
		nd := &b.nodes[stack[n]]
		if nd.r < math.Pi/2 && !arc.near(nd.c, nd.sinR, nd.cosR, b.sinW, b.cosW) {
			continue
		}
		if nd.left >= 0 {
			stack[n], stack[n+1] = nd.left, nd.right
			n += 2
			continue
		}
		for i := nd.lo; i < nd.hi; i++ {
			e := &b.edges[i]
			if !arc.near(e.m, e.sinH, e.cosH, b.sinW, b.cosW) {
				continue
			}
			// The point at θ is at least |θ − θm| from the edge's midpoint,
			// θm where the midpoint projects on the arc's circle: the edge
			// cannot be reached before θm − h − w, nor improve on best then.
			if !math.IsInf(best, 1) && math.Atan2(e.m.Dot(u), e.m.Dot(a.Vector))-e.h-b.w >= best {
				continue
			}
			if t, ok := e.first(a.Vector, u, theta, b.sinW, b.chordW); ok && t < best {
				best = t
			}
		}
	}
	if math.IsInf(best, 1) {
		return 0, false
	}
	return min(best/theta, 1), true
}

// arcFrame is an arc from a to b with the unit normal n of its great
// circle: a point p whose nearest point on the circle lies on the arc has
// p·ca >= 0 and p·cb >= 0 (ca = n×a, cb = b×n).
type arcFrame struct{ a, b, n, ca, cb r3.Vector }

// near reports whether a cap (centre c, radius r under a quarter circle
// given by its sine and cosine) may come within the widening w of the arc,
// from the distance of c to the arc: to its great circle where the nearest
// point is on the arc, else to its nearer end, compared with r + w (sine and
// cosine of the sum from those of the parts: no trigonometry per cap).
func (f *arcFrame) near(c r3.Vector, sinR, cosR, sinW, cosW float64) bool {
	// Past a quarter circle the tests below no longer bound.
	cosLim := cosR*cosW - sinR*sinW
	if cosLim <= 0 {
		return true
	}
	sinLim := sinR*cosW + cosR*sinW
	const slack = 1e-12
	if c.Dot(f.ca) >= 0 && c.Dot(f.cb) >= 0 {
		return math.Abs(c.Dot(f.n)) <= sinLim+slack
	}
	return c.Dot(f.a) >= cosLim-slack || c.Dot(f.b) >= cosLim-slack
}

// span is a closed interval of angles along the arc.
type span struct{ lo, hi float64 }

// spans is a set of at most two disjoint spans.
type spans struct {
	n int
	s [2]span
}

func (s *spans) add(lo, hi float64) {
	if lo > hi {
		return
	}
	s.s[s.n] = span{lo, hi}
	s.n++
}

func (s *spans) has(t float64) bool {
	for i := range s.n {
		if t >= s.s[i].lo && t <= s.s[i].hi {
			return true
		}
	}
	return false
}

// atLeast returns the angles θ in [0, theta] at which the point
// a·cos θ + u·sin θ has l·p >= c. l·p is A cos θ + B sin θ = ρ cos(θ − φ),
// so the set is the arc [φ − α, φ + α] of the circle of angles, α = acos(c/ρ),
// cut to [0, theta] (theta <= π, so at most two pieces).
func atLeast(l, a, u r3.Vector, theta, c float64) spans {
	var out spans
	A, B := l.Dot(a), l.Dot(u)
	rho := math.Hypot(A, B)
	switch {
	case c <= -rho: // also rho == 0 <= -c: l·p is 0 all along
		out.add(0, theta)
		return out
	case c > rho:
		return out
	}
	alpha := math.Pi / 2
	if c != 0 {
		alpha = math.Acos(max(-1, min(1, c/rho)))
	}
	return cut(out, math.Atan2(B, A), alpha, theta)
}

// nearVertex returns the angles θ in [0, theta] at which the point
// p = a·cos θ + u·sin θ is within the chord chordW (squared, 4·sin²(w/2)) of v.
// With v = x·a + y·u + z·(a×u), ρ = √(x²+y²) and ψ = atan2(y, x),
// 1 − p·v = z²/(1+ρ) + 2ρ·sin²((θ−ψ)/2): written so, the test keeps its
// precision for widenings of millimetres, where cos w rounds to 1.
func nearVertex(v, a, u r3.Vector, theta, chordW float64) spans {
	var out spans
	x, y := v.Dot(a), v.Dot(u)
	z := v.Dot(a.Cross(u))
	rho := math.Hypot(x, y)
	k := (chordW/2 - z*z/(1+rho)) / (2 * rho)
	switch {
	case k < 0 || rho == 0:
		return out
	case k >= 1:
		out.add(0, theta)
		return out
	}
	psi := math.Atan2(y, x)
	alpha := 2 * math.Asin(math.Sqrt(k))
	return cut(out, psi, alpha, theta)
}

// cut adds to out the arc [φ − α, φ + α] of the circle of angles, cut to
// [0, theta].
func cut(out spans, phi, alpha, theta float64) spans {
	for _, k := range [...]float64{-2 * math.Pi, 0, 2 * math.Pi} {
		lo, hi := phi-alpha+k, phi+alpha+k
		if hi < 0 || lo > theta {
			continue
		}
		out.add(max(lo, 0), min(hi, theta))
		if out.n == 2 {
			break
		}
	}
	return out
}

// first returns the smallest θ in [0, theta] at which the point
// a·cos θ + u·sin θ is within the widening of the edge: within it of the
// edge's great circle with its nearest point on the edge, or within it of
// either vertex.
func (e *pathEdge) first(a, u r3.Vector, theta, sinW, chordW float64) (float64, bool) {
	best := math.Inf(1)
	for _, v := range [...]r3.Vector{e.v0, e.v1} {
		if s := nearVertex(v, a, u, theta, chordW); s.n > 0 {
			best = min(best, s.s[0].lo)
		}
		if e.point {
			break
		}
	}
	if e.point {
		return best, !math.IsInf(best, 1)
	}
	// The nearest point of the great circle within the edge, and the circle
	// within the widening: four conditions, each a set of spans. The first
	// angle meeting all of them is 0 or the start of some span.
	conds := [4]spans{
		atLeast(e.n, a, u, theta, -sinW),
		atLeast(e.n.Mul(-1), a, u, theta, -sinW),
		atLeast(e.c0, a, u, theta, 0),
		atLeast(e.c1, a, u, theta, 0),
	}
	var cands [9]float64
	nc := 0
	for i := range conds {
		if conds[i].n == 0 {
			return best, !math.IsInf(best, 1)
		}
		for j := range conds[i].n {
			cands[nc] = conds[i].s[j].lo
			nc++
		}
	}
	cands[nc] = 0
	nc++
	c := cands[:nc]
	slices.Sort(c)
	for _, t := range c {
		if t >= best {
			break
		}
		if conds[0].has(t) && conds[1].has(t) && conds[2].has(t) && conds[3].has(t) {
			best = t
			break
		}
	}
	return best, !math.IsInf(best, 1)
}
