package geo

import (
	"math"
	"testing"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s2"
	"pgregory.net/rapid"

	"github.com/deconflict/deconflict"
)

// arcFP compiles the great-circle arc from a to b as a footprint: a
// LineString, or a Point when the ends coincide in degrees.
func arcFP(t interface{ Fatalf(string, ...any) }, a, b r3.Vector) *Footprint {
	pa, pb := toLL(a), toLL(b)
	g := &gGeom{typ: TypeLineString, line: [][2]float64{pa, pb}}
	if toPoint(position{pa[0], pa[1]}) == toPoint(position{pb[0], pb[1]}) {
		g = &gGeom{typ: TypePoint, line: [][2]float64{pa}}
	}
	return g.footprint(t)
}

// along is the point at fraction f of the arc from a to b.
func along(a, b r3.Vector, f float64) r3.Vector {
	th := ang(a, b)
	if th == 0 {
		return a
	}
	u := a.Cross(b).Cross(a).Normalize()
	return a.Mul(math.Cos(f * th)).Add(u.Mul(math.Sin(f * th))).Normalize()
}

// genArcNear draws an arc starting near c (within reach) in any direction.
func genArcNear(t *rapid.T, c r3.Vector, reach float64) (r3.Vector, r3.Vector) {
	a := dest(c, rapid.Float64Range(0, 2*math.Pi).Draw(t, "ab"), rapid.Float64Range(0, reach).Draw(t, "ad"))
	l := rapid.Float64Range(0, 2*reach).Draw(t, "len")
	if rapid.IntRange(0, 6).Draw(t, "still") == 0 {
		l = 0
	}
	return a, dest(a, rapid.Float64Range(0, 2*math.Pi).Draw(t, "bb"), math.Min(l, 2.5))
}

// TestBufferedContainsMatchesDistance: a point is in the widened footprint
// exactly when the exact distance of S2 says it is within the widening.
func TestBufferedContainsMatchesDistance(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genCenter(t, "c")
		rho := genRadius(t, "rho")
		g := genGeom(t, "f", c, rho)
		f := g.footprint(t)
		widen := rapid.Float64Range(0, 3*rho*deconflict.EarthRadiusM).Draw(t, "widen")
		b := NewBuffered(f, widen)
		p := dest(c, rapid.Float64Range(0, 2*math.Pi).Draw(t, "pb"), rapid.Float64Range(0, 4*rho+widen/deconflict.EarthRadiusM).Draw(t, "pd"))
		d := Distance(arcFP(t, p, p), f)
		if math.Abs(d-widen) < 1e-3 {
			t.Skip("on the boundary")
		}
		want := d <= math.Max(widen, ContactM)
		if got := b.Contains(s2.Point{Vector: p}); got != want {
			t.Fatalf("Contains = %v, distance %.4f m, widen %.4f m\nf = %s\np = %v", got, d, widen, g, toLL(p))
		}
		if got := b.Near(s2.Point{Vector: p}, 1000); got != (d <= math.Max(widen, ContactM)+1000) && math.Abs(d-widen-1000) > 1e-3 {
			t.Fatalf("Near(1 km) = %v, distance %.4f m, widen %.4f m", got, d, widen)
		}
		if c := b.Clearance(s2.Point{Vector: p}); math.Abs(c-math.Max(0, d-math.Max(widen, ContactM))) > 1e-3+1e-9*d {
			t.Fatalf("Clearance = %.4f m, distance %.4f m, widen %.4f m\nf = %s\np = %v", c, d, widen, g, toLL(p))
		}
		if got := b.CapBound().ContainsPoint(s2.Point{Vector: p}); want && !got {
			t.Fatalf("CapBound misses a point within the widening")
		}
	})
}

// TestFirstEntryIsFirst checks FirstEntry against S2's exact distance with
// no knowledge of how it is computed: the arc comes within the widening at
// all exactly when FirstEntry says so, the point it names is within the
// widening, and the arc before it stays outside.
func TestFirstEntryIsFirst(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genCenter(t, "c")
		rho := genRadius(t, "rho")
		g := genGeom(t, "f", c, rho)
		f := g.footprint(t)
		widen := rapid.Float64Range(0, 2*rho*deconflict.EarthRadiusM).Draw(t, "widen")
		if rapid.IntRange(0, 3).Draw(t, "zero") == 0 {
			widen = 0
		}
		wEff := math.Max(widen, ContactM)
		b := NewBuffered(f, widen)
		a, e := genArcNear(t, c, 3*rho+widen/deconflict.EarthRadiusM)
		lenM := ang(a, e) * deconflict.EarthRadiusM
		frac, ok := b.FirstEntry(s2.Point{Vector: a}, s2.Point{Vector: e})
		dAll := Distance(arcFP(t, a, e), f)
		// Near the widening, the comparison is with floating-point noise.
		const tol = 1e-3
		if math.Abs(dAll-wEff) < tol {
			t.Skip("grazes the boundary")
		}
		if ok != (dAll <= wEff) {
			t.Fatalf("FirstEntry ok = %v, but the arc's distance is %.4f m (widen %.4f m)\nf = %s\narc %v -> %v", ok, dAll, widen, g, toLL(a), toLL(e))
		}
		if !ok {
			return
		}
		if frac < 0 || frac > 1 {
			t.Fatalf("fraction %v outside [0, 1]", frac)
		}
		q := along(a, e, frac)
		if d := Distance(arcFP(t, q, q), f); d > wEff+tol {
			t.Fatalf("the entry point at %.6f of %.1f m is %.4f m from the footprint, widen %.4f\nf = %s\narc %v -> %v", frac, lenM, d, widen, g, toLL(a), toLL(e))
		}
		// Before it, the arc stays out (a millimetre of slack for rounding).
		if back := frac - 1e-3/math.Max(lenM, 1e-3); back > 0 {
			if d := Distance(arcFP(t, a, along(a, e, back)), f); d < wEff-tol {
				t.Fatalf("the arc before the entry at %.6f of %.1f m comes %.4f m from the footprint, widen %.4f\nf = %s\narc %v -> %v", frac, lenM, d, widen, g, toLL(a), toLL(e))
			}
		}
	})
}

// TestFirstEntryKnownCases pins worked examples: a square of 1° at the
// equator, one across the antimeridian and a cap around the pole.
func TestFirstEntryKnownCases(t *testing.T) {
	pt := func(lon, lat float64) s2.Point { return s2.PointFromLatLng(s2.LatLngFromDegrees(lat, lon)) }
	deg := deconflict.EarthRadiusM * math.Pi / 180
	cases := []struct {
		name      string
		typ, geom string
		widen     float64
		a, b      s2.Point
		ok        bool
		frac      float64 // of the arc
		tolM      float64
	}{
		{"equator square, widened 0, from the west", "Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]", 0,
			pt(-1, 0.5), pt(2, 0.5), true, 1.0 / 3, 1},
		{"widened by 0.1°", "Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]", 0.1 * deg,
			pt(-1, 0.5), pt(2, 0.5), true, 0.9 / 3, 2},
		{"passing north, 0.2° clear of a 0.1° widening", "Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]", 0.1 * deg,
			pt(-1, 1.3), pt(2, 1.3), false, 0, 0},
		{"starting inside", "Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]", 0,
			pt(0.5, 0.5), pt(2, 0.5), true, 0, 0},
		{"across the antimeridian, eastbound", "Polygon", "[[[179,-1],[-179,-1],[-179,1],[179,1],[179,-1]]]", 0,
			pt(178, 0), pt(-178, 0), true, 0.25, 1},
		{"cap around the north pole, from lat 80 over the pole", "Polygon", "[[[0,85],[90,85],[180,85],[-90,85],[0,85]]]", 0,
			pt(45, 80), pt(-135, 80), true, 0, 0},
		{"point with a 10 km buffer, head on", "Point", "[10,50]", 10000,
			pt(10, 49), pt(10, 51), true, (1*deg - 10000) / (2 * deg), 1},
		{"corridor crossed at right angles", "LineString", "[[5,-1],[5,1]]", 5000,
			pt(4, 0), pt(6, 0), true, (1*deg - 5000) / (2 * deg), 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustFP(t, c.typ, c.geom)
			b := NewBuffered(f, c.widen)
			frac, ok := b.FirstEntry(c.a, c.b)
			if ok != c.ok {
				t.Fatalf("ok = %v, want %v", ok, c.ok)
			}
			if c.name == "cap around the north pole, from lat 80 over the pole" {
				// The ring's edges are great circles, which bulge poleward:
				// on meridian 45, between the corners at longitudes 0 and 90,
				// the edge is at latitude atan(tan 85° / cos 45°), not 85°.
				edgeLat := math.Atan(math.Tan(85*math.Pi/180)/math.Cos(math.Pi/4)) * 180 / math.Pi
				if want := (edgeLat - 80) / 20; math.Abs(frac-want)*20*deg > 1 {
					t.Fatalf("frac = %.9f, want %.9f (entry at latitude %.4f)", frac, want, edgeLat)
				}
				return
			}
			arcM := c.a.Angle(c.b.Vector).Radians() * deconflict.EarthRadiusM
			if math.Abs(frac-c.frac)*arcM > c.tolM+1e-6 {
				t.Fatalf("frac = %.9f (%.2f m), want %.9f (%.2f m)", frac, frac*arcM, c.frac, c.frac*arcM)
			}
		})
	}
}

// BenchmarkFirstEntry measures the zone-entry question of the live picture
// on a path of a look-ahead's length.
func BenchmarkFirstEntry(b *testing.B) {
	poly := NewBuffered(mustFP(b, "Polygon", circleCoords(36, 35, 0.5, 1000)), 2000)
	circle := NewBuffered(mustFP(b, "Polygon", circleCoords(36, 35, 0.25, 64)), 0)
	pt := func(lon, lat float64) s2.Point { return s2.PointFromLatLng(s2.LatLngFromDegrees(lat, lon)) }
	for _, c := range []struct {
		name string
		b    *Buffered
		a, e s2.Point
	}{
		// A circle of 0.5° (1,000 vertices, widened 2 km) and one of 0.25°
		// (64 vertices) around (36°E, 35°N); paths of about 30 km.
		{"Polygon1000Crossing", poly, pt(36.75, 35.0), pt(36.45, 35.05)},
		{"Polygon1000Outside", poly, pt(37.0, 35.0), pt(37.3, 35.1)},
		{"Polygon1000Inside", poly, pt(36.0, 35.0), pt(36.3, 35.1)},
		{"Circle64Crossing", circle, pt(36.4, 35.0), pt(36.1, 35.05)},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.b.FirstEntry(c.a, c.e)
			}
		})
	}
}
