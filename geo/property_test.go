package geo

import (
	"math"
	"testing"
	"time"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s2"
	"pgregory.net/rapid"
)

// specTol is the error SPEC §3 allows: 0.5% of the distance or 1 m.
func specTol(d float64) float64 { return math.Max(0.005*d, 1) }

// TestDistanceMatchesOracle: the exact distance agrees with the brute-force
// oracle within the bound of SPEC §3, everywhere on Earth.
func TestDistanceMatchesOracle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ga, gb := genPair(t)
		a, b := ga.footprint(t), gb.footprint(t)
		lo, hi := oracleDistance(ga.oracle(), gb.oracle())
		for _, d := range []float64{Distance(a, b), Distance(b, a)} {
			if d < lo-specTol(hi) || d > hi+specTol(hi) {
				t.Fatalf("Distance = %.3f m, oracle says [%.3f, %.3f]\na = %s\nb = %s", d, lo, hi, ga, gb)
			}
		}
	})
}

// TestWithinAgreesWithDistance: Within(a, b, l) is "touch, or closer than l".
func TestWithinAgreesWithDistance(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ga, gb := genPair(t)
		a, b := ga.footprint(t), gb.footprint(t)
		d := Distance(a, b)
		l := rapid.Float64Range(0, 2).Draw(t, "limitFactor") * d
		if rapid.IntRange(0, 5).Draw(t, "zero") == 0 {
			l = 0
		}
		if math.Abs(d-l) < 1e-6*math.Max(l, 1) {
			t.Skip("on the boundary")
		}
		want := d == 0 || d < l
		if got := Within(a, b, l); got != want {
			t.Fatalf("Within(%g) = %v, Distance = %.6f\na = %s\nb = %s", l, got, d, ga, gb)
		}
		if got := Within(b, a, l); got != want {
			t.Fatalf("Within(b, a, %g) = %v, Distance = %.6f", l, got, d)
		}
		// DistanceWithin: the same answer, with the distance when within.
		for _, p := range [][2]*Footprint{{a, b}, {b, a}} {
			if dd, got := DistanceWithin(p[0], p[1], l); got != want || (got && dd != d) {
				t.Fatalf("DistanceWithin(%g) = %v, %v; Distance = %.6f\na = %s\nb = %s", l, dd, got, d, ga, gb)
			}
		}
	})
}

// TestConflictsAgreesWithDefinition checks the predicate against SPEC §3
// spelt out on its own terms.
func TestConflictsAgreesWithDefinition(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	rapid.Check(t, func(t *rapid.T) {
		ga, gb := genPair(t)
		vol := func(g *gGeom, label string) *Volume {
			start := t0.Add(time.Duration(rapid.IntRange(0, 240).Draw(t, label+"start")) * time.Minute)
			lower := float64(rapid.IntRange(0, 100).Draw(t, label+"lower")) * 100
			return &Volume{
				Footprint: g.footprint(t),
				BufferM:   float64(rapid.IntRange(0, 5000).Draw(t, label+"buf")),
				AltLowerM: lower,
				AltUpperM: lower + float64(rapid.IntRange(0, 3000).Draw(t, label+"height")),
				Start:     start,
				End:       start.Add(time.Duration(rapid.IntRange(1, 120).Draw(t, label+"len")) * time.Minute),
			}
		}
		a, b := vol(ga, "a"), vol(gb, "b")
		m := Minima{
			LateralM:   float64(rapid.IntRange(0, 10000).Draw(t, "H")),
			VerticalM:  float64(rapid.IntRange(0, 600).Draw(t, "V")),
			TimeBuffer: time.Duration(rapid.IntRange(0, 30).Draw(t, "T")) * time.Minute,
		}
		d := Distance(a.Footprint, b.Footprint)
		reach := a.BufferM + b.BufferM + m.LateralM
		if math.Abs(d-reach) < 1e-6*math.Max(reach, 1) {
			t.Skip("on the boundary")
		}
		timeOK := a.Start.Add(-m.TimeBuffer).Before(b.End) && b.Start.Before(a.End.Add(m.TimeBuffer))
		gap := math.Max(a.AltLowerM-b.AltUpperM, b.AltLowerM-a.AltUpperM)
		vertOK := gap <= 0 || gap < m.VerticalM
		latOK := d == 0 || d < reach
		want := timeOK && vertOK && latOK
		if got := Conflicts(a, b, m); got != want {
			t.Fatalf("Conflicts = %v, want %v (time %v, vertical %v, lateral %v: d=%.1f reach=%.1f)", got, want, timeOK, vertOK, latOK, d, reach)
		}
		if dd, got := ConflictDistance(a, b, m); got != want || (got && dd != d) {
			t.Fatalf("ConflictDistance = %v, %v; want %v with distance %v", dd, got, want, d)
		}
		if want {
			w, dd, region := Detail(a, b, m)
			if !w.Start.Before(w.End) {
				t.Fatalf("empty window %v", w)
			}
			if dd != d {
				t.Fatalf("Detail distance %v != Distance %v", dd, d)
			}
			if region[1] > region[3] {
				t.Fatalf("region %v", region)
			}
		}
	})
}

// TestCoverContainsWidenedFootprint: every point within the radius of the
// footprint lies in the covering (points drawn on the footprint, then moved
// up to the radius in any direction).
func TestCoverContainsWidenedFootprint(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genCenter(t, "c")
		rho := genRadius(t, "rho")
		g := genGeom(t, "g", c, rho)
		f := g.footprint(t)
		radiusM := 0.0
		switch rapid.IntRange(0, 9).Draw(t, "zero") {
		case 0, 1:
		case 2: // up to past the antipode
			radiusM = math.Exp(rapid.Float64Range(math.Log(50e3), math.Log(21000e3)).Draw(t, "radius"))
		default:
			radiusM = math.Exp(rapid.Float64Range(0, math.Log(50e3)).Draw(t, "radius"))
		}
		cu := s2.CellUnion(Cover(f, radiusM))
		if len(cu) == 0 || len(cu) > CoverMaxCells || !cu.IsNormalized() {
			t.Fatalf("%d cells, normalised %v: %v", len(cu), cu.IsNormalized(), cu)
		}
		o := g.oracle()
		var on []r3.Vector
		for _, e := range o.edges() {
			for range 4 {
				on = append(on, slerp(e[0], e[1], rapid.Float64Range(0, 1).Draw(t, "t")))
			}
			on = append(on, e[0])
		}
		if o.dim == 2 {
			on = append(on, c)
			// Interior points: a coarse filter may not miss them either.
			for range 8 {
				q := dest(c, rapid.Float64Range(0, 2*math.Pi).Draw(t, "ib"), rapid.Float64Range(0, 1).Draw(t, "id")*rho*1.2)
				if o.contains(q) {
					on = append(on, q)
				}
			}
		}
		for _, p := range on {
			d := rapid.Float64Range(0, 1).Draw(t, "f") * radiusM / 6371008.8
			if rapid.IntRange(0, 3).Draw(t, "edge") == 0 {
				d = radiusM / 6371008.8
			}
			q := dest(p, rapid.Float64Range(0, 2*math.Pi).Draw(t, "bearing"), d)
			if o.dim == 2 && len(o.parts[0]) > 1 && p == c && !o.contains(q) {
				continue // the centre of a holed polygon is in the hole
			}
			if !cu.ContainsPoint(s2.Point{Vector: q}) {
				t.Fatalf("point %v at %.3f m from the footprint is not covered (radius %.1f m, %d cells)\n%s", toLL(q), d*6371008.8, radiusM, len(cu), g)
			}
		}
	})
}
