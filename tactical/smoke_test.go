package tactical_test

import (
	"testing"

	"github.com/deconflict/deconflict/tactical"
)

func TestSmokeHeadOn(t *testing.T) {
	clk := &fixedClock{t0}
	e := tactical.New(tactical.Config{Now: clk.now})
	d := 9260.0 + 500*74
	a := ac{party: "usaf", id: "a1", lat: 0, lon: 0, alt: 10000, gs: 250, trk: 90, at: t0}
	lat, lon, _ := destination(0, 0, 90, d)
	b := ac{party: "vks", id: "b1", lat: lat, lon: lon, alt: 10000, gs: 250, trk: 270, at: t0}
	tr, err := e.Update(a.report(), a.party, "")
	t.Logf("a: %+v %v", tr, err)
	tr, err = e.Update(b.report(), b.party, "")
	t.Logf("b: %+v %v", tr, err)
	for _, x := range tr {
		t.Logf("%s %s %+v cpa %+v parties %v", x.Kind, x.Alert.State, x.Alert, *x.Alert.CPA, x.Parties)
	}
}
