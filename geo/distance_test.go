package geo

import (
	"math"
	"testing"
	"time"
)

// TestDistanceHandComputed: cases worked out by hand at R = 6,371,008.8 m
// (1° of great circle = 111,195.08 m).
func TestDistanceHandComputed(t *testing.T) {
	const deg = 111195.0802335329
	holed := "[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[3,1],[3,3],[1,3],[1,1]]]"
	cases := []struct {
		name       string
		ta, ca     string
		tb, cb     string
		want, tolM float64
	}{
		{"two points on the equator 1° apart", "Point", "[0,0]", "Point", "[1,0]", deg, 0.01},
		{"across the antimeridian", "Point", "[179.9,0]", "Point", "[-179.9,0]", 0.2 * deg, 0.01},
		{"over the north pole", "Point", "[0,89]", "Point", "[180,89]", 2 * deg, 0.01},
		{"point inside a polygon", "Point", "[0.5,0.5]", "Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]", 0, 0},
		{"point in a hole, 1° from its edges", "Point", "[2,2]", "Polygon", holed, 1 * deg, 0.5 * deg * 0.01},
		{"polygon inside a polygon", "Polygon", "[[[1.5,1.5],[2.5,1.5],[2.5,2.5],[1.5,2.5],[1.5,1.5]]]", "Polygon", "[[[0,0],[5,0],[5,5],[0,5],[0,0]]]", 0, 0},
		{"polygons sharing an edge", "Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]", "Polygon", "[[[1,0],[2,0],[2,1],[1,1],[1,0]]]", 0, 0},
		{"line crossing a polygon", "LineString", "[[-1,0.5],[2,0.5]]", "Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]", 0, 0},
		{"meridian line to a point 1° east", "LineString", "[[0,-1],[0,1]]", "Point", "[1,0]", deg, 0.01},
		// The ring's edges are great circles, bowing towards the pole: halfway
		// between longitudes 0 and 90 the edge is at atan(tan 80° / cos 45°).
		{"ring around the pole to a point below an edge", "Polygon", "[[[0,80],[90,80],[180,80],[-90,80],[0,80]]]", "Point", "[45,70]",
			(math.Atan(math.Tan(80*math.Pi/180)/math.Cos(45*math.Pi/180))*180/math.Pi - 70) * deg, 0.01},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := mustFP(t, c.ta, c.ca), mustFP(t, c.tb, c.cb)
			for _, d := range []float64{Distance(a, b), Distance(b, a)} {
				if math.Abs(d-c.want) > c.tolM {
					t.Fatalf("distance %.3f m, want %.3f ± %.3f", d, c.want, c.tolM)
				}
			}
		})
	}
}

// TestCorridorBetweenPolygons: a corridor flown between two zones is at the
// gap from each, and conflicts only when its reach covers the gap.
func TestCorridorBetweenPolygons(t *testing.T) {
	west := mustFP(t, "Polygon", "[[[35.0,35.0],[35.9,35.0],[35.9,36.0],[35.0,36.0],[35.0,35.0]]]")
	east := mustFP(t, "Polygon", "[[[36.1,35.0],[37.0,35.0],[37.0,36.0],[36.1,36.0],[36.1,35.0]]]")
	corridor := mustFP(t, "LineString", "[[36.0,34.5],[36.0,36.5]]")
	// Two meridians 0.1° apart are asin(sin 0.1° cos φ) apart at latitude φ:
	// closest at the polygons' upper latitude (36°).
	want := math.Asin(math.Sin(0.1*math.Pi/180)*math.Cos(36*math.Pi/180)) * 6371008.8
	for _, p := range []*Footprint{west, east} {
		if d := Distance(corridor, p); math.Abs(d-want) > 0.01 {
			t.Fatalf("gap %.1f m, want about %.1f", d, want)
		}
	}
	t0 := time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
	v := func(f *Footprint, buf float64) *Volume {
		return &Volume{Footprint: f, BufferM: buf, AltLowerM: 0, AltUpperM: 1000, Start: t0, End: t0.Add(time.Hour)}
	}
	zone := Minima{}
	if Conflicts(v(corridor, 8000), v(west, 0), zone) {
		t.Fatal("an 8 km buffer reaches across a 9.0 km gap")
	}
	if !Conflicts(v(corridor, 9200), v(east, 0), zone) {
		t.Fatal("a 9.2 km buffer does not reach across a 9.0 km gap")
	}
}

// TestPredicateEdges: back-to-back windows, the time buffer, altitude gaps
// and touching at a distance of exactly zero with no minima.
func TestPredicateEdges(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	sq := mustFP(t, "Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]")
	touching := mustFP(t, "Polygon", "[[[1,0],[2,0],[2,1],[1,1],[1,0]]]")
	vol := func(f *Footprint, from, to time.Duration, lo, hi float64) *Volume {
		return &Volume{Footprint: f, AltLowerM: lo, AltUpperM: hi, Start: t0.Add(from), End: t0.Add(to)}
	}
	h := time.Hour
	ops := Minima{LateralM: 9260, VerticalM: 304.8}
	cases := []struct {
		name string
		a, b *Volume
		m    Minima
		want bool
	}{
		{"back to back", vol(sq, 0, h, 0, 1000), vol(sq, h, 2*h, 0, 1000), ops, false},
		{"back to back, time buffer 1 s", vol(sq, 0, h, 0, 1000), vol(sq, h, 2*h, 0, 1000), Minima{TimeBuffer: time.Second}, true},
		{"bands touching", vol(sq, 0, h, 0, 1000), vol(sq, 0, h, 1000, 2000), Minima{}, true},
		{"gap under V", vol(sq, 0, h, 0, 1000), vol(sq, 0, h, 1300, 2000), ops, true},
		{"gap of exactly V", vol(sq, 0, h, 0, 1000), vol(sq, 0, h, 1300, 2000), Minima{LateralM: 9260, VerticalM: 300}, false},
		{"zone touching, H = 0", vol(touching, 0, h, 0, 1000), vol(sq, 0, h, 0, 1000), Minima{}, true},
	}
	for _, c := range cases {
		if got := Conflicts(c.a, c.b, c.m); got != c.want {
			t.Errorf("%s: Conflicts = %v, want %v", c.name, got, c.want)
		}
	}
	w, d, region := Detail(vol(touching, 0, h, 0, 1000), vol(sq, 30*time.Minute, 3*h, 0, 1000), Minima{TimeBuffer: 5 * time.Minute})
	if !w.Start.Equal(t0.Add(30*time.Minute)) || !w.End.Equal(t0.Add(h+5*time.Minute)) || d != 0 {
		t.Fatalf("window %v, distance %v", w, d)
	}
	if region[0] > 1+1e-9 || region[2] < 1-1e-9 || region[1] > 1e-9 || region[3] < 1-1e-9 {
		t.Fatalf("region %v does not hold the shared edge", region)
	}
}

// TestDetailRegionAcrossAntimeridian: west > east when the region crosses it.
func TestDetailRegionAcrossAntimeridian(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	a := &Volume{Footprint: mustFP(t, "LineString", "[[179.5,0],[-179.5,0]]"), Start: t0, End: t0.Add(time.Hour), AltUpperM: 100}
	b := &Volume{Footprint: mustFP(t, "Polygon", "[[[179.8,-1],[-179.8,-1],[-179.8,1],[179.8,1],[179.8,-1]]]"), Start: t0, End: t0.Add(time.Hour), AltUpperM: 100}
	if !Conflicts(a, b, Minima{}) {
		t.Fatal("no conflict")
	}
	_, _, r := Detail(a, b, Minima{})
	if !(r[0] > r[2]) || r[0] < 179.7 || r[2] > -179.7 {
		t.Fatalf("region %v", r)
	}
}
