package geo

import (
	"math"
	"time"

	"github.com/golang/geo/r1"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// Conflicts reports whether a and b conflict under m (SPEC §3): the time
// windows overlap after widening a's by m.TimeBuffer on both sides; the
// altitude bands touch or are less than m.VerticalM apart; the footprints touch
// or are less than a.BufferM + b.BufferM + m.LateralM apart. The cheap tests
// run first; the exact distance only as far as "closer than the reach?".
func Conflicts(a, b *Volume, m Minima) bool {
	return timesOverlap(a, b, m.TimeBuffer) && altitudesClose(a, b, m.VerticalM) &&
		Within(a.Footprint, b.Footprint, Reach(a, b, m))
}

// ConflictDistance is Conflicts and, for a conflicting pair, the exact
// lateral distance Detail reports, measured in the same pass over the edges
// (see DistanceWithin): a search judges every candidate pair, and reports
// the distance of each that conflicts.
func ConflictDistance(a, b *Volume, m Minima) (distanceM float64, ok bool) {
	if !timesOverlap(a, b, m.TimeBuffer) || !altitudesClose(a, b, m.VerticalM) {
		return 0, false
	}
	return DistanceWithin(a.Footprint, b.Footprint, Reach(a, b, m))
}

// Reach is the lateral distance under which a and b conflict: both buffers
// plus the lateral minimum.
func Reach(a, b *Volume, m Minima) float64 { return a.BufferM + b.BufferM + m.LateralM }

// widened returns a's window widened by the time buffer on both sides.
func widened(a *Volume, buf time.Duration) (time.Time, time.Time) {
	return a.Start.Add(-buf), a.End.Add(buf)
}

// timesOverlap: each starts before the other ends, so back-to-back windows
// ([10:00, 11:00) and [11:00, 12:00)) do not overlap.
func timesOverlap(a, b *Volume, buf time.Duration) bool {
	as, ae := widened(a, buf)
	return as.Before(b.End) && b.Start.Before(ae)
}

// altitudesClose: the bands touch or overlap (gap <= 0), or their gap is
// under the vertical minimum.
func altitudesClose(a, b *Volume, verticalM float64) bool {
	gap := math.Max(a.AltLowerM-b.AltUpperM, b.AltLowerM-a.AltUpperM)
	return gap <= 0 || gap < verticalM
}

// Detail describes a conflicting pair: the window in which both are in force
// (a's widened by the time buffer, intersected with b's), the exact lateral
// distance between the footprints, and the region where it happens as
// [west, south, east, north] degrees (west > east across the antimeridian).
//
// The region is the intersection of a's and b's bounding rectangles, each
// widened by the reach (both buffers plus the lateral minimum): it holds the
// part of each footprint that comes within the reach of the other, and every
// point where the two buffered volumes come within the lateral minimum of
// each other. For a pair that does not conflict it may be empty; then it is
// the union of the two rectangles.
func Detail(a, b *Volume, m Minima) (w deconflict.Window, distanceM float64, region [4]float64) {
	w, region = Overlap(a, b, m)
	return w, Distance(a.Footprint, b.Footprint), region
}

// Overlap is Detail without the distance (which ConflictDistance gives).
func Overlap(a, b *Volume, m Minima) (w deconflict.Window, region [4]float64) {
	as, ae := widened(a, m.TimeBuffer)
	w.Start, w.End = as, ae
	if b.Start.After(w.Start) {
		w.Start = b.Start
	}
	if b.End.Before(w.End) {
		w.End = b.End
	}
	reach := MetresToAngle(math.Max(Reach(a, b, m), 0))
	r := expandRect(a.Footprint.bound, reach).Intersection(expandRect(b.Footprint.bound, reach))
	if r.IsEmpty() {
		r = a.Footprint.bound.Union(b.Footprint.bound)
	}
	return w, RectDegrees(r)
}

// RectDegrees returns r as [west, south, east, north] in degrees; west > east
// when r crosses the antimeridian, and [-180, s, 180, n] when it spans all
// longitudes.
func RectDegrees(r s2.Rect) [4]float64 {
	if r.IsEmpty() {
		return [4]float64{}
	}
	west, east := r.Lng.Lo, r.Lng.Hi
	if r.Lng.IsFull() {
		west, east = -math.Pi, math.Pi
	}
	return [4]float64{
		s1.Angle(west).Degrees(), s1.Angle(r.Lat.Lo).Degrees(),
		s1.Angle(east).Degrees(), s1.Angle(r.Lat.Hi).Degrees(),
	}
}

// expandRect returns a rectangle holding every point within angle d of r.
// Latitudes widen by d; longitudes by the most that d spans at the rectangle's
// most poleward latitude, and to the full circle once d reaches over a pole.
func expandRect(r s2.Rect, d s1.Angle) s2.Rect {
	if r.IsEmpty() || d <= 0 {
		return r
	}
	// A hair more than d, so that rounding never drops a point at exactly d.
	d = d*(1+1e-12) + 1e-15
	lat := r1.Interval{Lo: r.Lat.Lo - d.Radians(), Hi: r.Lat.Hi + d.Radians()}
	out := s2.Rect{Lat: lat.Intersection(r1.Interval{Lo: -math.Pi / 2, Hi: math.Pi / 2}), Lng: r.Lng}
	if lat.Lo <= -math.Pi/2 || lat.Hi >= math.Pi/2 {
		out.Lng = s1.FullInterval()
		return out
	}
	maxLat := math.Max(math.Abs(r.Lat.Lo), math.Abs(r.Lat.Hi))
	sin := math.Sin(d.Radians()) / math.Cos(maxLat)
	if sin >= 1 {
		out.Lng = s1.FullInterval()
		return out
	}
	out.Lng = r.Lng.Expanded(math.Asin(sin))
	return out
}
