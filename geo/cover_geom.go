package geo

import (
	"math"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
)

// The covering tests hundreds of cells against a few edges; s2's general
// primitives (Cell.DistanceToEdge, DistanceFromSegment) convert to angles and
// back on every call. Here an edge is prepared once and distances are
// squared chords, compared without trigonometry.

// segment is one footprint edge prepared for repeated distance tests. A
// point, or an edge too short to have a stable great circle, has a zero
// normal and is measured by its end points.
type segment struct {
	a, b r3.Vector
	n    r3.Vector // unit normal of the great circle through a and b
	// p is in the lune whose closest great-circle point lies on the arc when
	// p·ta ≥ 0 and p·tb ≥ 0 (ta points from a towards b, tb from b to a).
	ta, tb r3.Vector
}

// pointLikeChord2 is the squared chord below which an edge is measured by
// its end points: under 1e-13 rad (0.6 µm), far inside coverSlackM.
const pointLikeChord2 = 1e-26

func newSegment(a, b s2.Point) segment {
	s := segment{a: a.Vector, b: b.Vector}
	d := b.Sub(a.Vector)
	if d.Norm2() < pointLikeChord2 {
		return s
	}
	// (a+b)×(b−a) = 2 a×b, but its rounding error is relative to |b−a|
	// rather than to 1, which keeps short edges' normals accurate.
	s.n = a.Add(b.Vector).Cross(d).Normalize()
	s.ta = s.n.Cross(a.Vector)
	s.tb = b.Cross(s.n)
	return s
}

// dist2 is the squared chord from p to the segment.
func (s *segment) dist2(p r3.Vector) s1.ChordAngle {
	if s.n != (r3.Vector{}) && p.Dot(s.ta) >= 0 && p.Dot(s.tb) >= 0 {
		// In the lune the closest point is on the great circle, at the angle
		// θ with sin θ = |p·n|; 2 − 2cos θ is rewritten to keep precision
		// for tiny θ.
		x := p.Dot(s.n)
		x2 := min(x*x, 1)
		return s1.ChordAngle(2 * x2 / (1 + math.Sqrt(1-x2)))
	}
	return s1.ChordAngle(min(p.Sub(s.a).Norm2(), p.Sub(s.b).Norm2()))
}

// crossesArc reports whether the segment's arc crosses the arc cd, whose
// plane has the normal cd = c×d, at a point interior to both. Ties count as
// not crossing: they are cases where an end point lies (almost) on the other
// arc, which the distance tests catch.
func (s *segment) crossesArc(c, d, cd r3.Vector) bool {
	acb := -s.n.Dot(c)
	bda := s.n.Dot(d)
	if acb*bda <= 0 {
		return false
	}
	cbd := -cd.Dot(s.b)
	dac := cd.Dot(s.a)
	return acb*cbd > 0 && acb*dac > 0
}

// faceFrames maps (u, v) on each cube face to a point: o + u·u + v·v. It is
// read from s2's own face cells, whose corners are (±1, ±1), so the points
// computed here are bit for bit the vertices s2 gives its cells.
var faceFrames = func() (fr [6]struct{ o, u, v r3.Vector }) {
	for face := range fr {
		c := s2.CellFromCellID(s2.CellIDFromFace(face))
		v0, v1, v2, v3 := c.VertexRaw(0).Vector, c.VertexRaw(1).Vector, c.VertexRaw(2).Vector, c.VertexRaw(3).Vector
		fr[face].o = v0.Add(v2).Mul(0.5)
		fr[face].u = v1.Sub(v0).Mul(0.5)
		fr[face].v = v3.Sub(v0).Mul(0.5)
	}
	return fr
}()

// uvPoint is the unit vector of (u, v) on a face.
func uvPoint(face int, u, v float64) r3.Vector {
	fr := &faceFrames[face]
	return fr.o.Add(fr.u.Mul(u)).Add(fr.v.Mul(v)).Normalize()
}

// cellGeom is a cell with its vertices, an interior point and the radius
// of a cap about that point around the cell; the normals of its edges and
// the radius of a cap inside it are computed on first need.
type cellGeom struct {
	cell s2.Cell
	v    [4]r3.Vector // counter-clockwise
	c    r3.Vector
	rho  s1.ChordAngle // every point of the cell is within rho of c
	rho1 float64       // the chord of rho, not squared

	prepared bool
	nrm      [4]r3.Vector  // normals of the edges' planes, pointing into the cell
	in       s1.ChordAngle // every point within in of c is in the cell
}

// cellCorners returns the vertices of a cell, counter-clockwise.
func cellCorners(cell s2.Cell) [4]r3.Vector {
	uv := cell.BoundUV()
	face := cell.Face()
	return [4]r3.Vector{
		uvPoint(face, uv.X.Lo, uv.Y.Lo), uvPoint(face, uv.X.Hi, uv.Y.Lo),
		uvPoint(face, uv.X.Hi, uv.Y.Hi), uvPoint(face, uv.X.Lo, uv.Y.Hi),
	}
}

func newCellGeom(cell s2.Cell, v [4]r3.Vector) cellGeom {
	g := cellGeom{cell: cell, v: v}
	// A positive combination of the vertices of a convex cell lies in it,
	// and the farthest point of the cell from it is a vertex (cells are
	// smaller than a hemisphere).
	g.c = v[0].Add(v[1]).Add(v[2]).Add(v[3]).Normalize()
	rho2 := max(v[0].Sub(g.c).Norm2(), v[1].Sub(g.c).Norm2(), v[2].Sub(g.c).Norm2(), v[3].Sub(g.c).Norm2())
	// Rounding of the vertices and the centre is a few ulps, far inside the
	// covering slack, but rho must never be short.
	g.rho1 = math.Sqrt(rho2) + 1e-15
	g.rho = s1.ChordAngle(g.rho1 * g.rho1)
	return g
}

// prepare computes the edge normals and the inner radius.
func (g *cellGeom) prepare() {
	if g.prepared {
		return
	}
	g.prepared = true
	sin2 := 1.0
	for k := range 4 {
		// 2 v[k]×v[k+1], with rounding relative to the edge's length (a
		// leaf cell's edge is 1e-9 long; a plain cross product would tilt
		// its plane by 1e-7).
		a, b := g.v[k], g.v[(k+1)&3]
		g.nrm[k] = a.Add(b).Cross(b.Sub(a))
		// The cell is the intersection of the four hemispheres left of its
		// edges, so the cap it contains reaches the nearest edge's circle.
		d := g.c.Dot(g.nrm[k])
		sin2 = min(sin2, d*d/g.nrm[k].Norm2())
	}
	sin := max(0, math.Sqrt(sin2)-1e-15)
	g.in = s1.ChordAngle(2 * sin * sin / (1 + math.Sqrt(1-sin*sin)))
}

// within reports whether some point of the cell lies within limit of s;
// reach is limit plus rho. The arcs of a cell and a segment that do not
// cross come closest at an end point of one of them, so the cell's
// vertices, the segment's end points and a crossing test decide exactly.
func (g *cellGeom) within(s *segment, limit, reach s1.ChordAngle) bool {
	g.prepare()
	for k := range 4 {
		if s.dist2(g.v[k]) <= limit {
			return true
		}
	}
	if s.n != (r3.Vector{}) {
		for k := range 4 {
			if s.crossesArc(g.v[k], g.v[(k+1)&3], g.nrm[k]) {
				return true
			}
		}
	}
	return g.near(s.a, limit, reach) || g.near(s.b, limit, reach)
}

// near reports whether p is within limit of the cell.
func (g *cellGeom) near(p r3.Vector, limit, reach s1.ChordAngle) bool {
	if s1.ChordAngle(p.Sub(g.c).Norm2()) > reach {
		return false
	}
	if p.Dot(g.nrm[0]) >= 0 && p.Dot(g.nrm[1]) >= 0 && p.Dot(g.nrm[2]) >= 0 && p.Dot(g.nrm[3]) >= 0 {
		return true
	}
	return g.cell.Distance(s2.Point{Vector: p}) <= limit
}
