package tactical_test

import (
	"math"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/tactical"
)

// FuzzUpdate feeds arbitrary reports (any numbers, NaN and infinities
// included, any strings) next to two aircraft and a zone: Update never
// panics, refuses with EINVALID exactly what TrackReport.Validate refuses,
// and whatever it takes leaves alerts and tracks that are well formed.
func FuzzUpdate(f *testing.F) {
	f.Add("a1", "RAGE11", 35.5, 36.5, 6000.0, 200.0, 90.0, 0.0, int64(0), "usaf")
	f.Add("b2", "", 90.0, 180.0, 10000.0, 250.0, 0.0, 10.0, int64(-1e9), "vks")
	f.Add("c3", " x ", -90.0, -180.0, -1000.0, 2000.0, 360.0, -500.0, int64(5e9), "un")
	f.Add("d4", "pole", 89.9999, 0.0, 8000.0, 0.0, 180.0, 0.0, int64(0), "usaf")
	f.Add("e5", "anti", 0.0, 179.99999, 8000.0, 600.0, 90.0, 0.0, int64(0), "vks")
	f.Add("f6", "nan", math.NaN(), 0.0, 0.0, 0.0, 0.0, 0.0, int64(0), "vks")
	f.Add("g7", "inf", 0.0, 0.0, 0.0, math.Inf(1), 0.0, 0.0, int64(0), "vks")
	f.Add("h 8", "bad id", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, int64(0), "vks")
	f.Add("i9", "old", 35.5, 36.5, 6000.0, 200.0, 90.0, 0.0, int64(-31e9), "syria")
	f.Add("j10", "", 35.0, 36.0, 6000.0, 200.0, 45.0, 0.0, int64(0), "")
	zone := zoneOf(f, "syria", "syria", deconflict.ZoneAirspace, "Polygon", "[[[36,35],[37,35],[37,36],[36,36],[36,35]]]", 1000, 0, 20000)
	f.Fuzz(func(t *testing.T, id, callsign string, lat, lon, alt, gs, trk, vs float64, dt int64, party string) {
		clk := &fixedClock{t0}
		e := tactical.New(tactical.Config{Now: clk.now})
		e.SetZones([]tactical.Zone{zone})
		var all []tactical.Transition
		for _, a := range []ac{
			{party: "usaf", id: "x1", lat: 35.5, lon: 36.4, alt: 6000, gs: 200, trk: 90, at: t0},
			{party: "vks", id: "x2", lat: 35.5, lon: 36.6, alt: 6000, gs: 200, trk: 270, at: t0},
		} {
			out, err := e.Update(a.report(), a.party, "")
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, out...)
		}
		r := deconflict.TrackReport{ID: id, Callsign: callsign, Lat: lat, Lon: lon, AltM: alt, GsMps: gs, TrackDeg: trk, VsMps: vs,
			Time: t0.Add(time.Duration(dt))}
		out, err := e.Update(r, party, "")
		verr := r.Validate("")
		switch {
		case verr != nil && deconflict.ErrorCode(err) != deconflict.EINVALID:
			t.Fatalf("Validate refuses (%v) but Update gives %v", verr, err)
		case verr == nil && party != "" && err != nil:
			t.Fatalf("a valid report was refused: %v", err)
		case party == "" && err == nil:
			t.Fatal("a report without a party was taken")
		}
		all = append(all, out...)
		all = append(all, e.Tick(t0.Add(time.Minute))...)
		for _, tr := range all {
			checkAlert(t, tr.Alert)
			if len(tr.Parties) == 0 {
				t.Fatalf("a transition tells no one: %+v", tr)
			}
		}
		for _, a := range e.Alerts() {
			checkAlert(t, a.Alert)
		}
		if n := len(e.Tracks()); n != 0 {
			t.Fatalf("%d tracks survive a minute without reports", n)
		}
	})
}

func checkAlert(t *testing.T, a deconflict.Alert) {
	t.Helper()
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case a.ID == "" || len(a.Tracks) == 0:
		t.Fatalf("alert without id or tracks: %+v", a)
	case a.State != deconflict.AlertPredicted && a.State != deconflict.AlertInside && a.State != deconflict.AlertCleared:
		t.Fatalf("state %q", a.State)
	case !finite(a.TimeToS) || a.TimeToS < 0 || a.TimeToS > 120:
		t.Fatalf("time_to_s %v", a.TimeToS)
	case !finite(a.Position[0]) || !finite(a.Position[1]) || math.Abs(a.Position[0]) > 180 || math.Abs(a.Position[1]) > 90:
		t.Fatalf("position %v", a.Position)
	case (a.Kind == deconflict.AlertSeparation) != (a.CPA != nil):
		t.Fatalf("%s with cpa %v", a.Kind, a.CPA)
	case a.CPA != nil && (!finite(a.CPA.DistanceM) || !finite(a.CPA.VerticalM) || a.CPA.DistanceM < 0 || a.CPA.VerticalM < 0):
		t.Fatalf("cpa %+v", *a.CPA)
	case (a.Kind == deconflict.AlertAirspaceEntry || a.Kind == deconflict.AlertZoneEntry) != (a.Zone != nil):
		t.Fatalf("%s with zone %v", a.Kind, a.Zone)
	}
}
