package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/api/apitest"
	"github.com/deconflict/deconflict/client"
)

func TestTracksAlertsAndSharing(t *testing.T) {
	ctx := context.Background()
	s := apitest.New(t)
	alpha := client.New(s.URL, s.NewParty("alpha"))
	bravo := client.New(s.URL, s.NewParty("bravo"))
	now := time.Now().UTC().Truncate(time.Second)
	a := deconflict.TrackReport{ID: "a1", Lat: 35, Lon: 36, AltM: 9000, GsMps: 250, TrackDeg: 90, Time: now}
	b := deconflict.TrackReport{ID: "b1", Lat: 35, Lon: 36.5, AltM: 9000, GsMps: 250, TrackDeg: 270, Time: now}
	if n, err := alpha.PostTracks(ctx, []deconflict.TrackReport{a}); err != nil || n != 1 {
		t.Fatalf("alpha: %d %v", n, err)
	}
	if n, err := bravo.PostTracks(ctx, []deconflict.TrackReport{b}); err != nil || n != 1 {
		t.Fatalf("bravo: %d %v", n, err)
	}
	as, err := alpha.Alerts(ctx)
	if err != nil || len(as) != 1 || as[0].Kind != deconflict.AlertSeparation {
		t.Fatalf("alerts: %+v %v", as, err)
	}
	if ts, err := bravo.Tracks(ctx, nil); err != nil || len(ts) != 1 || ts[0].ID != "b1" {
		t.Fatalf("bravo's tracks before sharing: %+v %v", ts, err)
	}
	if sh, err := alpha.SetTrackSharing(ctx, []string{"bravo"}); err != nil || len(sh) != 1 {
		t.Fatalf("sharing: %v %v", sh, err)
	}
	if ts, err := bravo.Tracks(ctx, &[4]float64{35.9, 34.9, 36.1, 35.1}); err != nil || len(ts) != 1 || ts[0].ID != "a1" {
		t.Fatalf("bravo's tracks in alpha's box after sharing: %+v %v", ts, err)
	}
	b.Party = "alpha"
	_, err = bravo.PostTracks(ctx, []deconflict.TrackReport{b})
	if p, ok := err.(*client.Problem); !ok || p.Status != 403 {
		t.Fatalf("bravo naming alpha: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		evs, err := bravo.Events(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) > 0 {
			if evs[0].Kind != deconflict.EventAlertRaised {
				t.Fatalf("bravo's first event: %+v", evs[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no alert event")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
