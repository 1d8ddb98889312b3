package geo

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
	"pgregory.net/rapid"

	"github.com/deconflict/deconflict"
)

// The property tests of small footprints, which keep no S2 shape index
// (smallEdges): they must answer every question exactly as the indexed
// footprint of the same geometry does.

// setShapes returns the shapes of a set as lists of chains, as newShapeSet
// takes them.
func setShapes(s *shapeSet) [][][]s2.Point {
	var out [][][]s2.Point
	for id := int32(0); ; id++ {
		sh := s.Shape(id)
		if sh == nil {
			return out
		}
		var chains [][]s2.Point
		for c := range sh.NumChains() {
			ch := sh.Chain(c)
			var pts []s2.Point
			for j := range ch.Length {
				pts = append(pts, sh.ChainEdge(c, j).V0)
			}
			if s.dim == 1 {
				pts = append(pts, sh.ChainEdge(c, ch.Length-1).V1)
			}
			chains = append(chains, pts)
		}
		out = append(out, chains)
	}
}

// indexed returns f with its shapes in an S2 shape index, as a large
// footprint keeps them.
func indexed(f *Footprint) *Footprint {
	g := *f
	g.index = newIndexedShapeSet(f.dim, setShapes(&f.index))
	return &g
}

// genSmallCentre draws a centre as genCenter does, or exactly at a pole.
func genSmallCentre(t *rapid.T, label string) r3.Vector {
	if rapid.IntRange(0, 7).Draw(t, label+"pole") == 0 {
		if rapid.Bool().Draw(t, label+"south") {
			return llVec(0, -90)
		}
		return llVec(0, 90)
	}
	return genCenter(t, label)
}

// genSmallPolygons draws a Polygon or MultiPolygon of at most smallEdges
// edges around c: 1 to 3 parts (which may overlap), star rings of 3 to 24
// vertices, some with a hole.
func genSmallPolygons(t *rapid.T, label string, c r3.Vector, rho float64) *gGeom {
	budget := smallEdges
	var parts [][][][2]float64
	nParts := rapid.IntRange(1, 3).Draw(t, label+"parts")
	for p := range nParts {
		if budget < 3 {
			break
		}
		cp := c
		if p > 0 {
			cp = dest(c, rapid.Float64Range(0, 2*math.Pi).Draw(t, label+"pb"), rapid.Float64Range(0, 2.5*rho).Draw(t, label+"pd"))
		}
		hole := budget >= 7 && rho > 100/deconflict.EarthRadiusM && rapid.Bool().Draw(t, label+"hole")
		lo, hi := 3, min(24, budget)
		if hole {
			// Gaps under 1.4 quarter circles keep the hole clear of the shell.
			lo, hi = 4, min(24, budget-3)
		}
		n := rapid.IntRange(lo, hi).Draw(t, label+"n")
		shell, minR := starRing(t, label+"shell", cp, n, 0.5*rho, rho, 0.4)
		budget -= n
		rings := [][][2]float64{shell}
		if hole {
			hn := rapid.IntRange(3, min(8, budget)).Draw(t, label+"hn")
			h, _ := starRing(t, label+"h", cp, hn, 0.18*minR, 0.3*minR, 0.3)
			budget -= hn
			rings = append(rings, h)
		}
		parts = append(parts, rings)
	}
	if len(parts) == 1 && rapid.Bool().Draw(t, label+"single") {
		return &gGeom{typ: TypePolygon, parts: parts}
	}
	return &gGeom{typ: TypeMultiPolygon, parts: parts}
}

// genSmallGeom draws any small footprint: one of genGeom's, or a polygon
// set of up to smallEdges edges.
func genSmallGeom(t *rapid.T, label string, c r3.Vector, rho float64) *gGeom {
	if rapid.Bool().Draw(t, label+"big") {
		return genSmallPolygons(t, label, c, rho)
	}
	return genGeom(t, label, c, rho)
}

// nudge moves p by about eps radians in a random direction.
func nudge(t *rapid.T, p s2.Point, eps float64) s2.Point {
	d := r3.Vector{
		X: rapid.Float64Range(-1, 1).Draw(t, "nx"),
		Y: rapid.Float64Range(-1, 1).Draw(t, "ny"),
		Z: rapid.Float64Range(-1, 1).Draw(t, "nz"),
	}
	return s2.Point{Vector: p.Add(d.Mul(eps)).Normalize()}
}

// TestSmallContainsMatchesS2: the crossing count over all edges of a small
// footprint says what s2.ContainsPointQuery on an index of the same shapes
// says, point by point, semi-open and closed, polygon by polygon: at the
// vertices, on and near the edges and their great circles, on the rays the
// count takes, around the poles and across the antimeridian.
func TestSmallContainsMatchesS2(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genSmallCentre(t, "c")
		rho := genRadius(t, "rho")
		g := genSmallPolygons(t, "g", c, rho)
		f := g.footprint(t)
		s := &f.index
		if s.isIndexed() {
			t.Fatalf("a footprint of %d edges keeps an index", f.numEdges)
		}
		index := indexed(f).index.indexed.index
		semi := s2.NewContainsPointQuery(index, s2.VertexModelSemiOpen)
		closed := s2.NewContainsPointQuery(index, s2.VertexModelClosed)

		anti := s2.Point{Vector: s.ref.Mul(-1)}
		pts := []s2.Point{s.ref, anti, {Vector: c}, {Vector: c.Mul(-1)},
			s2.PointFromCoords(0, 0, 1), s2.PointFromCoords(0, 0, -1)}
		for ed := range s.edges {
			v, w := ed.V0, ed.V1
			pts = append(pts, v, s2.Interpolate(0.5, v, w),
				s2.Interpolate(rapid.Float64Range(0, 1).Draw(t, "on"), v, w),
				// On the edge's great circle, off the edge.
				s2.Interpolate(rapid.Float64Range(-1, 2).Draw(t, "line"), v, w),
				// Near the vertex, at a few scales.
				nudge(t, v, math.Pow(10, -float64(rapid.IntRange(9, 15).Draw(t, "eps")))),
				// On the ray from the reference point through the vertex, past it.
				s2.Interpolate(1+rapid.Float64Range(0, 0.5).Draw(t, "ray"), s.ref, v))
		}
		for range 16 {
			pts = append(pts, s2.Point{Vector: dest(c, rapid.Float64Range(0, 2*math.Pi).Draw(t, "qb"), rapid.Float64Range(0, 3.5*rho).Draw(t, "qd"))})
		}
		for _, p := range pts {
			if got, want := s.contains(p), semi.Contains(p); got != want {
				t.Fatalf("contains(%v) = %v, s2 says %v\n%s", toLL(p.Vector), got, want, g)
			}
			if got, want := s.containsClosed(p), closed.Contains(p); got != want {
				t.Fatalf("containsClosed(%v) = %v, s2 says %v\n%s", toLL(p.Vector), got, want, g)
			}
			var want []int
			for i := range int(index.Len()) {
				in := semi.ShapeContains(index.Shape(int32(i)), p)
				if got := s.shapeContains(i, p); got != in {
					t.Fatalf("shapeContains(%d, %v) = %v, s2 says %v\n%s", i, toLL(p.Vector), got, in, g)
				}
				if in {
					want = append(want, i)
				}
			}
			var got []int
			s.eachContaining(p, func(i int) bool { got = append(got, i); return true })
			if !slices.Equal(got, want) {
				t.Fatalf("eachContaining(%v) = %v, s2 says %v\n%s", toLL(p.Vector), got, want, g)
			}
		}
	})
}

// TestSmallFootprintMatchesIndexed: distances, Within, coverings and the
// widened footprint of small footprints are what the same footprints give
// through an S2 shape index (the edge query, the indexed containment).
func TestSmallFootprintMatchesIndexed(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genSmallCentre(t, "a")
		rho := genRadius(t, "arho")
		ga := genSmallGeom(t, "a", c, rho)
		rhoB := genRadius(t, "brho")
		cb := dest(c, rapid.Float64Range(0, 2*math.Pi).Draw(t, "bb"), rapid.Float64Range(0, 3*(rho+rhoB)).Draw(t, "bd"))
		gb := genSmallGeom(t, "b", cb, rhoB)
		a, b := ga.footprint(t), gb.footprint(t)
		ai, bi := indexed(a), indexed(b)

		d := Distance(a, b)
		for _, di := range []float64{Distance(ai, bi), Distance(a, bi), Distance(bi, a)} {
			if math.Abs(d-di) > 1e-6 {
				t.Fatalf("Distance = %.9f m, through the index %.9f m\na = %s\nb = %s", d, di, ga, gb)
			}
		}
		if overlapsByContainment(a, b) != overlapsByContainment(ai, bi) {
			t.Fatalf("containment differs\na = %s\nb = %s", ga, gb)
		}
		l := rapid.Float64Range(0, 2).Draw(t, "limitFactor") * d
		if math.Abs(d-l) > 1e-4 {
			want := Within(ai, bi, l)
			if Within(a, b, l) != want || Within(b, ai, l) != want {
				t.Fatalf("Within(%g) differs from the index (%v), Distance = %.6f\na = %s\nb = %s", l, want, d, ga, gb)
			}
		}

		r := rapid.Float64Range(0, 3*rho*deconflict.EarthRadiusM).Draw(t, "radius")
		if got, want := Cover(a, r), Cover(ai, r); !slices.Equal(got, want) {
			t.Fatalf("Cover(%g) = %v, through the index %v\na = %s", r, got, want, ga)
		}

		w := rapid.Float64Range(0, 2*rho*deconflict.EarthRadiusM).Draw(t, "widen")
		ba, bai := NewBuffered(a, w), NewBuffered(ai, w)
		for range 8 {
			p := s2.Point{Vector: dest(c, rapid.Float64Range(0, 2*math.Pi).Draw(t, "pb"), rapid.Float64Range(0, 3*rho).Draw(t, "pd"))}
			q := s2.Point{Vector: dest(p.Vector, rapid.Float64Range(0, 2*math.Pi).Draw(t, "qb"), rapid.Float64Range(0, 3*rho).Draw(t, "qd"))}
			if ba.Contains(p) != bai.Contains(p) || ba.Clearance(p) != bai.Clearance(p) {
				t.Fatalf("Buffered(%g) at %v differs from the index\na = %s", w, toLL(p.Vector), ga)
			}
			f1, ok1 := ba.FirstEntry(p, q)
			f2, ok2 := bai.FirstEntry(p, q)
			if f1 != f2 || ok1 != ok2 {
				t.Fatalf("FirstEntry = %v %v, through the index %v %v\na = %s", f1, ok1, f2, ok2, ga)
			}
		}
	})
}

// TestPrunedPairsAreExact: passing over the edge pairs whose balls are
// apart changes nothing: the distance is bit for bit the least over all
// pairs, and the answer under a limit the same.
func TestPrunedPairsAreExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genSmallCentre(t, "a")
		rho := genRadius(t, "arho")
		ga := genSmallGeom(t, "a", c, rho)
		cb := dest(c, rapid.Float64Range(0, 2*math.Pi).Draw(t, "bb"), rapid.Float64Range(0, 4*rho).Draw(t, "bd"))
		gb := genSmallGeom(t, "b", cb, genRadius(t, "brho"))
		a, b := ga.footprint(t), gb.footprint(t)
		want := s1.InfChordAngle()
		for x := range a.index.edges {
			for y := range b.index.edges {
				want = edgePairDistance(x, y, want)
			}
		}
		if got, _ := closestBoundaryPairs(a, b, s1.InfChordAngle(), true); got != want {
			t.Fatalf("closestBoundaryPairs = %v, all pairs %v\na = %s\nb = %s", got, want, ga, gb)
		}
		limit := s1.ChordAngle(float64(want) * rapid.Float64Range(0, 2).Draw(t, "limit"))
		if limit == want {
			t.Skip("at the limit")
		}
		if _, got := closestBoundaryPairs(a, b, limit, false); got != (want < limit) {
			t.Fatalf("closestBoundaryPairs under %v = %v, least pair %v\na = %s\nb = %s", limit, got, want, ga, gb)
		}
		// Exact below the limit: the least pair itself when it is under.
		if got, ok := closestBoundaryPairs(a, b, limit, true); ok != (want < limit) || (ok && got != want) {
			t.Fatalf("closestBoundaryPairs exact under %v = %v, %v; least pair %v\na = %s\nb = %s", limit, got, ok, want, ga, gb)
		}
	})
}

// TestSmallNestingMatchesIndexed: the checks of where holes lie give the
// same faults from the rings of a small polygon set as from their S2 shape
// index: holes inside the shell, outside it, inside another hole, in one
// part or another.
func TestSmallNestingMatchesIndexed(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genSmallCentre(t, "c")
		rho := math.Max(genRadius(t, "rho"), 1e3/deconflict.EarthRadiusM)
		var faults deconflict.FieldErrors
		b := &builder{faults: &faults, base: "g"}
		var rings []*ring
		add := func(part, num int, pts [][2]float64) {
			pos := make([]position, len(pts))
			for i, p := range pts {
				pos[i] = position{p[0], p[1]}
			}
			rg := b.ring(pos, "r")
			if rg == nil {
				t.Fatalf("ring refused: %v", faults)
			}
			rg.part, rg.num = part, num
			rings = append(rings, rg)
		}
		nParts := rapid.IntRange(1, 2).Draw(t, "parts")
		budget := smallEdges - 8*nParts // for the holes
		for part := range nParts {
			cp := c
			if part > 0 {
				cp = dest(c, rapid.Float64Range(0, 2*math.Pi).Draw(t, "pb"), rapid.Float64Range(0, 3*rho).Draw(t, "pd"))
			}
			shell, _ := starRing(t, "shell", cp, 8, 0.8*rho, rho, 0.2)
			add(part, 0, shell)
			// Holes: around the centre (concentric ones nest), at other
			// bearings (apart), or out beyond the shell.
			for h := 1; budget >= 4 && rapid.IntRange(0, 2).Draw(t, "more") > 0; h++ {
				var at r3.Vector
				size := 0.05 * rho
				switch rapid.IntRange(0, 2).Draw(t, "where") {
				case 0:
					at, size = cp, rapid.Float64Range(0.05, 0.3).Draw(t, "r")*rho
				case 1:
					at = dest(cp, float64(h)*0.9, 0.55*rho)
				default:
					at = dest(cp, float64(h)*0.9, 2*rho)
				}
				hole, _ := starRing(t, "hole", at, 4, 0.9*size, size, 0)
				add(part, h, hole)
				budget -= 4
			}
		}
		if len(faults) > 0 {
			t.Fatalf("rings refused: %v", faults)
		}
		shapes := make([][][]s2.Point, len(rings))
		for i, rg := range rings {
			shapes[i] = [][]s2.Point{rg.pts}
		}
		if !b.checkCrossings(func() *s2.ShapeIndex { return nil }, rings) {
			t.Skip("rings touch")
		}
		small, big := newShapeSet(2, shapes), newIndexedShapeSet(2, shapes)
		if small.isIndexed() {
			t.Fatal("a small ring set keeps an index")
		}
		var fs, fi deconflict.FieldErrors
		okS := (&builder{faults: &fs, base: "g"}).checkNesting(&small, rings)
		okI := (&builder{faults: &fi, base: "g"}).checkNesting(&big, rings)
		if okS != okI || !reflect.DeepEqual(fs, fi) {
			t.Fatalf("faults %v (%v), through the index %v (%v)", fs, okS, fi, okI)
		}
	})
}

// TestFootprintConcurrentReads: footprints are shared read-only between
// goroutines, small ones (no index) and large ones (an index with pooled
// queries) alike; run under -race.
func TestFootprintConcurrentReads(t *testing.T) {
	small := mustFP(t, "Polygon", circleCoords(36, 35, 0.2, 12))
	large := mustFP(t, "Polygon", circleCoords(36.3, 35.1, 0.2, 200))
	corr := mustFP(t, "LineString", "[[35.5,34.8],[36.5,35.0],[36.45,35.4]]")
	if small.index.isIndexed() || !large.index.isIndexed() {
		t.Fatal("unexpected index choice")
	}
	want := []float64{Distance(small, large), Distance(corr, small), Distance(corr, large)}
	done := make(chan bool)
	for range 4 {
		go func() {
			ok := true
			for range 50 {
				got := []float64{Distance(small, large), Distance(corr, small), Distance(corr, large)}
				ok = ok && slices.Equal(got, want)
				Cover(small, 1000)
				Cover(large, 1000)
				for _, f := range []*Footprint{small, large} {
					b := NewBuffered(f, 500)
					ok = ok && b.Contains(s2.PointFromLatLng(f.bound.Center())) && !b.Contains(s2.PointFromLatLng(s2.LatLngFromDegrees(30, 30)))
				}
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Fatal("concurrent reads disagree")
		}
	}
}
