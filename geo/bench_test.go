package geo

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/golang/geo/s1"

	"github.com/deconflict/deconflict"
)

// circleCoords returns a closed ring of n vertices at radiusDeg around
// (lon, lat), as GeoJSON coordinates of a Polygon.
func circleCoords(lon, lat, radiusDeg float64, n int) string {
	var sb strings.Builder
	sb.WriteString("[[")
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i%n) / float64(n)
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "[%.9f,%.9f]", lon+radiusDeg*math.Cos(a)/math.Cos(lat*math.Pi/180), lat+radiusDeg*math.Sin(a))
	}
	sb.WriteString("]]")
	return sb.String()
}

func benchVolumes(b testing.TB) (*Volume, *Volume) {
	t0 := time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
	poly := mustFP(b, "Polygon", circleCoords(36, 35, 0.5, 1000))
	// A corridor passing 0.3° east of the polygon: conflicts only through
	// the lateral minimum, so the edge search has to find the near edges.
	corr := mustFP(b, "LineString", "[[36.7,34.6],[36.7,35.4]]")
	a := &Volume{Footprint: corr, BufferM: 2000, AltLowerM: 5000, AltUpperM: 6000, Start: t0, End: t0.Add(time.Hour)}
	p := &Volume{Footprint: poly, BufferM: 0, AltLowerM: 0, AltUpperM: 10000, Start: t0, End: t0.Add(2 * time.Hour)}
	return a, p
}

func BenchmarkConflictsCorridorVsPolygon1000(b *testing.B) {
	a, p := benchVolumes(b)
	m := Minima{LateralM: 9260, VerticalM: 304.8}
	if !Conflicts(a, p, m) {
		b.Fatal("expected a conflict")
	}
	for b.Loop() {
		Conflicts(a, p, m)
	}
}

func BenchmarkDistanceCorridorVsPolygon1000(b *testing.B) {
	a, p := benchVolumes(b)
	for b.Loop() {
		Distance(a.Footprint, p.Footprint)
	}
}

func BenchmarkParseGeometryPolygon1000(b *testing.B) {
	g := deconflict.Geometry{Type: "Polygon", Coordinates: json.RawMessage(circleCoords(36, 35, 0.5, 1000))}
	for b.Loop() {
		if _, err := ParseGeometry(g, "g", 10000); err != nil {
			b.Fatal(err)
		}
	}
}

func mustFP(t testing.TB, typ, coords string) *Footprint {
	t.Helper()
	f, err := ParseGeometry(deconflict.Geometry{Type: typ, Coordinates: json.RawMessage(coords)}, "g", 10000)
	if err != nil {
		t.Fatalf("%s %s: %v", typ, coords, err)
	}
	return f
}

func BenchmarkCoverCorridor2km(b *testing.B) {
	f := mustFP(b, "LineString", "[[36.0,35.0],[36.4,35.3]]")
	for b.Loop() {
		Cover(f, 1000)
	}
}

func BenchmarkCoverPolygon500km(b *testing.B) {
	f := mustFP(b, "Polygon", circleCoords(36, 35, 2.25, 64))
	for b.Loop() {
		Cover(f, 9260)
	}
}

// The coverings one submission computes: a corridor widened by its buffer
// plus the lateral minimum, small and large airspaces, a detailed polygon.
var coverCases = []struct {
	name, typ, coords string
	radiusM           float64
}{
	{"Corridor48kmR1km", "LineString", "[[36.0,35.0],[36.4,35.3]]", 1000},
	{"Corridor30kmR11km", "LineString", "[[36.0,35.0],[36.15,35.1],[36.3,35.12],[36.32,35.2]]", 11260},
	{"Polygon30kmR10km", "Polygon", circleCoords(36, 35, 0.15, 10), 10000},
	{"Polygon500kmR0", "Polygon", circleCoords(36, 35, 2.25, 64), 0},
	{"Polygon500kmR9km", "Polygon", circleCoords(36, 35, 2.25, 64), 9260},
	{"Polygon1000R9km", "Polygon", circleCoords(36, 35, 0.5, 1000), 9260},
	{"PointR1km", "Point", "[36,35]", 1000},
}

func BenchmarkCover(b *testing.B) {
	for _, c := range coverCases {
		f := mustFP(b, c.typ, c.coords)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Cover(f, c.radiusM)
			}
		})
	}
}

func BenchmarkParseGeometry(b *testing.B) {
	for _, c := range []struct{ name, typ, coords string }{
		{"LineString5", "LineString", "[[36.0,35.0],[36.1,35.05],[36.2,35.1],[36.3,35.12],[36.32,35.2]]"},
		{"Polygon10", "Polygon", circleCoords(36, 35, 0.15, 10)},
		{"Polygon64", "Polygon", circleCoords(36, 35, 2.25, 64)},
	} {
		g := deconflict.Geometry{Type: c.typ, Coordinates: json.RawMessage(c.coords)}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ParseGeometry(g, "g", 10000); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDistanceSmall measures the exact distance between a 3-point
// corridor and a 12-vertex polygon 20 km apart — the common pair of the
// exchange — edge pair by edge pair (what Distance does for footprints this
// small) and through s2's edge query (what it does for large ones), in the
// same run.
func BenchmarkDistanceSmall(b *testing.B) {
	poly := mustFP(b, "Polygon", circleCoords(36, 35, 0.2, 12))
	corr := mustFP(b, "LineString", "[[36.45,34.8],[36.5,35.0],[36.45,35.2]]")
	b.Run("pairs", func(b *testing.B) {
		for b.Loop() {
			closestBoundaryPairs(corr, poly, s1.InfChordAngle(), true)
		}
	})
	b.Run("edge-query", func(b *testing.B) {
		for b.Loop() {
			closestBoundaryQuery(corr, poly, s1.InfChordAngle(), true)
		}
	})
}
