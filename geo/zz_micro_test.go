package geo

import (
	"testing"

	"github.com/golang/geo/s2"
)

var sinkF float64
var sinkB bool

func BenchmarkMicro(b *testing.B) {
	a := s2.PointFromLatLng(s2.LatLngFromDegrees(35, 36))
	c := s2.PointFromLatLng(s2.LatLngFromDegrees(35.3, 36.4))
	id := s2.CellIDFromLatLng(s2.LatLngFromDegrees(35.1, 36.25)).Parent(11)
	cell := s2.CellFromCellID(id)
	b.Run("CellFromCellID", func(b *testing.B) {
		for b.Loop() {
			cell = s2.CellFromCellID(id)
		}
	})
	b.Run("CapBound", func(b *testing.B) {
		for b.Loop() {
			sinkF = float64(cell.CapBound().Radius())
		}
	})
	b.Run("Center", func(b *testing.B) {
		for b.Loop() {
			sinkF = cell.Center().X
		}
	})
	b.Run("DistanceToEdge", func(b *testing.B) {
		for b.Loop() {
			sinkF = float64(cell.DistanceToEdge(a, c))
		}
	})
	p := cell.Center()
	b.Run("DistanceFromSegment", func(b *testing.B) {
		for b.Loop() {
			sinkF = float64(s2.DistanceFromSegment(p, a, c))
		}
	})
	b.Run("AllNeighbors", func(b *testing.B) {
		for b.Loop() {
			sinkF = float64(len(id.AllNeighbors(11)))
		}
	})
	f := mustFP(b, "Polygon", circleCoords(36, 35, 2.25, 64))
	q := s2.NewContainsPointQuery(f.index, s2.VertexModelSemiOpen)
	b.Run("ContainsPointQuery", func(b *testing.B) {
		for b.Loop() {
			sinkB = q.Contains(p)
		}
	})
	b.Run("NewContainsPointQuery+Contains", func(b *testing.B) {
		for b.Loop() {
			sinkB = s2.NewContainsPointQuery(f.index, s2.VertexModelSemiOpen).Contains(p)
		}
	})
}
