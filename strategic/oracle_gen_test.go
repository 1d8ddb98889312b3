package strategic_test

import (
	"encoding/json"
	"math"
	"slices"
	"time"

	"pgregory.net/rapid"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/geo"
)

// The generators of the pipeline property tests: footprints around a few
// sites of the Earth (the antimeridian and the poles among them), volumes
// placed at random, and volumes placed on purpose just inside or just
// outside the reach of another one, in space, altitude and time.

// oracleDay is the day the generated operations fly. The service's clock
// stands a day before it, so no conflict has ended when the oracle judges.
var (
	oracleDay = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	oracleNow = oracleDay.Add(-24 * time.Hour)
)

// site is an area the objects of a run are placed around: their centres lie
// within spreadM of it.
type site struct {
	name     string
	lon, lat float64
	spreadM  float64
}

var oracleSites = []site{
	{"levant", 36.2, 35.6, 120_000},
	{"antimeridian", 180, -17.5, 60_000},
	// The poles are 22 km and 17 km from these centres: footprints and
	// buffers reach over them.
	{"north pole", 0, 89.8, 30_000},
	{"south pole", 120, -89.85, 30_000},
}

// shape is a footprint relative to its centre: each vertex as a bearing
// (degrees clockwise from north) and a distance (metres), so that it can be
// placed anywhere on the sphere, poles included.
type shape struct {
	typ     string
	offsets [][2]float64
}

// at returns the shape placed with its centre at lon, lat.
func (s shape) at(lon, lat float64) deconflict.Geometry {
	pos := make([][2]float64, 0, len(s.offsets)+1)
	for _, o := range s.offsets {
		x, y := destination(lon, lat, o[0], o[1])
		pos = append(pos, [2]float64{x, y})
	}
	var coords any
	switch s.typ {
	case geo.TypePoint:
		coords = pos[0]
	case geo.TypeLineString:
		coords = pos
	default:
		coords = [][][2]float64{append(pos, pos[0])}
	}
	raw, err := json.Marshal(coords)
	if err != nil {
		panic(err)
	}
	return deconflict.Geometry{Type: s.typ, Coordinates: raw}
}

// destination is the point distM from lon, lat along the great circle of
// initial bearing bearingDeg, on the sphere of the exchange.
func destination(lon, lat, bearingDeg, distM float64) (float64, float64) {
	const rad = math.Pi / 180
	φ1, λ1, θ := lat*rad, lon*rad, bearingDeg*rad
	δ := distM / deconflict.EarthRadiusM
	if math.Cos(φ1) < 1e-9 {
		// At a pole every direction is south (or north) and bearings are
		// undefined: read the bearing as a turn from meridian lon, so that
		// a shape centred on the pole keeps its vertices apart.
		if lat > 0 {
			return math.Mod(lon+bearingDeg+540, 360) - 180, 90 - δ/rad
		}
		return math.Mod(lon-bearingDeg+540, 360) - 180, -90 + δ/rad
	}
	sinφ2 := math.Sin(φ1)*math.Cos(δ) + math.Cos(φ1)*math.Sin(δ)*math.Cos(θ)
	φ2 := math.Asin(math.Max(-1, math.Min(1, sinφ2)))
	λ2 := λ1 + math.Atan2(math.Sin(θ)*math.Sin(δ)*math.Cos(φ1), math.Cos(δ)-math.Sin(φ1)*sinφ2)
	lon2 := math.Mod(λ2/rad+540, 360) - 180
	return lon2, φ2 / rad
}

// genShape draws a Point, a LineString starting at the centre, or a polygon
// around the centre, 0.1 to 60 km across.
func genShape(t *rapid.T) shape {
	typ := rapid.SampledFrom([]string{geo.TypePoint, geo.TypeLineString, geo.TypePolygon}).Draw(t, "type")
	across := math.Exp(between(t, math.Log(100), math.Log(60_000), "across_m"))
	switch typ {
	case geo.TypePoint:
		return shape{typ: typ, offsets: [][2]float64{{0, 0}}}
	case geo.TypeLineString:
		// A walk from the centre in the local tangent plane; it may turn
		// sharply and cross itself, which a line string may.
		n := rapid.IntRange(2, 5).Draw(t, "vertices")
		step := across / float64(n-1)
		heading := between(t, 0, 360, "heading")
		x, y := 0.0, 0.0
		offs := [][2]float64{{0, 0}}
		for range n - 1 {
			heading += between(t, -120, 120, "turn")
			h := heading * math.Pi / 180
			x, y = x+step*math.Sin(h), y+step*math.Cos(h)
			offs = append(offs, [2]float64{math.Atan2(x, y) * 180 / math.Pi, math.Hypot(x, y)})
		}
		return shape{typ: typ, offsets: offs}
	default:
		// Vertices sorted by bearing around the centre, no gap over 144°:
		// a simple ring that holds its centre.
		n := rapid.IntRange(4, 8).Draw(t, "vertices")
		gaps := make([]float64, n)
		sum := 0.0
		for i := range gaps {
			gaps[i] = between(t, 1, 2, "gap")
			sum += gaps[i]
		}
		b := between(t, 0, 360, "bearing0")
		offs := make([][2]float64, n)
		for i := range offs {
			r := between(t, 0.4, 1, "radius") * across / 2
			offs[i] = [2]float64{b, r}
			b += gaps[i] / sum * 360
		}
		return shape{typ: typ, offsets: offs}
	}
}

// between draws a number in [lo, hi) with about equal chances across the
// range. (rapid's Float64Range favours small magnitudes: most bearings in
// [0, 360) would be under a degree. A significand drawn in [1, 2) is about
// uniform, and shrinks towards lo.)
func between(t *rapid.T, lo, hi float64, label string) float64 {
	u := rapid.Float64Range(1, math.Nextafter(2, 0)).Draw(t, label) - 1
	return lo + u*(hi-lo)
}

// intBetween draws an integer in [lo, hi] with about equal chances.
func intBetween(t *rapid.T, lo, hi int, label string) int {
	return min(lo+int(between(t, 0, float64(hi-lo+1), label)), hi)
}

// genBuffer draws a buffer of 0 to 5 km, exactly 0 a third of the time.
func genBuffer(t *rapid.T) float64 {
	if rapid.IntRange(0, 2).Draw(t, "zero_buffer") == 0 {
		return 0
	}
	return between(t, 0, 5000, "buffer_m")
}

// genVolume is a generated volume with what the oracle needs of it.
type genVolume struct {
	vol    deconflict.Volume
	geo    *geo.Volume
	center [2]float64
}

// compileGen compiles v as the service does, and keeps the centre its
// footprint was built around.
func compileGen(t *rapid.T, v deconflict.Volume, center [2]float64) genVolume {
	gv, err := geo.CompileVolume(v, "volume", 0)
	if err != nil {
		t.Fatalf("generated an invalid volume %s: %v", v.Geometry.Coordinates, err)
	}
	return genVolume{vol: v, geo: gv, center: center}
}

func timePtr(t time.Time) *time.Time { return &t }

// randomCentre draws a point within the spread of one of the run's sites.
func randomCentre(t *rapid.T, sites []site) [2]float64 {
	s := rapid.SampledFrom(sites).Draw(t, "site")
	lon, lat := destination(s.lon, s.lat, between(t, 0, 360, "site_bearing"),
		between(t, 0, s.spreadM, "site_dist_m"))
	return [2]float64{lon, lat}
}

// genOpWindow draws a window of 5 minutes to 6 hours starting within oracleDay.
func genOpWindow(t *rapid.T) (time.Time, time.Time) {
	start := oracleDay.Add(time.Duration(intBetween(t, 0, 24*60-5, "start_min")) * time.Minute)
	return start, start.Add(time.Duration(intBetween(t, 5, 360, "duration_min")) * time.Minute)
}

// genBand draws an altitude band of 0 to 3 km thickness between 0 and 15 km.
func genBand(t *rapid.T) (float64, float64) {
	low := between(t, 0, 12_000, "alt_lower_m")
	thick := 0.0
	if rapid.IntRange(0, 9).Draw(t, "flat") > 0 {
		thick = between(t, 0, 3000, "thickness_m")
	}
	return low, low + thick
}

// randomOpVolume draws an operation volume anywhere in the run's sites.
func randomOpVolume(t *rapid.T, sites []site) genVolume {
	c := randomCentre(t, sites)
	sh := genShape(t)
	low, up := genBand(t)
	s, e := genOpWindow(t)
	v := deconflict.Volume{Geometry: sh.at(c[0], c[1]), BufferM: genBuffer(t), AltLowerM: low, AltUpperM: up, Start: &s, End: &e}
	return compileGen(t, v, c)
}

// randomZoneVolume draws a zone volume: often open-ended in time, often
// spanning all altitudes.
func randomZoneVolume(t *rapid.T, sites []site) genVolume {
	c := randomCentre(t, sites)
	sh := genShape(t)
	v := deconflict.Volume{Geometry: sh.at(c[0], c[1]), BufferM: genBuffer(t)}
	if rapid.Bool().Draw(t, "all_altitudes") {
		v.AltLowerM, v.AltUpperM = deconflict.MinAltitudeM, deconflict.MaxAltitudeM
	} else {
		v.AltLowerM, v.AltUpperM = genBand(t)
	}
	s, e := genOpWindow(t)
	switch rapid.IntRange(0, 3).Draw(t, "zone_window") {
	case 0: // in force always
	case 1:
		v.Start = &s
	case 2:
		v.End = &e
	default:
		v.Start, v.End = &s, &e
	}
	return compileGen(t, v, c)
}

// nearVolume draws a volume placed against target on purpose: laterally at
// a distance just under or just over the reach (both buffers plus m's
// lateral minimum) or well inside it; in altitude overlapping or at a gap of
// about m's vertical minimum; in time overlapping or back to back (give or
// take the time buffer tb and a second). zone says the new volume is a
// zone's (it may then leave its window open).
func nearVolume(t *rapid.T, target genVolume, m deconflict.Minima, tb time.Duration, zone bool) genVolume {
	sh := genShape(t)
	buf := genBuffer(t)
	reach := target.vol.BufferM + buf + m.LateralM

	// Lateral: bisect along a bearing for the centre at which the footprints
	// are goal apart. Every shape holds its centre, so at 0 they meet.
	var goal float64
	above := false
	switch rapid.IntRange(0, 4).Draw(t, "lateral") {
	case 0:
		goal = reach * between(t, 0, 0.95, "inside_frac")
	default:
		delta := rapid.SampledFrom([]float64{-0.5, -0.01, 0.01, 0.5, -1e-3 * reach, 1e-3 * reach}).Draw(t, "lateral_delta_m")
		goal, above = math.Max(reach+delta, 0), delta > 0
	}
	bearing := between(t, 0, 360, "near_bearing")
	place := func(d float64) (deconflict.Geometry, [2]float64) {
		lon, lat := destination(target.center[0], target.center[1], bearing, d)
		return sh.at(lon, lat), [2]float64{lon, lat}
	}
	dist := func(d float64) float64 {
		g, _ := place(d)
		f, err := geo.ParseGeometry(g, "g", 0)
		if err != nil {
			return math.Inf(1) // not a valid placement; treated as far
		}
		return geo.Distance(target.geo.Footprint, f)
	}
	lo, hi := 0.0, 300_000.0
	if dist(hi) > goal {
		for range 64 {
			mid := (lo + hi) / 2
			if dist(mid) <= goal {
				lo = mid
			} else {
				hi = mid
			}
		}
	}
	at := lo
	if above {
		at = hi
	}
	g, c := place(at)

	v := deconflict.Volume{Geometry: g, BufferM: buf}
	tLow, tUp := target.vol.AltLowerM, target.vol.AltUpperM
	thick := between(t, 0, 3000, "near_thickness_m")
	edge := func(x float64) float64 {
		return rapid.SampledFrom([]float64{x, math.Nextafter(x, math.Inf(1)), math.Nextafter(x, math.Inf(-1)), x - 0.01, x + 0.01}).Draw(t, "alt_edge")
	}
	overlap := false
	switch rapid.IntRange(0, 2).Draw(t, "vertical") {
	case 1: // above, at a gap of about the vertical minimum
		v.AltLowerM = edge(tUp + m.VerticalM)
		v.AltUpperM = v.AltLowerM + thick
	case 2: // below
		v.AltUpperM = edge(tLow - m.VerticalM)
		v.AltLowerM = v.AltUpperM - thick
	default:
		overlap = true
	}
	if overlap || v.AltLowerM < deconflict.MinAltitudeM || v.AltUpperM > deconflict.MaxAltitudeM {
		lo := math.Max(between(t, tLow-thick, tUp, "overlap_low_m"), deconflict.MinAltitudeM)
		v.AltLowerM, v.AltUpperM = lo, math.Min(lo+thick, deconflict.MaxAltitudeM)
	}

	ts, te := target.vol.Window()
	dur := time.Duration(intBetween(t, 5, 360, "near_duration_min")) * time.Minute
	jitter := rapid.SampledFrom([]time.Duration{0, time.Second, -time.Second, -tb, -tb - time.Second, -tb + time.Second}).Draw(t, "time_edge")
	var s, e time.Time
	switch mode := rapid.IntRange(0, 2).Draw(t, "time"); {
	case mode == 1 && target.vol.End != nil: // starts as the target ends
		s = te.Add(tb + jitter)
		e = s.Add(dur)
	case mode == 2 && target.vol.Start != nil: // ends as the target starts
		e = ts.Add(-tb - jitter)
		s = e.Add(-dur)
	default: // straddles a moment of the target's window
		mid := oracleDay.Add(time.Duration(intBetween(t, 0, 24*60, "moment_min")) * time.Minute)
		if target.vol.Start != nil && target.vol.End != nil {
			mid = ts.Add(te.Sub(ts) / 2)
		} else if target.vol.Start != nil && mid.Before(ts) {
			mid = ts.Add(time.Minute)
		} else if target.vol.End != nil && !mid.Before(te) {
			mid = te.Add(-time.Minute)
		}
		s = mid.Add(-time.Duration(intBetween(t, 1, 120, "before_min")) * time.Minute)
		e = s.Add(dur)
		if !e.After(mid) {
			e = mid.Add(time.Minute)
		}
	}
	v.Start, v.End = timePtr(s), timePtr(e)
	if zone {
		switch rapid.IntRange(0, 3).Draw(t, "zone_open") {
		case 1:
			v.Start = nil
		case 2:
			v.End = nil
		}
	}
	return compileGen(t, v, c)
}

// sortedKeys returns m's keys in order, so that reports come out the same
// way every time.
func sortedKeys[K interface{ ~string }, V any](m map[K]V) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
