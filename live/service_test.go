package live

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/journal"
	"github.com/deconflict/deconflict/sqlite"
)

// countingStore counts transactions.
type countingStore struct {
	deconflict.Store
	n atomic.Int64
}

func (c *countingStore) Transact(ctx context.Context, fn func(tx deconflict.Tx) error) error {
	c.n.Add(1)
	return c.Store.Transact(ctx, fn)
}

// clock is a clock the test sets.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type fixture struct {
	store *countingStore
	live  *Service
	clock *clock
}

// newFixture opens a store with parties alpha and bravo, lets setup write
// to it, then starts the service on a test clock at now.
func newFixture(t *testing.T, now time.Time, setup func(tx deconflict.Tx) error) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "live.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.Transact(ctx, func(tx deconflict.Tx) error {
		for _, p := range []string{"alpha", "bravo"} {
			if err := tx.CreateParty(ctx, deconflict.Party{ID: p, Groups: []string{}, Roles: []string{}}); err != nil {
				return err
			}
		}
		if setup != nil {
			return setup(tx)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cs := &countingStore{Store: st}
	clk := &clock{t: now}
	cfg := Config{Store: cs, Journal: journal.New(nil), Settings: deconflict.DefaultSettings(), TickEvery: time.Hour, Refresh: time.Hour}
	cfg.Engine.Now = clk.Now
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &fixture{store: cs, live: s, clock: clk}
}

func circle(lon, lat, radiusM float64, start, end time.Time) deconflict.Volume {
	return deconflict.Volume{
		Geometry: deconflict.Geometry{Type: "Point", Coordinates: json.RawMessage(fmt.Sprintf("[%g, %g]", lon, lat))},
		BufferM:  radiusM, AltLowerM: 0, AltUpperM: 12000, Start: &start, End: &end,
	}
}

func rep(id, callsign string, lon, lat float64, at time.Time) deconflict.TrackReport {
	return deconflict.TrackReport{ID: id, Callsign: callsign, Lon: lon, Lat: lat, AltM: 5000, GsMps: 100, TrackDeg: 0, Time: at}
}

// alertsOf reads party's alert events, waiting up to a few seconds for at
// least want of them.
func alertsOf(t *testing.T, f *fixture, party string, want int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		evs, err := f.store.EventsAfter(context.Background(), party, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range evs {
			var a deconflict.Alert
			if err := json.Unmarshal(e.Data, &a); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s %s %s", e.Kind, a.Kind, a.State))
		}
		if len(out) >= want || time.Now().After(deadline) {
			return out
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func caller(p string) deconflict.Caller { return deconflict.Caller{Party: p} }

func TestActiveOperationIsWatchedForConformance(t *testing.T) {
	now := time.Date(2026, 11, 24, 7, 30, 0, 0, time.UTC)
	op := deconflict.Operation{Party: "alpha", ID: "sortie", Version: 1, Callsign: "ALPHA1", State: deconflict.StateActive,
		Volumes: []deconflict.Volume{circle(10, 50, 5000, now.Add(-time.Hour), now.Add(time.Hour))}}
	f := newFixture(t, now, func(tx deconflict.Tx) error { return tx.PutOperation(context.Background(), op) })
	ctx := context.Background()

	if err := f.live.Report(ctx, caller("alpha"), rep("a1", "ALPHA1", 10, 50, now), ""); err != nil {
		t.Fatal(err)
	}
	if as, _ := f.live.Alerts(ctx, caller("alpha")); len(as) != 0 {
		t.Fatalf("inside its operation: %+v", as)
	}
	if err := f.live.Report(ctx, caller("alpha"), rep("a1", "ALPHA1", 10.5, 50, now.Add(time.Second)), ""); err != nil {
		t.Fatal(err)
	}
	if got := alertsOf(t, f, "alpha", 1); len(got) != 1 || got[0] != "alert.raised nonconformance inside" {
		t.Fatalf("alpha's events: %v", got)
	}
	if got := alertsOf(t, f, "bravo", 0); len(got) != 0 {
		t.Fatalf("bravo told of alpha's nonconformance: %v", got)
	}

	// Cancelled: no longer watched, so the alert clears at the next refresh.
	op.Version, op.State = 2, deconflict.StateCancelled
	if err := f.store.Transact(ctx, func(tx deconflict.Tx) error { return tx.PutOperation(ctx, op) }); err != nil {
		t.Fatal(err)
	}
	if err := f.live.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := alertsOf(t, f, "alpha", 2); len(got) != 2 || got[1] != "alert.cleared nonconformance cleared" {
		t.Fatalf("after the cancellation: %v", got)
	}
}

func TestPlannedOperationIsWatchedOnlyInItsWindow(t *testing.T) {
	now := time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
	start := now.Add(30 * time.Minute)
	op := deconflict.Operation{Party: "alpha", ID: "later", Version: 1, Callsign: "ALPHA2", State: deconflict.StatePlanned,
		Volumes: []deconflict.Volume{circle(10, 50, 5000, start, start.Add(time.Hour))}}
	f := newFixture(t, now, func(tx deconflict.Tx) error { return tx.PutOperation(context.Background(), op) })
	ctx := context.Background()
	if err := f.live.Report(ctx, caller("alpha"), rep("a2", "ALPHA2", 12, 50, now), ""); err != nil {
		t.Fatal(err)
	}
	if as, _ := f.live.Alerts(ctx, caller("alpha")); len(as) != 0 {
		t.Fatalf("before its window: %+v", as)
	}
	compiled := func() bool {
		f.live.refreshMu.Lock()
		defer f.live.refreshMu.Unlock()
		return f.live.ops[objKey{"alpha", "later"}].op.Volumes != nil
	}
	if compiled() {
		t.Error("an operation not yet in force has its volumes compiled")
	}
	at := start.Add(time.Minute)
	f.clock.Set(at)
	if err := f.live.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.live.Report(ctx, caller("alpha"), rep("a2", "ALPHA2", 12, 50, at), ""); err != nil {
		t.Fatal(err)
	}
	if as, _ := f.live.Alerts(ctx, caller("alpha")); len(as) != 1 || as[0].Kind != deconflict.AlertNonconformance {
		t.Fatalf("in its window, outside it: %+v", as)
	}
	if !compiled() {
		t.Error("an operation in force is watched without its compiled volumes")
	}
}

func TestRefreshRecompilesOnlyWhatChanged(t *testing.T) {
	now := time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
	zone := func(id string, version int64, lon float64) deconflict.Zone {
		return deconflict.Zone{Party: "bravo", ID: id, Version: version, Kind: deconflict.ZoneAirspace, Policy: deconflict.PolicyInform,
			Volumes: []deconflict.Volume{circle(lon, 50, 10000, now.Add(-time.Hour), now.Add(time.Hour))}, ShareWith: []string{}}
	}
	f := newFixture(t, now, func(tx deconflict.Tx) error {
		ctx := context.Background()
		if err := tx.PutZone(ctx, zone("east", 1, 20)); err != nil {
			return err
		}
		return tx.PutZone(ctx, zone("west", 1, 0))
	})
	ctx := context.Background()
	east := f.live.zones[objKey{"bravo", "east"}].zone.Volumes[0]
	west := f.live.zones[objKey{"bravo", "west"}].zone.Volumes[0]
	// Alpha's aircraft sits where the west zone will move to.
	if err := f.live.Report(ctx, caller("alpha"), rep("a1", "", 5, 50, now), ""); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Transact(ctx, func(tx deconflict.Tx) error { return tx.PutZone(ctx, zone("west", 2, 5)) }); err != nil {
		t.Fatal(err)
	}
	if err := f.live.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if f.live.zones[objKey{"bravo", "east"}].zone.Volumes[0] != east {
		t.Error("the unchanged zone was recompiled")
	}
	if f.live.zones[objKey{"bravo", "west"}].zone.Volumes[0] == west {
		t.Error("the changed zone was not recompiled")
	}
	for _, p := range []string{"alpha", "bravo"} {
		if got := alertsOf(t, f, p, 1); len(got) != 1 || got[0] != "alert.raised airspace_entry inside" {
			t.Errorf("%s after the zone moved onto the aircraft: %v", p, got)
		}
	}
	// Deleted: the alert clears.
	if err := f.store.Transact(ctx, func(tx deconflict.Tx) error { return tx.DeleteZone(ctx, "bravo", "west") }); err != nil {
		t.Fatal(err)
	}
	if err := f.live.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := alertsOf(t, f, "bravo", 2); len(got) != 2 || got[1] != "alert.cleared airspace_entry cleared" {
		t.Errorf("after the zone was deleted: %v", got)
	}
}

// TestBurstOfAlertsIsBatched: 300 encounters reported at once become 600
// events in a handful of transactions, not one per report.
func TestBurstOfAlertsIsBatched(t *testing.T) {
	now := time.Now().UTC()
	f := newFixture(t, now, nil)
	f.clock.Set(now)
	ctx := context.Background()
	before := f.store.n.Load()
	const pairs = 300
	var wg sync.WaitGroup
	for _, side := range []struct {
		party string
		lon   float64
		track float64
	}{{"alpha", 0, 90}, {"bravo", 0.2, 270}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range pairs {
				r := rep(fmt.Sprintf("%s%d", side.party, i), "", side.lon, -60+0.4*float64(i), now)
				r.GsMps, r.TrackDeg = 200, side.track
				if err := f.live.Report(ctx, caller(side.party), r, ""); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for _, p := range []string{"alpha", "bravo"} {
		if got := alertsOf(t, f, p, pairs); len(got) != pairs {
			t.Fatalf("%s has %d alert events, want %d", p, len(got), pairs)
		}
	}
	n := f.store.n.Load() - before
	t.Logf("%d transactions for %d events", n, 2*pairs)
	if n > 20 {
		t.Errorf("%d transactions for %d events", n, 2*pairs)
	}
}

func TestCloseWritesWhatIsQueued(t *testing.T) {
	now := time.Now().UTC()
	f := newFixture(t, now, nil)
	ctx := context.Background()
	a, b := rep("a1", "", 0, 10, now), rep("b1", "", 0.1, 10, now)
	a.TrackDeg, b.TrackDeg = 90, 270
	if err := f.live.Report(ctx, caller("alpha"), a, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.live.Report(ctx, caller("bravo"), b, ""); err != nil {
		t.Fatal(err)
	}
	f.live.Close()
	evs, err := f.store.EventsAfter(ctx, "alpha", 0, 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("events after Close: %v %v", evs, err)
	}
	if err := f.live.Report(ctx, caller("alpha"), a, ""); deconflict.ErrorCode(err) != deconflict.EUNAVAILABLE {
		t.Errorf("a report after Close: %v", err)
	}
}

// TestStaleTracksDropAndTheirAlertsClear: once the clock passes the stale
// timeout after the last reports, the ticker drops both aircraft and both
// parties are told the alert is cleared.
func TestStaleTracksDropAndTheirAlertsClear(t *testing.T) {
	now := time.Now().UTC()
	f := newFixture(t, now, nil)
	f.live.Close() // restart with a fast ticker on the same clock and store
	cfg := f.live.cfg
	cfg.TickEvery = 10 * time.Millisecond
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f.live = s
	ctx := context.Background()
	a, b := rep("a1", "", 0, 10, now), rep("b1", "", 0.1, 10, now)
	a.TrackDeg, b.TrackDeg = 90, 270
	for _, r := range []struct {
		p string
		r deconflict.TrackReport
	}{{"alpha", a}, {"bravo", b}} {
		if err := s.Report(ctx, caller(r.p), r.r, ""); err != nil {
			t.Fatal(err)
		}
	}
	if got := alertsOf(t, f, "bravo", 1); len(got) != 1 {
		t.Fatalf("before: %v", got)
	}
	f.clock.Set(now.Add(31 * time.Second))
	for _, p := range []string{"alpha", "bravo"} {
		if got := alertsOf(t, f, p, 2); len(got) != 2 || got[1] != "alert.cleared separation cleared" {
			t.Fatalf("%s after the tracks went stale: %v", p, got)
		}
	}
	if ts, _ := s.Tracks(ctx, caller("alpha"), nil); len(ts) != 0 {
		t.Errorf("stale tracks still listed: %+v", ts)
	}
}
