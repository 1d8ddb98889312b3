package geo

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

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
