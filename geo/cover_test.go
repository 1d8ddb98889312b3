package geo

import (
	"math"
	"testing"

	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// coveredAreaM2 is the area of a covering in square metres.
func coveredAreaM2(cells []s2.CellID) float64 {
	a := 0.0
	for _, c := range cells {
		a += s2.CellFromCellID(c).ExactArea()
	}
	return a * deconflict.EarthRadiusM * deconflict.EarthRadiusM
}

// TestCoverIsTight: coverings fit the footprint's size, with few cells and
// little area beyond the widened footprint, from a 2 km corridor to a
// 500 km airspace.
func TestCoverIsTight(t *testing.T) {
	R := deconflict.EarthRadiusM
	cases := []struct {
		name     string
		f        *Footprint
		radiusM  float64
		widened  float64 // area of the widened footprint, m²
		maxRatio float64
	}{
		{"2 km wide corridor, 48 km long", mustFP(t, "LineString", "[[36.0,35.0],[36.4,35.3]]"), 1000,
			0, 4},
		{"2 km wide corridor over the antimeridian", mustFP(t, "LineString", "[[179.8,-0.1],[-179.8,0.1]]"), 1000,
			0, 4},
		{"500 km airspace", mustFP(t, "Polygon", circleCoords(36, 35, 2.25, 64)), 0, 0, 4},
		{"500 km airspace widened by 9.26 km", mustFP(t, "Polygon", circleCoords(36, 35, 2.25, 64)), 9260, 0, 4},
		{"circle of 1 km", mustFP(t, "Point", "[36,35]"), 1000, math.Pi * 1000 * 1000, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			widened := c.widened
			if widened == 0 {
				// Length times width plus the round ends for a line; area plus
				// perimeter times radius plus a disc for a polygon.
				var length, area float64
				sh := c.f.index.Shape(0)
				for e := range sh.NumEdges() {
					ed := sh.Edge(e)
					length += ed.V0.Distance(ed.V1).Radians() * R
				}
				if c.f.dim == 2 {
					area = s2.LoopFromPoints(loopPoints(sh)).Area() * R * R
					widened = area + length*c.radiusM + math.Pi*c.radiusM*c.radiusM
				} else {
					widened = 2*length*c.radiusM + math.Pi*c.radiusM*c.radiusM
				}
			}
			cells := Cover(c.f, c.radiusM)
			ratio := coveredAreaM2(cells) / widened
			minL, maxL := 30, 0
			for _, id := range cells {
				minL, maxL = min(minL, id.Level()), max(maxL, id.Level())
			}
			t.Logf("%d cells, levels %d-%d, covered area %.2f x the widened footprint", len(cells), minL, maxL, ratio)
			if len(cells) > CoverMaxCells || ratio > c.maxRatio {
				t.Fatalf("covering too loose: %d cells, %.2f x", len(cells), ratio)
			}
		})
	}
}

func loopPoints(sh s2.Shape) []s2.Point {
	var pts []s2.Point
	for e := range sh.NumEdges() {
		pts = append(pts, sh.Edge(e).V0)
	}
	return pts
}

// TestCoverRect covers a bounding box, also across the antimeridian.
func TestCoverRect(t *testing.T) {
	for _, r := range []s2.Rect{
		s2.RectFromLatLng(s2.LatLngFromDegrees(35, 36)).AddPoint(s2.LatLngFromDegrees(36, 37)),
		expandRect(mustFP(t, "LineString", "[[179.5,0],[-179.5,0]]").Bounds(), MetresToAngle(1000)),
	} {
		cu := s2.CellUnion(CoverRect(r))
		if len(cu) == 0 || len(cu) > CoverMaxCells {
			t.Fatalf("%d cells", len(cu))
		}
		for i := range 4 {
			if !cu.ContainsPoint(s2.PointFromLatLng(r.Vertex(i))) {
				t.Fatalf("corner %v not covered", r.Vertex(i))
			}
		}
	}
}
