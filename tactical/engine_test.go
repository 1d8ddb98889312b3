package tactical_test

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/geo"
	"github.com/deconflict/deconflict/tactical"
)

func newEngine(clk *fixedClock) *tactical.Engine {
	return tactical.New(tactical.Config{Now: clk.now})
}

func mustUpdate(t *testing.T, e *tactical.Engine, a ac, reporter string) []tactical.Transition {
	t.Helper()
	out, err := e.Update(a.report(), a.party, reporter)
	if err != nil {
		t.Fatalf("Update(%s): %v", a.id, err)
	}
	return out
}

// onlyOne returns the single transition of out, failing otherwise.
func onlyOne(t *testing.T, out []tactical.Transition) tactical.Transition {
	t.Helper()
	if len(out) != 1 {
		t.Fatalf("want one transition, got %d: %+v", len(out), out)
	}
	return out[0]
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.4f, want %.4f ± %g", what, got, want, tol)
	}
}

// headOn returns two aircraft on the equator at one altitude, closing at
// 500 m/s, that lose 5 NM of separation lossIn seconds from t0.
func headOn(lossIn float64) (ac, ac) {
	d := 9260 + 500*lossIn
	lat, lon, _ := destination(0, 0, 90, d)
	a := ac{party: "usaf", id: "a1", callsign: "RAGE11", lat: 0, lon: 0, alt: 10000, gs: 250, trk: 90, at: t0}
	b := ac{party: "vks", id: "b1", callsign: "FALCON2", lat: lat, lon: lon, alt: 10000, gs: 250, trk: 270, at: t0}
	return a, b
}

// TestHeadOn74s: two aircraft 46,260 m apart closing at 500 m/s lose 9,260
// m of separation in 74 s; their closest approach is a collision 92.52 s
// out, midway between them.
func TestHeadOn74s(t *testing.T) {
	clk := &fixedClock{t0}
	e := newEngine(clk)
	a, b := headOn(74)
	if out := mustUpdate(t, e, a, ""); len(out) != 0 {
		t.Fatalf("one aircraft alone raised %+v", out)
	}
	tr := onlyOne(t, mustUpdate(t, e, b, ""))
	al := tr.Alert
	if tr.Kind != deconflict.EventAlertRaised || al.Kind != deconflict.AlertSeparation || al.State != deconflict.AlertPredicted {
		t.Fatalf("got %s %s %s", tr.Kind, al.Kind, al.State)
	}
	near(t, "time_to_s", al.TimeToS, 74, 0.001)
	if al.CPA == nil {
		t.Fatal("no cpa")
	}
	near(t, "cpa seconds", al.CPA.Time.Sub(t0).Seconds(), 92.52, 0.001)
	near(t, "cpa distance_m", al.CPA.DistanceM, 0, 0.01)
	near(t, "cpa vertical_m", al.CPA.VerticalM, 0, 0.01)
	near(t, "position lon", al.Position[0], 46260.0/2/earthR*180/math.Pi, 1e-6)
	near(t, "position lat", al.Position[1], 0, 1e-9)
	if !slices.Equal(tr.Parties, []string{"usaf", "vks"}) {
		t.Errorf("parties %v", tr.Parties)
	}
	want := []deconflict.TrackRef{{Party: "usaf", ID: "a1", Callsign: "RAGE11"}, {Party: "vks", ID: "b1", Callsign: "FALCON2"}}
	if !slices.Equal(al.Tracks, want) {
		t.Errorf("tracks %+v", al.Tracks)
	}
	if al.Zone != nil || al.ID == "" || !al.RaisedAt.Equal(t0) || !al.UpdatedAt.Equal(t0) {
		t.Errorf("zone %v id %q raised %v updated %v", al.Zone, al.ID, al.RaisedAt, al.UpdatedAt)
	}
	if got := e.Alerts(); len(got) != 1 || got[0].Alert.ID != al.ID {
		t.Errorf("Alerts() = %+v", got)
	}
}

// TestSeparationCases: crossing at right angles, vertical separation,
// climbing through, the same party, parallel tracks just outside the
// minimum, and a pair whose loss would come after the look-ahead.
func TestSeparationCases(t *testing.T) {
	type tc struct {
		name     string
		a, b     ac
		conflict bool
		timeTo   float64 // when conflict
		tol      float64
	}
	// b reaches the crossing point (0, 0.5°) together with a, from the south.
	cross := func(dAlt, vsB float64) (ac, ac) {
		clat, clon := 0.0, 0.5
		a := ac{party: "usaf", id: "a", alt: 8000, gs: 200, trk: 90, at: t0}
		a.lat, a.lon, _ = destination(clat, clon, 270, 200*60)
		b := ac{party: "vks", id: "b", alt: 8000 + dAlt - vsB*60, gs: 200, trk: 0, vs: vsB, at: t0}
		b.lat, b.lon, _ = destination(clat, clon, 180, 200*60)
		return a, b
	}
	var cases []tc
	{
		// Both 12 km out, at 200 m/s, at right angles: the distance is
		// 200·√2·(60 − s); under 9,260 m from s = 60 − 9260/(200√2).
		a, b := cross(0, 0)
		cases = append(cases, tc{"crossing at right angles", a, b, true, 60 - 9260/(200*math.Sqrt2), 0.01})
	}
	{
		a, b := cross(310, 0) // 1,017 ft apart: separated vertically
		cases = append(cases, tc{"crossing 310 m apart vertically", a, b, false, 0, 0})
	}
	{
		// b climbs at 10 m/s through a's level, crossing it at the crossing
		// point: lateral loss from s = 60 − 32.74, vertical from 60 − 30.48.
		a, b := cross(0, 10)
		cases = append(cases, tc{"climbing through at the crossing", a, b, true, 60 - 304.8/10, 0.01})
	}
	{
		a, b := cross(0, 0)
		b.party = a.party
		cases = append(cases, tc{"same party", a, b, false, 0, 0})
	}
	{
		a := ac{party: "usaf", id: "a", lat: 0, lon: 0, alt: 9000, gs: 230, trk: 0, at: t0}
		b := a
		b.party, b.id = "vks", "b"
		b.lat, b.lon, _ = destination(0, 0, 90, 9300) // abreast, 40 m outside the minimum
		cases = append(cases, tc{"parallel 9,300 m apart", a, b, false, 0, 0})
		c := b
		c.id = "c"
		c.lat, c.lon, _ = destination(0, 0, 90, 9000) // inside the minimum now
		cases = append(cases, tc{"parallel 9,000 m apart", a, c, true, 0, 0})
	}
	{
		a, b := headOn(125) // loss 125 s out: beyond the 120 s look-ahead
		cases = append(cases, tc{"head-on, loss after the look-ahead", a, b, false, 0, 0})
	}
	{
		// Overtaking on the same track: 15 km behind, 100 m/s faster.
		a := ac{party: "usaf", id: "a", lat: 10, lon: 20, alt: 6000, gs: 150, trk: 45, at: t0}
		b := a
		b.party, b.id, b.gs = "vks", "b", 250
		b.lat, b.lon, _ = destination(10, 20, 225, 15000)
		b.trk = 45
		_, _, b.trk = destination(b.lat, b.lon, 45, 0.001)
		cases = append(cases, tc{"overtaking", a, b, true, (15000 - 9260) / 100.0, 0.05})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEngine(&fixedClock{t0})
			mustUpdate(t, e, c.a, "")
			out := mustUpdate(t, e, c.b, "")
			if !c.conflict {
				if len(out) != 0 {
					t.Fatalf("raised %+v", out[0].Alert)
				}
				return
			}
			tr := onlyOne(t, out)
			near(t, "time_to_s", tr.Alert.TimeToS, c.timeTo, c.tol)
			wantState := deconflict.AlertPredicted
			if c.timeTo == 0 {
				wantState = deconflict.AlertInside
			}
			if tr.Alert.State != wantState {
				t.Errorf("state %s, want %s", tr.Alert.State, wantState)
			}
		})
	}
}

// TestSteadyEncounterHysteresis: a head-on encounter reported every second
// by both aircraft, from 100 s before the loss of separation until they are
// well apart, is told in three transitions: raised (predicted), updated
// (inside, at the loss), cleared (after they pass).
func TestSteadyEncounterHysteresis(t *testing.T) {
	clk := &fixedClock{t0}
	e := newEngine(clk)
	a, b := headOn(100.5)
	var got []tactical.Transition
	var ids []string
	for s := 0; s <= 160; s++ {
		now := t0.Add(time.Duration(s) * time.Second)
		clk.t = now
		for _, x := range []ac{a.state(now), b.state(now)} {
			got = append(got, mustUpdate(t, e, x, "")...)
		}
	}
	var kinds []string
	for _, tr := range got {
		kinds = append(kinds, string(tr.Kind)+"/"+string(tr.Alert.State))
		ids = append(ids, tr.Alert.ID)
	}
	want := []string{"alert.raised/predicted", "alert.updated/inside", "alert.cleared/cleared"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("transitions %v, want %v", kinds, want)
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Errorf("one alert should keep its id: %v", ids)
	}
	// Raised when first predicted (loss 100.5 s out is within the look-ahead
	// at once), inside at the first report after the loss; they part after
	// the collision point (119.02 s) plus 9260/500 s.
	near(t, "raised at", got[0].Alert.RaisedAt.Sub(t0).Seconds(), 0, 0)
	near(t, "inside at", got[1].Alert.UpdatedAt.Sub(t0).Seconds(), 101, 0)
	near(t, "cleared at", got[2].Alert.UpdatedAt.Sub(t0).Seconds(), 138, 0)
}

// TestHysteresisStep: a change of the predicted time of entry below the
// step is not told; one above it is.
func TestHysteresisStep(t *testing.T) {
	clk := &fixedClock{t0}
	e := newEngine(clk)
	a, b := headOn(60)
	mustUpdate(t, e, a, "")
	onlyOne(t, mustUpdate(t, e, b, ""))
	// b slows a little: the loss moves by ~2 s, under the 10 s step.
	b2 := b.state(t0.Add(time.Second))
	b2.gs = 235
	clk.t = b2.at
	if out := mustUpdate(t, e, b2, ""); len(out) != 0 {
		t.Fatalf("a change under the step was told: %+v", out)
	}
	// b slows a lot: the loss moves by more than 10 s.
	b3 := b2.state(t0.Add(2 * time.Second))
	b3.gs = 120
	clk.t = b3.at
	tr := onlyOne(t, mustUpdate(t, e, b3, ""))
	if tr.Kind != deconflict.EventAlertUpdated {
		t.Fatalf("got %s", tr.Kind)
	}
}

// TestStaleTrackDropped: a track not updated for 30 s is dropped by Tick,
// its alerts cleared; a report older than the last is ignored.
func TestStaleTrackDropped(t *testing.T) {
	clk := &fixedClock{t0}
	e := newEngine(clk)
	a, b := headOn(74)
	mustUpdate(t, e, a, "")
	raised := onlyOne(t, mustUpdate(t, e, b, ""))
	// An older report of b changes nothing.
	if out := mustUpdate(t, e, b.state(t0.Add(-5*time.Second)), ""); len(out) != 0 {
		t.Fatalf("an older report was taken: %+v", out)
	}
	if out := e.Tick(t0.Add(30 * time.Second)); len(out) != 0 {
		t.Fatalf("dropped at exactly 30 s: %+v", out)
	}
	if n := len(e.Tracks()); n != 2 {
		t.Fatalf("%d tracks", n)
	}
	out := e.Tick(t0.Add(30*time.Second + time.Millisecond))
	cl := onlyOne(t, out)
	if cl.Kind != deconflict.EventAlertCleared || cl.Alert.ID != raised.Alert.ID || cl.Alert.State != deconflict.AlertCleared {
		t.Fatalf("got %+v", cl)
	}
	if !slices.Equal(cl.Parties, []string{"usaf", "vks"}) {
		t.Errorf("parties %v", cl.Parties)
	}
	if n := len(e.Tracks()); n != 0 {
		t.Fatalf("%d tracks left", n)
	}
	if n := len(e.Alerts()); n != 0 {
		t.Fatalf("%d alerts left", n)
	}
	// A report too old for the clock is ignored; a fresh one starts over.
	clk.t = t0.Add(40 * time.Second)
	if out := mustUpdate(t, e, a, ""); len(out) != 0 || len(e.Tracks()) != 0 {
		t.Fatalf("a stale report was taken")
	}
	mustUpdate(t, e, a.state(clk.t), "")
	if n := len(e.Tracks()); n != 1 {
		t.Fatalf("%d tracks", n)
	}
}

// TestReporterIsTold: a surveillance party reporting someone else's
// aircraft is among the parties told, as is the other aircraft's reporter.
func TestReporterIsTold(t *testing.T) {
	e := newEngine(&fixedClock{t0})
	a, b := headOn(30)
	mustUpdate(t, e, a, "radar1")
	tr := onlyOne(t, mustUpdate(t, e, b, "adsbnet"))
	if want := []string{"adsbnet", "radar1", "usaf", "vks"}; !slices.Equal(tr.Parties, want) {
		t.Errorf("parties %v, want %v", tr.Parties, want)
	}
	tracks := e.Tracks()
	if len(tracks) != 2 || tracks[0].Reporter != "radar1" || tracks[0].Report.Party != "usaf" || tracks[1].Reporter != "adsbnet" {
		t.Errorf("tracks %+v", tracks)
	}
}

// TestReplayAtTwoSpeeds: the same recorded reports replayed at two speeds,
// with the clock following the report times and Tick called once a second
// of wall time (every 1 s and every 10 s of report time), give the same
// alerts with the same ids, states and times.
func TestReplayAtTwoSpeeds(t *testing.T) {
	w := newWorld(9, 300)
	type rec struct {
		a    ac
		rank int
	}
	var reps []ac
	for s := 0; s < 90; s += 2 {
		now := t0.Add(time.Duration(s) * time.Second)
		for i := range w.acs {
			if i%7 == 0 && s > 40 {
				continue // some go silent, to be dropped
			}
			reps = append(reps, w.acs[i].state(now))
		}
	}
	replay := func(speed int) []string {
		clk := &fixedClock{t0}
		e := newEngine(clk)
		e.SetZones(w.engineZones(t))
		var log []string
		note := func(out []tactical.Transition) {
			for _, tr := range out {
				a := tr.Alert
				log = append(log, string(tr.Kind)+" "+a.ID+" "+string(a.State)+" "+engineKey(a)+" "+a.UpdatedAt.Format(time.RFC3339Nano))
			}
		}
		lastTick := t0
		for _, r := range reps {
			clk.t = r.at
			for !r.at.Before(lastTick.Add(time.Duration(speed) * time.Second)) {
				lastTick = lastTick.Add(time.Duration(speed) * time.Second)
				note(e.Tick(lastTick))
			}
			out, err := e.Update(r.report(), r.party, "")
			if err != nil {
				t.Fatal(err)
			}
			note(out)
		}
		slices.Sort(log)
		return log
	}
	slow, fast := replay(1), replay(10)
	if len(slow) == 0 {
		t.Fatal("the replay raised nothing")
	}
	// Drops happen at the first Tick past the stale timeout, which differs
	// with the Tick cadence; everything else must be identical.
	strip := func(log []string) []string {
		var out []string
		for _, l := range log {
			if len(l) > 13 && l[:13] == "alert.cleared" {
				l = l[:len(l)-len(time.RFC3339Nano)-8]
			}
			out = append(out, l)
		}
		return out
	}
	if !slices.Equal(strip(slow), strip(fast)) {
		t.Fatalf("the two replays differ:\n%d transitions at 1 s ticks, %d at 10 s ticks", len(slow), len(fast))
	}
	t.Logf("%d transitions, identical at both speeds", len(slow))
}

// zoneOf compiles a zone with one volume.
func zoneOf(t testing.TB, party, id string, kind deconflict.ZoneKind, typ, coords string, buffer, lo, hi float64) tactical.Zone {
	t.Helper()
	v, err := geo.CompileVolume(deconflict.Volume{Geometry: deconflict.Geometry{Type: typ, Coordinates: json.RawMessage(coords)},
		BufferM: buffer, AltLowerM: lo, AltUpperM: hi}, "volumes[0]", 10000)
	if err != nil {
		t.Fatal(err)
	}
	return tactical.Zone{Party: party, ID: id, Kind: kind, Volumes: []*geo.Volume{v}}
}

// TestAirspaceEntryLifecycle: an aircraft flying east towards another
// party's airspace (a 1° square) is predicted to enter 60 s before the
// border, is inside once across, and the alert clears when it has left and
// is not heading back. The owner's own aircraft raises nothing.
func TestAirspaceEntryLifecycle(t *testing.T) {
	clk := &fixedClock{t0}
	e := newEngine(clk)
	if out := e.SetZones([]tactical.Zone{zoneOf(t, "syria", "syria", deconflict.ZoneAirspace, "Polygon",
		"[[[36,35],[37,35],[37,36],[36,36],[36,35]]]", 0, deconflict.MinAltitudeM, deconflict.MaxAltitudeM)}); len(out) != 0 {
		t.Fatalf("no tracks yet, got %+v", out)
	}
	// 200 m/s along the parallel 35.5 (a rhumb line; the great circle
	// bends north a little, and stays within the square).
	start := ac{party: "usaf", id: "a", lat: 35.5, lon: 35.5, alt: 6000, gs: 200, trk: 90, at: t0}
	distToBorder := haversine(35.5, 35.5, 35.5, 36) // the great circle from there meets 36°E a hair north of 35.5°
	own := start
	own.party, own.id, own.alt = "syria", "own", 1000 // far below: no separation alert
	mustUpdate(t, e, own, "")
	var kinds []string
	var first tactical.Transition
	for s := 0; s <= 900; s += 5 {
		now := t0.Add(time.Duration(s) * time.Second)
		clk.t = now
		for _, tr := range mustUpdate(t, e, start.state(now), "") {
			if len(kinds) == 0 {
				first = tr
			}
			kinds = append(kinds, string(tr.Kind)+"/"+string(tr.Alert.State))
		}
		mustUpdate(t, e, own.state(now), "")
	}
	want := []string{"alert.raised/predicted", "alert.updated/inside", "alert.cleared/cleared"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("transitions %v, want %v", kinds, want)
	}
	al := first.Alert
	if al.Kind != deconflict.AlertAirspaceEntry || al.Zone == nil || *al.Zone != (deconflict.ZoneRef{Party: "syria", ID: "syria"}) {
		t.Fatalf("alert %+v", al)
	}
	// First predicted at the first report within 120 s of the border.
	raisedAt := al.RaisedAt.Sub(t0).Seconds()
	if entry := distToBorder / 200; raisedAt+al.TimeToS < entry-1 || raisedAt+al.TimeToS > entry+1 || al.TimeToS > 120 {
		t.Errorf("raised %.0f s in, time_to %.1f s; the border is %.1f s away", raisedAt, al.TimeToS, entry)
	}
	if !slices.Equal(first.Parties, []string{"syria", "usaf"}) {
		t.Errorf("parties %v", first.Parties)
	}
}

// TestZoneAcrossAntimeridian: a protected zone spanning 180°, approached
// from the west across the meridian, and a circle (Point with a buffer)
// whose altitude band the aircraft climbs into.
func TestZoneAcrossAntimeridian(t *testing.T) {
	clk := &fixedClock{t0}
	e := newEngine(clk)
	e.SetZones([]tactical.Zone{
		zoneOf(t, "un", "atoll", deconflict.ZoneProtected, "Polygon", "[[[179.9,-0.1],[-179.9,-0.1],[-179.9,0.1],[179.9,0.1],[179.9,-0.1]]]", 0, 0, 3000),
		zoneOf(t, "un", "ship", deconflict.ZoneRestricted, "Point", "[-179,0]", 5000, 4000, 6000),
	})
	// At 179.8°E heading east at 150 m/s and 2,000 m: 0.1° (11.1 km) to go.
	a := ac{party: "usaf", id: "a", lat: 0, lon: 179.8, alt: 2000, gs: 150, trk: 90, at: t0}
	tr := onlyOne(t, mustUpdate(t, e, a, ""))
	if tr.Alert.Kind != deconflict.AlertZoneEntry || tr.Alert.Zone.ID != "atoll" || tr.Alert.State != deconflict.AlertPredicted {
		t.Fatalf("got %+v", tr.Alert)
	}
	near(t, "time_to_s", tr.Alert.TimeToS, 0.1*math.Pi/180*earthR/150, 0.01)
	// Past the atoll at -179.5°, climbing at 20 m/s from 2,000 m: in the
	// ship's band after 100 s, but the edge of its buffer is 50.6 km (337 s)
	// away: nothing within the look-ahead.
	b := a
	b.id = "b"
	b.lon = -179.5
	b.vs = 20
	if out := mustUpdate(t, e, b, ""); len(out) != 0 {
		t.Fatalf("got %+v", out[0].Alert)
	}
	// 15 km west of the ship at 5,000 m: 10 km (66.7 s) to its buffer.
	c := ac{party: "usaf", id: "c", lat: 0, alt: 5000, gs: 150, trk: 90, at: t0}
	c.lat, c.lon, _ = destination(0, -179, 270, 15000)
	tr = onlyOne(t, mustUpdate(t, e, c, ""))
	if tr.Alert.Zone.ID != "ship" {
		t.Fatalf("got %+v", tr.Alert)
	}
	near(t, "time_to_s", tr.Alert.TimeToS, 10000.0/150, 0.01)
}

// TestNonconformance: a track whose callsign matches its party's active
// operation is in conformance inside the operation's corridor and raises a
// nonconformance alert when outside it; another party's aircraft with the
// same callsign is not concerned.
func TestNonconformance(t *testing.T) {
	clk := &fixedClock{t0}
	e := newEngine(clk)
	z := zoneOf(t, "usaf", "x", deconflict.ZoneRestricted, "LineString", "[[36,35],[37,35]]", 5000, 5000, 7000)
	start, end := t0.Add(-time.Hour), t0.Add(time.Hour)
	z.Volumes[0].Start, z.Volumes[0].End = start, end
	e.SetOperations([]tactical.Operation{{Party: "usaf", ID: "op1", Callsign: "RAGE11", Volumes: z.Volumes}})
	in := ac{party: "usaf", id: "a", callsign: "rage11 ", lat: 35.01, lon: 36.5, alt: 6000, gs: 200, trk: 90, at: t0}
	if out := mustUpdate(t, e, in, ""); len(out) != 0 {
		t.Fatalf("in conformance, got %+v", out)
	}
	out := in
	out.lat = 35.2 // 22 km north of the corridor's centre line
	tr := onlyOne(t, mustUpdate(t, e, out.state(t0.Add(time.Second)), ""))
	if tr.Alert.Kind != deconflict.AlertNonconformance || tr.Alert.State != deconflict.AlertInside || !slices.Equal(tr.Parties, []string{"usaf"}) {
		t.Fatalf("got %+v to %v", tr.Alert, tr.Parties)
	}
	back := in.state(t0.Add(2 * time.Second))
	if tr := onlyOne(t, mustUpdate(t, e, back, "")); tr.Kind != deconflict.EventAlertCleared {
		t.Fatalf("got %+v", tr)
	}
	// Too high for the volume's band.
	high := back.state(t0.Add(3 * time.Second))
	high.alt = 8000
	onlyOne(t, mustUpdate(t, e, high, ""))
	other := out
	other.party, other.id = "vks", "v"
	if out := mustUpdate(t, e, other, ""); len(out) != 0 {
		t.Fatalf("another party's aircraft: %+v", out)
	}
	// Removing the operation clears the alert at once.
	if tr := onlyOne(t, e.SetOperations(nil)); tr.Kind != deconflict.EventAlertCleared {
		t.Fatalf("got %+v", tr)
	}
}

// TestSetZonesJudgesAtOnce: a zone created around an aircraft raises its
// alert when set, and removing the zone clears it.
func TestSetZonesJudgesAtOnce(t *testing.T) {
	e := newEngine(&fixedClock{t0})
	a := ac{party: "usaf", id: "a", lat: 35.5, lon: 36.5, alt: 6000, gs: 200, trk: 90, at: t0}
	mustUpdate(t, e, a, "")
	z := zoneOf(t, "syria", "syria", deconflict.ZoneAirspace, "Polygon", "[[[36,35],[37,35],[37,36],[36,36],[36,35]]]", 0, deconflict.MinAltitudeM, deconflict.MaxAltitudeM)
	tr := onlyOne(t, e.SetZones([]tactical.Zone{z}))
	if tr.Kind != deconflict.EventAlertRaised || tr.Alert.State != deconflict.AlertInside {
		t.Fatalf("got %+v", tr)
	}
	if out := e.SetZones([]tactical.Zone{z}); len(out) != 0 {
		t.Fatalf("the same zones again: %+v", out)
	}
	if tr := onlyOne(t, e.SetZones(nil)); tr.Kind != deconflict.EventAlertCleared {
		t.Fatalf("got %+v", tr)
	}
}

// TestTracksIn: the bounding box filter, across the antimeridian too.
func TestTracksIn(t *testing.T) {
	e := newEngine(&fixedClock{t0})
	for i, lon := range []float64{-179.5, 179.5, 10, 0} {
		mustUpdate(t, e, ac{party: "p", id: string(rune('a' + i)), lat: 1, lon: lon, alt: 1000, gs: 100, at: t0}, "")
	}
	ids := func(ts []tactical.Track) string {
		s := ""
		for _, t := range ts {
			s += t.Report.ID
		}
		return s
	}
	if got := ids(e.TracksIn(179, 0, -179, 2)); got != "ab" {
		t.Errorf("across the antimeridian: %q", got)
	}
	if got := ids(e.TracksIn(-1, 0, 11, 2)); got != "cd" {
		t.Errorf("around Greenwich: %q", got)
	}
	if got := ids(e.TracksIn(-1, 2, 11, 3)); got != "" {
		t.Errorf("north of them: %q", got)
	}
}

// TestUpdateRefusesBadReports: what Validate refuses, Update refuses.
func TestUpdateRefusesBadReports(t *testing.T) {
	e := newEngine(&fixedClock{t0})
	good := ac{party: "p", id: "a", lat: 1, lon: 1, alt: 1000, gs: 100, at: t0}.report()
	for name, mut := range map[string]func(r *deconflict.TrackReport){
		"NaN latitude":    func(r *deconflict.TrackReport) { r.Lat = math.NaN() },
		"longitude 200":   func(r *deconflict.TrackReport) { r.Lon = 200 },
		"no id":           func(r *deconflict.TrackReport) { r.ID = "" },
		"bad id":          func(r *deconflict.TrackReport) { r.ID = "a b" },
		"no time":         func(r *deconflict.TrackReport) { r.Time = time.Time{} },
		"infinite speed":  func(r *deconflict.TrackReport) { r.GsMps = math.Inf(1) },
		"negative speed":  func(r *deconflict.TrackReport) { r.GsMps = -1 },
		"track 361":       func(r *deconflict.TrackReport) { r.TrackDeg = 361 },
		"altitude 200 km": func(r *deconflict.TrackReport) { r.AltM = 200e3 },
	} {
		r := good
		mut(&r)
		if _, err := e.Update(r, "p", ""); deconflict.ErrorCode(err) != deconflict.EINVALID {
			t.Errorf("%s: got %v", name, err)
		}
	}
	if _, err := e.Update(good, "", ""); deconflict.ErrorCode(err) != deconflict.EINVALID {
		t.Errorf("no party: got %v", err)
	}
	if len(e.Tracks()) != 0 {
		t.Errorf("a refused report left a track")
	}
}
