package tactical_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/geo"
	"github.com/deconflict/deconflict/tactical"
)

// region is where a part of the traffic flies.
type region struct{ lat, lon, radiusM float64 }

var (
	mainRegion  = region{35, 36, 300e3}  // the Levant
	antiRegion  = region{10, 180, 150e3} // across the antimeridian
	polarRegion = region{89.2, 0, 150e3} // over the north pole
	parties     = []string{"usaf", "vks", "syria", "turkey", "un"}
	stdParams   = oParams{h: 9260, v: 304.8, t: 120, s: 30}
	roundStep   = 8 * time.Second
)

// world is the simulated traffic, zones and operations.
type world struct {
	rng      *rand.Rand
	acs      []ac // true states, at their last report
	silentAt []int
	zones    []oZone
	ops      []oOp
}

func (w *world) uniform(lo, hi float64) float64 { return lo + w.rng.Float64()*(hi-lo) }

func (w *world) pointIn(r region) (float64, float64) {
	lat, lon, _ := destination(r.lat, r.lon, w.uniform(0, 360), r.radiusM*math.Sqrt(w.rng.Float64()))
	return lat, lon
}

func (w *world) party() string { return parties[w.rng.IntN(len(parties))] }

func (w *world) speed() float64 {
	if w.rng.IntN(40) == 0 {
		return w.uniform(350, 600) // faster than the index speed
	}
	return w.uniform(60, 250)
}

// arriving returns an aircraft that reaches (lat, lon) at altitude alt
// after tm seconds, flying heading hdg there.
func (w *world) arriving(lat, lon, alt, hdg, gs, vs, tm float64, party string) ac {
	lat0, lon0, back := destination(lat, lon, math.Mod(hdg+180, 360), gs*tm)
	return ac{party: party, lat: lat0, lon: lon0, alt: alt - vs*tm, gs: gs, trk: math.Mod(back+180, 360), vs: vs, at: t0}
}

// encounter makes a pair designed to meet (or nearly) within the look-ahead.
func (w *world) encounter(r region) (ac, ac) {
	lat, lon := w.pointIn(r)
	tm := w.uniform(5, 150)
	hA := w.uniform(0, 360)
	gsA := w.speed()
	alt := w.uniform(3000, 12000)
	pa := w.party()
	pb := w.party()
	for pb == pa {
		pb = w.party()
	}
	// b aims at a point near a's, at a little more or less altitude.
	latB, lonB, _ := destination(lat, lon, w.uniform(0, 360), w.uniform(0, 1.3*stdParams.h))
	altB := alt + w.uniform(-450, 450)
	hB, gsB, vsA, vsB := hA, gsA, 0.0, 0.0
	switch w.rng.IntN(5) {
	case 0: // crossing
		hB = hA + 90 + w.uniform(-30, 30)
		gsB = w.speed()
	case 1: // head-on
		hB = hA + 180 + w.uniform(-5, 5)
		gsB = w.speed()
	case 2: // overtaking
		hB = hA + w.uniform(-5, 5)
		gsB = gsA + w.uniform(30, 120)
	case 3: // climbing or descending through
		hB = hA + w.uniform(20, 340)
		gsB = w.speed()
		vsB = w.uniform(5, 20)
		if w.rng.IntN(2) == 0 {
			vsB = -vsB
		}
		altB = alt + w.uniform(-100, 100)
		vsA = w.uniform(-3, 3)
	default: // parallel, abreast
		latB, lonB, _ = destination(lat, lon, hA+90, w.uniform(0, 1.5*stdParams.h))
	}
	a := w.arriving(lat, lon, alt, hA, gsA, vsA, tm, pa)
	b := w.arriving(latB, lonB, altB, math.Mod(hB+720, 360), gsB, vsB, tm, pb)
	return a, b
}

func (w *world) random(r region) ac {
	lat, lon := w.pointIn(r)
	vs := 0.0
	if w.rng.IntN(4) == 0 {
		vs = w.uniform(-15, 15)
	}
	return ac{party: w.party(), lat: lat, lon: lon, alt: w.uniform(300, 13000), gs: w.speed(), trk: w.uniform(0, 360), vs: vs, at: t0}
}

// starCoords is a closed star-shaped ring of n vertices around (lat, lon):
// simple, because its bearings increase.
func (w *world) starCoords(lat, lon, radiusM float64, n int) (string, float64) {
	var pts []string
	maxR := 0.0
	for i := range n {
		b := (float64(i) + w.uniform(-0.3, 0.3)) * 360 / float64(n)
		r := radiusM * w.uniform(0.6, 1)
		maxR = math.Max(maxR, r)
		la, lo, _ := destination(lat, lon, b, r)
		pts = append(pts, "["+num(lo)+","+num(la)+"]")
	}
	pts = append(pts, pts[0])
	return "[[" + strings.Join(pts, ",") + "]]", maxR
}

func (w *world) band() (float64, float64) {
	switch w.rng.IntN(3) {
	case 0:
		return deconflict.MinAltitudeM, deconflict.MaxAltitudeM
	case 1:
		return 0, w.uniform(4000, 8000)
	default:
		return w.uniform(5000, 9000), 15000
	}
}

func (w *world) addZone(typ, coords string, cLat, cLon, radiusM, bufferM float64) *oZone {
	lo, hi := w.band()
	kinds := []deconflict.ZoneKind{deconflict.ZoneAirspace, deconflict.ZoneProtected, deconflict.ZoneRestricted}
	z := oZone{party: w.party(), id: fmt.Sprintf("z%02d", len(w.zones)), kind: kinds[w.rng.IntN(3)],
		cLat: cLat, cLon: cLon, radiusM: radiusM}
	z.vols = []oVol{{fp: fpOf(typ, coords), geom: deconflict.Geometry{Type: typ, Coordinates: []byte(coords)},
		bufferM: bufferM, lo: lo, hi: hi, start: deconflict.StartOfTime, end: deconflict.EndOfTime}}
	w.zones = append(w.zones, z)
	return &w.zones[len(w.zones)-1]
}

func newWorld(seed uint64, n int) *world {
	w := &world{rng: rand.New(rand.NewPCG(seed, 0x7ac7))}
	regions := []region{mainRegion, mainRegion, mainRegion, mainRegion, antiRegion, polarRegion}
	for len(w.acs) < n {
		r := regions[w.rng.IntN(len(regions))]
		if w.rng.IntN(5) < 2 {
			a, b := w.encounter(r)
			w.acs = append(w.acs, a, b)
		} else {
			w.acs = append(w.acs, w.random(r))
		}
	}
	w.acs = w.acs[:n]
	for i := range w.acs {
		w.acs[i].id = fmt.Sprintf("a%05x", i)
		w.silentAt = append(w.silentAt, -1)
		if w.rng.IntN(50) == 0 {
			w.silentAt[i] = 1 + w.rng.IntN(3)
		}
	}

	// Zones: polygons, circles and corridors in the Levant, one polygon
	// across the antimeridian, one ring around the pole.
	for range 5 {
		lat, lon := w.pointIn(mainRegion)
		r := w.uniform(15e3, 60e3)
		c, maxR := w.starCoords(lat, lon, r, 5+w.rng.IntN(8))
		w.addZone("Polygon", c, lat, lon, maxR, 0)
	}
	for range 3 {
		lat, lon := w.pointIn(mainRegion)
		w.addZone("Point", "["+num(lon)+","+num(lat)+"]", lat, lon, 0, w.uniform(5e3, 25e3))
	}
	for range 2 {
		lat, lon := w.pointIn(mainRegion)
		la2, lo2, _ := destination(lat, lon, w.uniform(0, 360), w.uniform(40e3, 120e3))
		la3, lo3, _ := destination(la2, lo2, w.uniform(0, 360), w.uniform(20e3, 60e3))
		c := "[[" + num(lon) + "," + num(lat) + "],[" + num(lo2) + "," + num(la2) + "],[" + num(lo3) + "," + num(la3) + "]]"
		w.addZone("LineString", c, lat, lon, 200e3, w.uniform(2e3, 6e3))
	}
	// The first zone comes into force 20 s in, the second ends 30 s in; the
	// third has its own minima.
	w.zones[0].vols[0].start = t0.Add(20 * time.Second)
	w.zones[1].vols[0].end = t0.Add(30 * time.Second)
	w.zones[2].minima = deconflict.Minima{LateralM: 2000, VerticalM: 300}
	c, maxR := w.starCoords(antiRegion.lat, 179.9, 60e3, 9)
	w.addZone("Polygon", c, antiRegion.lat, 179.9, maxR, 0)
	var ring []string
	for i := range 7 {
		lon := math.Remainder(-180+(float64(i)+w.uniform(-0.3, 0.3))*360/7, 360)
		ring = append(ring, "["+num(lon)+","+num(88.7+w.uniform(-0.2, 0.2))+"]")
	}
	ring = append(ring, ring[0])
	w.addZone("Polygon", "[["+strings.Join(ring, ",")+"]]", 90, 0, 1.6*111e3, 0)

	// Operations: some aircraft fly a notified corridor, some are 20 km off
	// theirs; some are matched by callsign (written with other case and
	// blanks in the reports), some by aircraft id.
	for k := range 40 {
		i := w.rng.IntN(n)
		a := &w.acs[i]
		if a.callsign != "" {
			continue
		}
		op := oOp{party: a.party, id: fmt.Sprintf("op%02d", k)}
		if k%4 == 3 {
			op.aircraft = strings.ToUpper(a.id)
		} else {
			op.callsign = fmt.Sprintf("OPS%03d", k)
			a.callsign = " " + strings.ToLower(op.callsign) + " "
		}
		start, end := a.lat, a.lon
		if k%2 == 1 {
			start, end, _ = destination(a.lat, a.lon, a.trk+90, 20e3)
		}
		la2, lo2, _ := destination(start, end, a.trk, a.gs*400)
		coords := "[[" + num(end) + "," + num(start) + "],[" + num(lo2) + "," + num(la2) + "]]"
		op.vols = []oVol{{fp: fpOf("LineString", coords), geom: deconflict.Geometry{Type: "LineString", Coordinates: []byte(coords)},
			bufferM: w.uniform(3e3, 8e3), lo: a.alt - 500, hi: a.alt + 500, start: t0.Add(-time.Hour), end: t0.Add(time.Hour)}}
		w.ops = append(w.ops, op)
	}
	return w
}

func (w *world) engineVolumes(t testing.TB, vs []oVol) []*geo.Volume {
	var out []*geo.Volume
	for _, v := range vs {
		dv := deconflict.Volume{Geometry: v.geom, BufferM: v.bufferM, AltLowerM: v.lo, AltUpperM: v.hi}
		if v.start != deconflict.StartOfTime {
			s := v.start
			dv.Start = &s
		}
		if v.end != deconflict.EndOfTime {
			e := v.end
			dv.End = &e
		}
		cv, err := geo.CompileVolume(dv, "volumes[0]", 100000)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, cv)
	}
	return out
}

func (w *world) engineZones(t testing.TB) []tactical.Zone {
	var out []tactical.Zone
	for _, z := range w.zones {
		out = append(out, tactical.Zone{Party: z.party, ID: z.id, Kind: z.kind, Volumes: w.engineVolumes(t, z.vols), Minima: z.minima})
	}
	return out
}

func (w *world) engineOps(t testing.TB) []tactical.Operation {
	var out []tactical.Operation
	for _, o := range w.ops {
		out = append(out, tactical.Operation{Party: o.party, ID: o.id, Callsign: o.callsign, Aircraft: o.aircraft, Volumes: w.engineVolumes(t, o.vols)})
	}
	return out
}

// step moves the world to round r and returns the indices of the aircraft
// that report, in a random order. Some aircraft manoeuvre first.
func (w *world) step(r int, now time.Time) []int {
	var idx []int
	for i := range w.acs {
		if w.silentAt[i] >= 0 && r >= w.silentAt[i] {
			continue
		}
		at := now.Add(-time.Duration(w.uniform(0, 2) * float64(time.Second)))
		if r > 0 {
			w.acs[i] = w.acs[i].state(at)
			if w.rng.IntN(20) == 0 {
				w.acs[i].trk = math.Mod(w.acs[i].trk+w.uniform(-40, 40)+360, 360)
				w.acs[i].vs = []float64{0, 0, 8, -8}[w.rng.IntN(4)]
			}
		}
		idx = append(idx, i)
	}
	w.rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
	return idx
}

// compare checks the engine's alerts in force against the oracle's.
func compare(t *testing.T, round int, got []tactical.Active, want oResult) (n int) {
	t.Helper()
	seen := map[string]bool{}
	var faults []string
	for _, a := range got {
		k := engineKey(a.Alert)
		seen[k] = true
		if want.ambiguous[k] {
			continue
		}
		o, ok := want.want[k]
		switch {
		case !ok:
			faults = append(faults, fmt.Sprintf("engine has %s %s (time_to %.3f), oracle has none", k, a.Alert.State, a.Alert.TimeToS))
		case o.state != a.Alert.State:
			faults = append(faults, fmt.Sprintf("%s: engine state %s, oracle %s", k, a.Alert.State, o.state))
		case a.Alert.TimeToS < o.ttLo || a.Alert.TimeToS > o.ttHi:
			faults = append(faults, fmt.Sprintf("%s: engine time_to %.4f, oracle [%.4f, %.4f]", k, a.Alert.TimeToS, o.ttLo, o.ttHi))
		}
	}
	for k, o := range want.want {
		if !seen[k] {
			faults = append(faults, fmt.Sprintf("oracle has %s %s (time_to %.3f), engine has none", k, o.state, o.ttLo))
		}
	}
	slices.Sort(faults)
	for i, f := range faults {
		if i == 10 {
			t.Errorf("round %d: ... and %d more", round, len(faults)-10)
			break
		}
		t.Errorf("round %d: %s", round, f)
	}
	return len(want.want)
}

// runScenario flies the world for some rounds, feeding every report to the
// engine (from workers goroutines at once when workers > 1), and compares
// the engine's alerts in force with the oracle's after every round.
func runScenario(t *testing.T, seed uint64, n, rounds, workers int) {
	w := newWorld(seed, n)
	clk := &fixedClock{t0}
	e := tactical.New(tactical.Config{Now: clk.now})
	e.SetZones(w.engineZones(t))
	e.SetOperations(w.engineOps(t))
	latest := map[int]ac{}
	counts := map[deconflict.AlertKind]int{}
	ambiguous, total := 0, 0
	for r := range rounds {
		now := t0.Add(time.Duration(r) * roundStep)
		clk.t = now
		idx := w.step(r, now)
		var wg sync.WaitGroup
		for k := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := k; j < len(idx); j += workers {
					a := w.acs[idx[j]]
					if _, err := e.Update(a.report(), a.party, ""); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		e.Tick(now)
		for _, i := range idx {
			latest[i] = w.acs[i]
		}
		var reps []ac
		for _, a := range latest {
			reps = append(reps, a)
		}
		want := oracle(reps, w.zones, w.ops, stdParams, now)
		got := e.Alerts()
		total += compare(t, r, got, want)
		ambiguous += len(want.ambiguous)
		for _, a := range got {
			counts[a.Alert.Kind]++
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("%d aircraft, %d rounds: alerts in force summed over rounds %v; oracle alerts %d, ambiguous %d", n, rounds, counts, total, ambiguous)
	if ambiguous*50 > total {
		t.Errorf("%d ambiguous cases against %d alerts: the comparison is too lax", ambiguous, total)
	}
	for _, k := range []deconflict.AlertKind{deconflict.AlertSeparation, deconflict.AlertAirspaceEntry, deconflict.AlertZoneEntry, deconflict.AlertNonconformance} {
		if counts[k] == 0 {
			t.Errorf("the scenario raised no %s alert: it tests nothing of it", k)
		}
	}
}

func TestEngineMatchesOracle(t *testing.T) {
	rounds := 6
	if raceEnabled {
		rounds = 3
	}
	runScenario(t, 1, 2000, rounds, 1)
}

// TestEngineMatchesOracleConcurrent feeds each round from two goroutines at
// once: the alerts after the round must still be those of the latest
// reports of both aircraft of every pair.
func TestEngineMatchesOracleConcurrent(t *testing.T) {
	rounds := 6
	if raceEnabled {
		rounds = 3
	}
	runScenario(t, 2, 2000, rounds, 2)
}
