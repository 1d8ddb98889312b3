package geo

// A brute-force oracle for distances between footprints, written from
// scratch with plain vector algebra (no S2 algorithm), for the property tests.

import (
	"container/heap"
	"math"

	"github.com/golang/geo/r3"

	"github.com/deconflict/deconflict"
)

// oGeom is a geometry as the oracle sees it: chains of unit vectors.
// Polygons are parts of rings; lines and points are single chains.
type oGeom struct {
	dim   int
	chain [][]r3.Vector   // points or polyline vertices (dim 0, 1)
	parts [][][]r3.Vector // polygon parts: ring 0 shell, others holes (dim 2)
}

func llVec(lon, lat float64) r3.Vector {
	lo, la := lon*math.Pi/180, lat*math.Pi/180
	return r3.Vector{X: math.Cos(la) * math.Cos(lo), Y: math.Cos(la) * math.Sin(lo), Z: math.Sin(la)}
}

// ang is the angle between unit vectors, accurate at all sizes.
func ang(a, b r3.Vector) float64 { return math.Atan2(a.Cross(b).Norm(), a.Dot(b)) }

// haversineM is the great-circle distance in metres between two positions.
func haversineM(lon1, lat1, lon2, lat2 float64) float64 {
	r := math.Pi / 180
	dlat, dlon := (lat2-lat1)*r, (lon2-lon1)*r
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*r)*math.Cos(lat2*r)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * deconflict.EarthRadiusM * math.Asin(math.Min(1, math.Sqrt(h)))
}

// onArc reports whether x (on the great circle of a and b) lies on arc ab.
func onArc(x, a, b r3.Vector) bool {
	n := a.Cross(b)
	return a.Cross(x).Dot(n) >= 0 && x.Cross(b).Dot(n) >= 0
}

// pointArc is the angle from p to the arc ab.
func pointArc(p, a, b r3.Vector) float64 {
	n := a.Cross(b)
	if n.Norm() < 1e-300 {
		return ang(p, a)
	}
	n = n.Normalize()
	q := p.Sub(n.Mul(p.Dot(n)))
	if q.Norm() > 1e-300 {
		q = q.Normalize()
		if onArc(q, a, b) {
			return math.Abs(math.Asin(math.Max(-1, math.Min(1, p.Dot(n)))))
		}
	}
	return math.Min(ang(p, a), ang(p, b))
}

// arcsCross reports whether arcs ab and cd share a point.
func arcsCross(a, b, c, d r3.Vector) bool {
	x := a.Cross(b).Cross(c.Cross(d))
	if x.Norm() < 1e-300 {
		return false
	}
	x = x.Normalize()
	return (onArc(x, a, b) && onArc(x, c, d)) || (onArc(x.Mul(-1), a, b) && onArc(x.Mul(-1), c, d))
}

func slerp(a, b r3.Vector, t float64) r3.Vector {
	w := ang(a, b)
	if w < 1e-15 {
		return a
	}
	s := math.Sin(w)
	return a.Mul(math.Sin((1-t)*w) / s).Add(b.Mul(math.Sin(t*w) / s)).Normalize()
}

// ringContains counts crossings of an arc from p to a point known to be
// outside the ring (beyond the cap that holds it).
func ringContains(ring []r3.Vector, p r3.Vector) bool {
	var c r3.Vector
	for _, v := range ring {
		c = c.Add(v)
	}
	c = c.Normalize()
	rho := 0.0
	for _, v := range ring {
		rho = math.Max(rho, ang(c, v))
	}
	if ang(c, p) > rho+1e-12 {
		return false
	}
	// A point outside the cap, off towards some arbitrary direction.
	t := c.Ortho()
	q := c.Mul(math.Cos(1.5*rho + 1e-6)).Add(t.Mul(math.Sin(1.5*rho + 1e-6)))
	in := false
	for i := range ring {
		if arcsCross(p, q, ring[i], ring[(i+1)%len(ring)]) {
			in = !in
		}
	}
	return in
}

func (g *oGeom) contains(p r3.Vector) bool {
	for _, part := range g.parts {
		if !ringContains(part[0], p) {
			continue
		}
		inHole := false
		for _, h := range part[1:] {
			inHole = inHole || ringContains(h, p)
		}
		if !inHole {
			return true
		}
	}
	return false
}

// edges lists the boundary edges (a point is a degenerate edge).
func (g *oGeom) edges() [][2]r3.Vector {
	var out [][2]r3.Vector
	for _, ch := range g.chain {
		if len(ch) == 1 {
			out = append(out, [2]r3.Vector{ch[0], ch[0]})
		}
		for i := 0; i+1 < len(ch); i++ {
			out = append(out, [2]r3.Vector{ch[i], ch[i+1]})
		}
	}
	for _, part := range g.parts {
		for _, r := range part {
			for i := range r {
				out = append(out, [2]r3.Vector{r[i], r[(i+1)%len(r)]})
			}
		}
	}
	return out
}

func (g *oGeom) vertices() []r3.Vector {
	var out []r3.Vector
	for _, e := range g.edges() {
		out = append(out, e[0])
	}
	return out
}

// oracleDistance returns bounds lo <= true distance <= hi in metres.
// Sampled points of one boundary with exact point-to-arc distances to the
// other give upper bounds; a branch-and-bound over each edge (the distance to
// a set is 1-Lipschitz along an arc) refines until the gap is tiny.
func oracleDistance(a, b *oGeom) (lo, hi float64) {
	ea, eb := a.edges(), b.edges()
	for _, v := range a.vertices() {
		if b.contains(v) {
			return 0, 0
		}
	}
	for _, v := range b.vertices() {
		if a.contains(v) {
			return 0, 0
		}
	}
	for _, x := range ea {
		for _, y := range eb {
			if x[0] != x[1] && y[0] != y[1] && arcsCross(x[0], x[1], y[0], y[1]) {
				return 0, 0
			}
		}
	}
	best := math.Inf(1)
	lower := math.Inf(1)
	for pass := 0; pass < 2; pass++ {
		from, to := ea, eb
		if pass == 1 {
			from, to = eb, ea
		}
		dist := func(p r3.Vector) float64 {
			m := math.Inf(1)
			for _, y := range to {
				m = math.Min(m, pointArc(p, y[0], y[1]))
			}
			return m
		}
		for _, x := range from {
			l, u := minAlongArc(x[0], x[1], dist, &best)
			lower = math.Min(lower, l)
			_ = u
		}
	}
	R := deconflict.EarthRadiusM
	return math.Max(0, lower) * R, best * R
}

type bbItem struct {
	t0, t1, mid, val float64
}
type bbHeap []bbItem

func (h bbHeap) Len() int           { return len(h) }
func (h bbHeap) Less(i, j int) bool { return h[i].val < h[j].val }
func (h bbHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *bbHeap) Push(x any)        { *h = append(*h, x.(bbItem)) }
func (h *bbHeap) Pop() any          { o := *h; x := o[len(o)-1]; *h = o[:len(o)-1]; return x }

// minAlongArc minimises f over arc ab. It updates *best (a global upper
// bound) and returns a lower bound of f on this arc, proven by Lipschitz
// continuity once the intervals are shorter than the resolution.
func minAlongArc(a, b r3.Vector, f func(r3.Vector) float64, best *float64) (lower, upper float64) {
	L := ang(a, b)
	eval := func(t0, t1 float64) bbItem {
		m := (t0 + t1) / 2
		v := f(slerp(a, b, m))
		if v < *best {
			*best = v
		}
		return bbItem{t0, t1, m, v}
	}
	// A fifth of the tolerance of SPEC §3 is resolution enough.
	res := func() float64 { return math.Max(0.2/deconflict.EarthRadiusM, 1e-3**best) }
	lower = math.Inf(1)
	upper = math.Inf(1)
	if L == 0 {
		v := f(a)
		*best = math.Min(*best, v)
		return v, v
	}
	h := &bbHeap{}
	const split = 16
	for i := 0; i < split; i++ {
		heap.Push(h, eval(float64(i)/split, float64(i+1)/split))
	}
	for h.Len() > 0 {
		it := heap.Pop(h).(bbItem)
		upper = math.Min(upper, it.val)
		half := L * (it.t1 - it.t0) / 2
		lb := it.val - half
		if lb >= *best {
			lower = math.Min(lower, lb) // nothing here beats the best
			continue
		}
		if half < res() {
			lower = math.Min(lower, lb)
			continue
		}
		for i := 0; i < 4; i++ {
			w := (it.t1 - it.t0) / 4
			heap.Push(h, eval(it.t0+float64(i)*w, it.t0+float64(i+1)*w))
		}
	}
	return lower, upper
}
