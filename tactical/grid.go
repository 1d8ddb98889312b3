package tactical

import (
	"math"

	"github.com/golang/geo/r1"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
)

// bands divides the sphere into cells about h radians on a side: bands of
// latitude of height h, each cut into as many equal columns of longitude as
// fit at its poleward edge. The bands touching a pole are one cell each, and
// column indices wrap at the antimeridian, so neither needs a special case.
type bands struct {
	h    float64
	cols []int32
}

func newBands(h float64) *bands {
	n := max(int(math.Ceil(math.Pi/h)), 1)
	h = math.Pi / float64(n)
	g := &bands{h: h, cols: make([]int32, n)}
	for i := range n {
		lo := -math.Pi/2 + float64(i)*h
		edge := math.Max(math.Abs(lo), math.Abs(lo+h))
		c := int(math.Floor(2 * math.Pi * math.Cos(edge) / h))
		g.cols[i] = int32(max(c, 1))
	}
	return g
}

func (g *bands) band(lat float64) int {
	i := int(math.Floor((lat + math.Pi/2) / g.h))
	return min(max(i, 0), len(g.cols)-1)
}

func (g *bands) col(i int, lng float64) int {
	c := int(g.cols[i])
	j := int(math.Floor((lng + math.Pi) / (2 * math.Pi) * float64(c)))
	return ((j % c) + c) % c
}

// cell returns the band and column of a point.
func (g *bands) cell(p s2.Point) (int, int) {
	ll := s2.LatLngFromPoint(p)
	i := g.band(ll.Lat.Radians())
	return i, g.col(i, ll.Lng.Radians())
}

// near calls fn for every cell that may hold a point within angle r of c:
// the cells of the latitude-longitude rectangle around the cap, whose
// longitude half-width asin(sin r / cos φ) is taken at the latitude nearest
// a pole, and the whole circle once the cap reaches a pole.
func (g *bands) near(c s2.Point, r float64, fn func(i, j int)) {
	r += 1e-9 // a few millimetres, so that rounding never drops a cell
	ll := s2.LatLngFromPoint(c)
	lat, lng := ll.Lat.Radians(), ll.Lng.Radians()
	lo, hi := lat-r, lat+r
	full := lo <= -math.Pi/2 || hi >= math.Pi/2 || r >= math.Pi/2
	dl := 0.0
	if !full {
		s := math.Sin(r) / math.Cos(math.Max(math.Abs(lo), math.Abs(hi)))
		if s >= 1 {
			full = true
		} else {
			dl = math.Asin(s)
		}
	}
	for i := g.band(lo); i <= g.band(hi); i++ {
		nc := int(g.cols[i])
		w := 2 * math.Pi / float64(nc)
		j0 := int(math.Floor((lng - dl + math.Pi) / w))
		j1 := int(math.Floor((lng + dl + math.Pi) / w))
		if full || j1-j0+1 >= nc {
			for j := range nc {
				fn(i, j)
			}
			continue
		}
		for j := j0; j <= j1; j++ {
			fn(i, ((j%nc)+nc)%nc)
		}
	}
}

// rect returns the latitude-longitude rectangle of a cell.
func (g *bands) rect(i, j int) s2.Rect {
	lo := -math.Pi/2 + float64(i)*g.h
	w := 2 * math.Pi / float64(g.cols[i])
	west := -math.Pi + float64(j)*w
	return s2.Rect{
		Lat: r1.Interval{Lo: lo, Hi: math.Min(lo+g.h, math.Pi/2)},
		Lng: s1.IntervalFromEndpoints(west, math.Min(west+w, math.Pi)),
	}
}

func cellKey(i, j int) uint64 { return uint64(i)<<32 | uint64(uint32(j)) }
