package strategic

import "math"

// Regions are [west, south, east, north] in degrees, west > east when they
// cross the antimeridian.

// unionRegion returns the smallest region holding both a and b. Longitudes
// are arcs on a circle, so of the two ways to join two arcs the shorter one
// that holds both is taken.
func unionRegion(a, b [4]float64) [4]float64 {
	w, e := unionLon(a[0], a[2], b[0], b[2])
	return [4]float64{w, math.Min(a[1], b[1]), e, math.Max(a[3], b[3])}
}

// arcLen is the eastward length of the arc from w to e.
func arcLen(w, e float64) float64 {
	if w <= e {
		return e - w
	}
	return e - w + 360
}

// eastOf is how far x lies east of w, in [0, 360).
func eastOf(w, x float64) float64 {
	d := math.Mod(x-w, 360)
	if d < 0 {
		d += 360
	}
	return d
}

// arcHolds reports whether arc [w, e] holds arc [bw, be].
func arcHolds(w, e, bw, be float64) bool {
	if arcLen(w, e) >= 360 {
		return true
	}
	s, t := eastOf(w, bw), eastOf(w, be)
	return s <= t && t <= arcLen(w, e) && arcLen(bw, be) <= arcLen(w, e)
}

func unionLon(aw, ae, bw, be float64) (w, e float64) {
	if arcLen(aw, ae) >= 360 || arcLen(bw, be) >= 360 {
		return -180, 180
	}
	if arcHolds(aw, ae, bw, be) {
		return aw, ae
	}
	if arcHolds(bw, be, aw, ae) {
		return bw, be
	}
	best, found := 0.0, false
	for _, c := range [][2]float64{{aw, be}, {bw, ae}} {
		if arcHolds(c[0], c[1], aw, ae) && arcHolds(c[0], c[1], bw, be) {
			if l := arcLen(c[0], c[1]); !found || l < best {
				best, found, w, e = l, true, c[0], c[1]
			}
		}
	}
	if !found || best >= 360 {
		return -180, 180
	}
	return w, e
}

// roundOut widens a region outward to whole tenths of a degree, which is all
// a party learns of where a conflict with a hidden object happens.
func roundOut(r [4]float64) [4]float64 {
	down := func(x float64) float64 { return math.Floor(x*10+1e-9) / 10 }
	up := func(x float64) float64 { return math.Ceil(x*10-1e-9) / 10 }
	return [4]float64{
		math.Max(down(r[0]), -180),
		math.Max(down(r[1]), -90),
		math.Min(up(r[2]), 180),
		math.Min(up(r[3]), 90),
	}
}
