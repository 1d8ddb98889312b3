package tactical_test

// The brute-force oracle: every pair of aircraft, every aircraft against
// every zone and operation, with the semantics of SPEC §4 spelt out on their
// own terms. It shares no code with the engine: positions come from
// spherical trigonometry (destination), distances from the haversine
// formula, the lateral window from a golden-section search and bisection
// over time, and zone entry from package geo's exact footprint distance
// (geo.Within) on the path as a LineString, bisected to the first entry.
//
// Decisions that floating point or the engine's documented tangent-plane
// error could tip either way are found by judging each case twice, with the
// minima, widenings and windows loosened and tightened by a small margin;
// where the two disagree the case is ambiguous and not compared.

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/geo"
)

// Margins: the engine's separation model errs by at most 2 m near the
// minimum (TestSeparationErrorBound); zone entry is exact to rounding.
const (
	marginH = 5.0   // metres, lateral minimum and zone widening
	marginV = 0.5   // metres, vertical minimum and altitude bands
	marginT = 0.05  // seconds, look-ahead and zone windows
	slackT  = 0.002 // seconds, for the bisections
)

type oVol struct {
	fp      *geo.Footprint
	geom    deconflict.Geometry
	bufferM float64
	lo, hi  float64
	start   time.Time
	end     time.Time
}

type oZone struct {
	party, id string
	kind      deconflict.ZoneKind
	vols      []oVol
	minima    deconflict.Minima
	// A circle holding every footprint, for a cheap and obviously safe
	// "too far to matter" test.
	cLat, cLon, radiusM float64
}

type oOp struct {
	party, id, callsign, aircraft string
	vols                          []oVol
}

type oParams struct {
	h, v, t, s float64
}

// oAlert is what the oracle expects of one alert: its state, and the range
// its time_to_s must fall in.
type oAlert struct {
	state      deconflict.AlertState
	ttLo, ttHi float64
}

type oResult struct {
	want      map[string]oAlert
	ambiguous map[string]bool
}

func alertKey(kind deconflict.AlertKind, tracks []string, zone string) string {
	slices.Sort(tracks)
	return string(kind) + "|" + strings.Join(tracks, ",") + "|" + zone
}

func engineKey(a deconflict.Alert) string {
	var ts []string
	for _, t := range a.Tracks {
		ts = append(ts, t.Party+"/"+t.ID)
	}
	z := ""
	if a.Zone != nil {
		z = a.Zone.Party + "/" + a.Zone.ID
	}
	return alertKey(a.Kind, ts, z)
}

// fpOf parses a GeoJSON geometry for the oracle.
func fpOf(typ string, coords string) *geo.Footprint {
	f, err := geo.ParseGeometry(deconflict.Geometry{Type: typ, Coordinates: json.RawMessage(coords)}, "g", 100000)
	if err != nil {
		panic(fmt.Sprintf("oracle geometry %s %s: %v", typ, coords, err))
	}
	return f
}

func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// pathFP is the great-circle path from p to q as a footprint.
func pathFP(p, q ac) *geo.Footprint {
	pc := "[" + num(p.lon) + "," + num(p.lat) + "]"
	qc := "[" + num(q.lon) + "," + num(q.lat) + "]"
	if f, err := geo.ParseGeometry(deconflict.Geometry{Type: "LineString", Coordinates: json.RawMessage("[" + pc + "," + qc + "]")}, "g", 10); err == nil {
		return f
	}
	return fpOf("Point", pc) // the two ends are one point
}

// oracle judges everything for the latest reports (aircraft states at their
// report times) of the tracks still live at now.
func oracle(reps []ac, zones []oZone, ops []oOp, p oParams, now time.Time) oResult {
	res := oResult{want: map[string]oAlert{}, ambiguous: map[string]bool{}}
	var live []ac
	for _, a := range reps {
		if !a.at.Before(now.Add(-time.Duration(p.s * float64(time.Second)))) {
			live = append(live, a)
		}
	}
	loose := p
	loose.h, loose.v, loose.t = p.h+marginH, p.v+marginV, p.t+marginT
	tight := p
	tight.h, tight.v, tight.t = p.h-marginH, p.v-marginV, p.t-marginT
	classify := func(key string, inL, inT, insideL, insideT bool, ttL, ttT float64) {
		switch {
		case !inL:
		case !inT || insideL != insideT:
			res.ambiguous[key] = true
		default:
			st := deconflict.AlertPredicted
			if insideL {
				st = deconflict.AlertInside
			}
			res.want[key] = oAlert{state: st, ttLo: ttL - slackT, ttHi: ttT + slackT}
		}
	}
	// Two aircraft farther apart at their report times than both can fly in
	// the look-ahead plus the stale window, plus the minimum, cannot meet:
	// a dot product of unit vectors tells, before any trigonometry.
	unit := make([][3]float64, len(live))
	for i, a := range live {
		φ, λ := a.lat*math.Pi/180, a.lon*math.Pi/180
		unit[i] = [3]float64{math.Cos(φ) * math.Cos(λ), math.Cos(φ) * math.Sin(λ), math.Sin(φ)}
	}
	for i := range live {
		for j := i + 1; j < len(live); j++ {
			a, b := live[i], live[j]
			if a.party == b.party {
				continue
			}
			if far := ((a.gs+b.gs)*(loose.t+p.s) + loose.h + 100) / earthR; far < math.Pi &&
				unit[i][0]*unit[j][0]+unit[i][1]*unit[j][1]+unit[i][2]*unit[j][2] < math.Cos(far) {
				continue
			}
			inL, insideL, ttL := sepJudge(a, b, loose)
			if !inL {
				continue
			}
			key := alertKey(deconflict.AlertSeparation, []string{a.party + "/" + a.id, b.party + "/" + b.id}, "")
			inT, insideT, ttT := sepJudge(a, b, tight)
			classify(key, inL, inT, insideL, insideT, ttL, ttT)
		}
	}
	for _, a := range live {
		for zi := range zones {
			z := &zones[zi]
			if z.party == a.party {
				continue
			}
			inL, ttL := zoneJudge(a, z, marginH, marginV, marginT, p.t)
			if !inL {
				continue
			}
			kind := deconflict.AlertZoneEntry
			if z.kind == deconflict.ZoneAirspace {
				kind = deconflict.AlertAirspaceEntry
			}
			key := alertKey(kind, []string{a.party + "/" + a.id}, z.party+"/"+z.id)
			inT, ttT := zoneJudge(a, z, -marginH, -marginV, -marginT, p.t)
			classify(key, inL, inT, ttL == 0, inT && ttT == 0, ttL, ttT)
		}
		key := alertKey(deconflict.AlertNonconformance, []string{a.party + "/" + a.id}, "")
		matched, inL := opJudge(a, ops, marginH, marginV)
		if !matched {
			continue
		}
		_, inT := opJudge(a, ops, -marginH, -marginV)
		switch {
		case inT:
		case !inL:
			res.want[key] = oAlert{state: deconflict.AlertInside, ttLo: 0, ttHi: 0}
		default:
			res.ambiguous[key] = true
		}
	}
	return res
}

// sepJudge: do a and b, predicted from their reports, break both minima at
// once within the look-ahead from the later report? If so, whether they
// already do (inside) and when they first do.
func sepJudge(a, b ac, p oParams) (conflict, inside bool, timeTo float64) {
	tEval := a.at
	if b.at.After(tEval) {
		tEval = b.at
	}
	if math.Abs(a.at.Sub(b.at).Seconds()) > p.s {
		return false, false, 0
	}
	a0, b0 := a.state(tEval), b.state(tEval)
	if haversine(a0.lat, a0.lon, b0.lat, b0.lon) > (a.gs+b.gs)*p.t+p.h+1 {
		return false, false, 0
	}
	// The window in which the vertical distance is under the minimum.
	lo, hi := 0.0, p.t
	dz, dvz := b0.alt-a0.alt, b.vs-a.vs
	if dvz == 0 {
		if math.Abs(dz) >= p.v {
			return false, false, 0
		}
	} else {
		t1, t2 := (-p.v-dz)/dvz, (p.v-dz)/dvz
		lo, hi = math.Max(lo, math.Min(t1, t2)), math.Min(hi, math.Max(t1, t2))
	}
	if lo >= hi {
		return false, false, 0
	}
	dist := func(s float64) float64 {
		at := tEval.Add(time.Duration(s * float64(time.Second)))
		x, y := a.state(at), b.state(at)
		return haversine(x.lat, x.lon, y.lat, y.lon)
	}
	// The closest lateral approach within the vertical window: the distance
	// of two great-circle motions over minutes has one minimum.
	x, y := lo, hi
	g := (math.Sqrt(5) - 1) / 2
	for y-x > 1e-4 {
		m1, m2 := y-g*(y-x), x+g*(y-x)
		if dist(m1) < dist(m2) {
			y = m2
		} else {
			x = m1
		}
	}
	tMin := (x + y) / 2
	if dist(tMin) >= p.h && dist(lo) >= p.h && dist(hi) >= p.h {
		return false, false, 0
	}
	if dist(lo) < p.h {
		return true, lo == 0, lo
	}
	if dist(tMin) >= p.h {
		tMin = hi
	}
	x, y = lo, tMin
	for y-x > 1e-5 {
		m := (x + y) / 2
		if dist(m) < p.h {
			y = m
		} else {
			x = m
		}
	}
	return true, false, y
}

// zoneJudge: when does a's predicted path first enter the zone (a volume's
// footprint widened by its buffer, the zone's lateral minimum and dw, its
// altitude band widened by the vertical minimum and dv, its window widened
// by dt, within the look-ahead t)?
func zoneJudge(a ac, z *oZone, dw, dv, dt, t float64) (bool, float64) {
	best := math.Inf(1)
	for _, v := range z.vols {
		ta := math.Max(0, v.start.Sub(a.at).Seconds()-dt)
		tb := math.Min(t+dt, v.end.Sub(a.at).Seconds()+dt)
		lo, hi := v.lo-z.minima.VerticalM-dv, v.hi+z.minima.VerticalM+dv
		if a.vs == 0 {
			if a.alt < lo || a.alt > hi {
				continue
			}
		} else {
			t1, t2 := (lo-a.alt)/a.vs, (hi-a.alt)/a.vs
			ta, tb = math.Max(ta, math.Min(t1, t2)), math.Min(tb, math.Max(t1, t2))
		}
		if ta > tb {
			continue
		}
		w := math.Max(v.bufferM+z.minima.LateralM+dw, 0)
		at := func(s float64) ac { return a.state(a.at.Add(time.Duration(s * float64(time.Second)))) }
		pa := at(ta)
		if haversine(pa.lat, pa.lon, z.cLat, z.cLon) > z.radiusM+w+a.gs*(tb-ta)+10 {
			continue
		}
		if !geo.Within(pathFP(pa, at(tb)), v.fp, w) {
			continue
		}
		if geo.Within(pathFP(pa, pa), v.fp, w) {
			best = math.Min(best, ta)
			continue
		}
		x, y := 0.0, 1.0
		for range 24 {
			m := (x + y) / 2
			if geo.Within(pathFP(pa, at(ta+m*(tb-ta))), v.fp, w) {
				y = m
			} else {
				x = m
			}
		}
		best = math.Min(best, ta+y*(tb-ta))
	}
	return !math.IsInf(best, 1), best
}

// opJudge: does a match an operation of its party (callsign), and is it in
// one of their volumes (widened by dw, bands by dv) at its report time?
func opJudge(a ac, ops []oOp, dw, dv float64) (matched, inside bool) {
	for _, o := range ops {
		byCallsign := a.callsign != "" && strings.EqualFold(strings.TrimSpace(o.callsign), strings.TrimSpace(a.callsign))
		byID := o.aircraft != "" && strings.EqualFold(o.aircraft, a.id)
		if o.party != a.party || !byCallsign && !byID {
			continue
		}
		matched = true
		for _, v := range o.vols {
			if a.at.Before(v.start) || a.at.After(v.end) || a.alt < v.lo-dv || a.alt > v.hi+dv {
				continue
			}
			if geo.Within(pathFP(a, a), v.fp, math.Max(v.bufferM+dw, 0)) {
				inside = true
			}
		}
	}
	return matched, inside
}
