package strategic

import "testing"

func TestUnionRegion(t *testing.T) {
	for _, c := range []struct {
		a, b, want [4]float64
	}{
		{[4]float64{10, 0, 20, 5}, [4]float64{15, -5, 30, 2}, [4]float64{10, -5, 30, 5}},        // overlapping
		{[4]float64{10, 0, 20, 5}, [4]float64{12, 1, 13, 2}, [4]float64{10, 0, 20, 5}},          // contained
		{[4]float64{10, 0, 20, 5}, [4]float64{-40, 0, -30, 5}, [4]float64{-40, 0, 20, 5}},       // disjoint: the shorter way round
		{[4]float64{170, 0, 175, 1}, [4]float64{-175, 0, -170, 1}, [4]float64{170, 0, -170, 1}}, // across the antimeridian
		{[4]float64{175, 0, -175, 1}, [4]float64{-178, 0, 179, 1}, [4]float64{-180, 0, 180, 1}}, // together all the way round
		{[4]float64{175, 0, -175, 1}, [4]float64{-176, 0, -170, 1}, [4]float64{175, 0, -170, 1}},
		{[4]float64{-180, -90, 180, 90}, [4]float64{1, 1, 2, 2}, [4]float64{-180, -90, 180, 90}},
	} {
		if got := unionRegion(c.a, c.b); got != c.want {
			t.Errorf("unionRegion(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := unionRegion(c.b, c.a); got != c.want {
			t.Errorf("unionRegion(%v, %v) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}

func TestRoundOut(t *testing.T) {
	for _, c := range []struct{ in, want [4]float64 }{
		{[4]float64{35.83, 34.97, 36.01, 35.0}, [4]float64{35.8, 34.9, 36.1, 35.0}},
		{[4]float64{-0.05, -0.05, 0.05, 0.05}, [4]float64{-0.1, -0.1, 0.1, 0.1}},
		{[4]float64{179.95, 89.99, -179.95, 89.999}, [4]float64{179.9, 89.9, -179.9, 90}},
		{[4]float64{-180, -90, 180, 90}, [4]float64{-180, -90, 180, 90}},
	} {
		if got := roundOut(c.in); got != c.want {
			t.Errorf("roundOut(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
