package geo

import (
	"math"
	"testing"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
	"pgregory.net/rapid"

	"github.com/deconflict/deconflict"
)

// TestCellGeomMatchesS2: the covering's own cell geometry agrees with s2's:
// the same vertices bit for bit, caps that really bound the cell from
// inside and outside, and the same verdict as Cell.DistanceToEdge on
// whether an edge comes within a distance, except within rounding of it.
func TestCellGeomMatchesS2(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genCenter(t, "c")
		level := rapid.IntRange(0, 30).Draw(t, "level")
		id := s2.CellIDFromLatLng(s2.LatLngFromPoint(s2.Point{Vector: c})).Parent(level)
		cell := s2.CellFromCellID(id)
		g := newCellGeom(cell, cellCorners(cell))
		for k := range 4 {
			if g.v[k] != cell.Vertex(k).Vector {
				t.Fatalf("vertex %d: %v, s2 %v", k, g.v[k], cell.Vertex(k))
			}
		}
		g.prepare()
		if !cell.ContainsPoint(s2.Point{Vector: g.c}) {
			t.Fatalf("centre %v outside the cell", g.c)
		}
		// Random points of the cell lie within rho of the centre; random
		// points within the inner radius lie in the cell.
		for range 8 {
			a, b := rapid.Float64Range(0, 1).Draw(t, "a"), rapid.Float64Range(0, 1).Draw(t, "b")
			p := g.v[0].Mul((1 - a) * (1 - b)).Add(g.v[1].Mul(a * (1 - b))).Add(g.v[2].Mul(a * b)).Add(g.v[3].Mul((1 - a) * b)).Normalize()
			if s1.ChordAngle(p.Sub(g.c).Norm2()) > g.rho {
				t.Fatalf("cell point %v beyond rho", p)
			}
			q := dest(g.c, rapid.Float64Range(0, 2*math.Pi).Draw(t, "qb"), g.in.Angle().Radians()*0.999)
			if !cell.ContainsPoint(s2.Point{Vector: q}) {
				t.Fatalf("point at %.3g of the centre, inner radius %.3g, outside the cell", g.c.Angle(q).Radians(), g.in.Angle().Radians())
			}
		}
		// An edge near the cell: from a point near it, of a length from a
		// point to many cells.
		size := s2.AvgEdgeMetric.Value(level)
		a := dest(g.c, rapid.Float64Range(0, 2*math.Pi).Draw(t, "ab"), rapid.Float64Range(0, 3).Draw(t, "ad")*size)
		b := a
		if !rapid.Bool().Draw(t, "point") {
			b = dest(a, rapid.Float64Range(0, 2*math.Pi).Draw(t, "bb"), math.Exp(rapid.Float64Range(-20, 2).Draw(t, "bd"))*size)
		}
		s := newSegment(s2.Point{Vector: a}, s2.Point{Vector: b})
		want := cell.DistanceToEdge(s2.Point{Vector: a}, s2.Point{Vector: b}).Angle().Radians()
		limit := s1.Angle(rapid.Float64Range(0, 2).Draw(t, "limit") * want)
		lc := s1.ChordAngleFromAngle(limit)
		reach := s1.ChordAngle(math.Pow(math.Sqrt(float64(lc))+math.Sqrt(float64(g.rho)), 2))
		got := g.within(&s, lc, reach) || s.dist2(g.c) <= lc
		tol := 1e-14 + 1e-9*want
		if want <= limit.Radians()-tol && !got {
			t.Fatalf("edge at %.6g rad, limit %.6g: within says no", want, limit.Radians())
		}
		if want > limit.Radians()+tol && got {
			t.Fatalf("edge at %.6g rad, limit %.6g: within says yes", want, limit.Radians())
		}
	})
}

// TestCoverEdgeCases: the radii and places where a covering is easy to get
// wrong.
func TestCoverEdgeCases(t *testing.T) {
	R := deconflict.EarthRadiusM
	covered := func(t *testing.T, cells []s2.CellID, pts ...r3.Vector) {
		t.Helper()
		cu := s2.CellUnion(cells)
		if len(cu) == 0 || len(cu) > CoverMaxCells || !cu.IsNormalized() {
			t.Fatalf("%d cells, normalised %v", len(cu), cu.IsNormalized())
		}
		for _, p := range pts {
			if !cu.ContainsPoint(s2.Point{Vector: p}) {
				t.Fatalf("%v not covered by %v", toLL(p), cu)
			}
		}
	}
	t.Run("a 1 m square with no buffer stays coarse and covers its corners", func(t *testing.T) {
		f := mustFP(t, "Polygon", "[[[10,10],[10.00001,10],[10.00001,10.00001],[10,10.00001],[10,10]]]")
		cells := Cover(f, 0)
		covered(t, cells, llVec(10, 10), llVec(10.00001, 10.00001), llVec(10.000005, 10.000005))
		if a := coveredAreaM2(cells); a > 40 {
			t.Fatalf("covering of %.1f m²", a)
		}
	})
	t.Run("a point with no buffer", func(t *testing.T) {
		covered(t, Cover(mustFP(t, "Point", "[-179.99999,89.999]"), 0), llVec(-179.99999, 89.999))
	})
	t.Run("a cap around the north pole", func(t *testing.T) {
		f := mustFP(t, "Polygon", "[[[0,89],[90,89],[180,89],[-90,89],[0,89]]]")
		covered(t, Cover(f, 0), llVec(0, 90), llVec(45, 89.5), llVec(-135, 89.2))
		covered(t, Cover(f, 50e3), llVec(0, 88.6), llVec(170, 88.6))
	})
	t.Run("a corridor over the antimeridian", func(t *testing.T) {
		f := mustFP(t, "LineString", "[[179.9,10],[-179.9,10.1]]")
		covered(t, Cover(f, 0), llVec(179.9, 10), llVec(180, 10.05), llVec(-179.9, 10.1))
		covered(t, Cover(f, 1000), dest(llVec(180, 10.05), 0, 999/R), dest(llVec(180, 10.05), math.Pi, 999/R))
	})
	t.Run("radii reaching round the Earth", func(t *testing.T) {
		f := mustFP(t, "Point", "[36,35]")
		for _, r := range []float64{5000e3, 15000e3, math.Pi*R - 7e3, math.Pi * R, 30000e3} {
			anti := llVec(-144, -35)
			pts := []r3.Vector{dest(llVec(36, 35), 1, (r-1)/R)}
			if r >= math.Pi*R {
				pts = append(pts, anti)
			}
			covered(t, Cover(f, r), pts...)
		}
	})
	t.Run("a MultiPolygon of distant parts with a hole", func(t *testing.T) {
		f := mustFP(t, "MultiPolygon", "[[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[0.4,0.4],[0.4,0.6],[0.6,0.6],[0.6,0.4],[0.4,0.4]]],"+
			"[[[40,40],[40.1,40],[40.1,40.1],[40,40],[40,40]]]]")
		covered(t, Cover(f, 0), llVec(0.2, 0.2), llVec(0.4, 0.5), llVec(40.05, 40.01))
		covered(t, Cover(f, 5000), llVec(0.5, 0.44), llVec(1.04, 0.5), llVec(40.05, 39.97))
	})
}
