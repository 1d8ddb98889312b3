package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

// TestBenchEndToEnd runs the bench at a small scale against an in-process
// server (the real stack on a SQLite file) and checks what it reports.
func TestBenchEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("bench runs for several seconds")
	}
	ctx := context.Background()
	cfg := serveConfig{data: t.TempDir(), adminToken: testAdminToken, settings: deconflict.DefaultSettings()}
	st, err := openStack(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(st.Handler)
	defer srv.Close()

	// A smaller region makes even a small preload dense enough to conflict.
	ops, region := 1000, 200.0
	if raceEnabled {
		ops, region = 300, 100
	}
	rep, err := bench(ctx, benchConfig{server: srv.URL, adminToken: testAdminToken, ops: ops, parties: 4,
		duration: 2 * time.Second, concurrency: 8, seed: 1, regionKm: region})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []phaseReport{rep.Preload, rep.Submit, rep.Check} {
		if p.Errors != 0 {
			t.Errorf("%s: %d errors, first: %s", p.Phase, p.Errors, p.FirstError)
		}
		if p.Accepted == 0 || p.AcceptedPerS <= 0 || p.RequestsPerS < p.AcceptedPerS {
			t.Errorf("%s: accepted %d (%.0f/s), %.0f requests/s", p.Phase, p.Accepted, p.AcceptedPerS, p.RequestsPerS)
		}
		l := p.Latency
		if !(0 < l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max) {
			t.Errorf("%s: percentiles out of order: %+v", p.Phase, l)
		}
	}
	if rep.Preload.Accepted != int64(ops) {
		t.Errorf("preload accepted %d of %d", rep.Preload.Accepted, ops)
	}
	// The scenario is dense enough that submissions meet conflicts and are
	// resubmitted with what the 409 named.
	if rep.Preload.Refused409 == 0 || rep.Preload.MeanConflicts <= 0 {
		t.Errorf("preload: %d refusals, %.2f conflicts per operation; the scenario should produce both", rep.Preload.Refused409, rep.Preload.MeanConflicts)
	}
	if rep.ServerRSSBytes <= 0 {
		t.Errorf("server memory not read from /metrics")
	}

	var table bytes.Buffer
	printBench(&table, rep)
	for _, want := range []string{"preload", "submit", "check", "p99 ms", "accepted/s", "server memory: resident"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	t.Logf("\n%s", table.String())
	var js bytes.Buffer
	if err := printJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var back benchReport
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Submit.Accepted != rep.Submit.Accepted {
		t.Errorf("--json does not round-trip: %v", err)
	}
}

// TestScenarioIsDeterministicAndInRange checks the generator: the same
// seed gives the same operations, and they stay in the documented ranges.
// TestBenchCompareRecord runs --compare-record at a small scale: both
// exchanges take every operation, and only the recorded one writes their
// ledger entries.
func TestBenchCompareRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("bench runs for several seconds")
	}
	ops, region := 400, 150.0
	if raceEnabled {
		ops, region = 150, 100
	}
	cs, err := compareRecordRounds(context.Background(), benchConfig{ops: ops, parties: 4, duration: time.Second, concurrency: 8, seed: 2,
		regionKm: region}, t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Rounds) != 2 {
		t.Fatalf("%d rounds, want 2", len(cs.Rounds))
	}
	if want := (cs.Rounds[0].SubmitChange + cs.Rounds[1].SubmitChange) / 2; math.Abs(cs.MedianSubmitChange-want) > 1e-9 {
		t.Fatalf("median submit change %v, want %v", cs.MedianSubmitChange, want)
	}
	c := cs.Rounds[1] // the recorded exchange ran first in it
	for _, r := range []benchReport{c.Unrecorded, c.Recorded} {
		if r.Preload.Accepted != int64(ops) || benchErrors(r) != 0 || r.Submit.Accepted == 0 {
			t.Fatalf("preload accepted %d of %d, submit %d, errors %d", r.Preload.Accepted, ops, r.Submit.Accepted, benchErrors(r))
		}
	}
	if c.Unrecorded.LedgerSize < 0 || c.Recorded.LedgerSize < c.Unrecorded.LedgerSize+int64(ops) {
		t.Fatalf("ledger entries: %d unrecorded, %d recorded; want at least one more for each of the %d operations",
			c.Unrecorded.LedgerSize, c.Recorded.LedgerSize, ops)
	}
	if want := c.Recorded.Submit.AcceptedPerS/c.Unrecorded.Submit.AcceptedPerS - 1; math.Abs(c.SubmitChange-want) > 1e-9 {
		t.Fatalf("submit change %v, want %v", c.SubmitChange, want)
	}
	var out bytes.Buffer
	printComparisons(&out, cs)
	if !strings.Contains(out.String(), "with the record: preload accepted/s") || !strings.Contains(out.String(), "median over 2 rounds") {
		t.Fatalf("printed comparison:\n%s", out.String())
	}
}

func TestScenarioIsDeterministicAndInRange(t *testing.T) {
	day := time.Date(2031, 11, 24, 0, 0, 0, 0, time.UTC)
	a, b := scenario{seed: 7, day: day, regionKm: 500}, scenario{seed: 7, day: day, regionKm: 500}
	other := scenario{seed: 8, day: day, regionKm: 500}
	for n := uint64(0); n < 2000; n++ {
		x, y := a.op(streamSubmit, n), b.op(streamSubmit, n)
		jx, _ := json.Marshal(x.volume)
		jy, _ := json.Marshal(y.volume)
		if !bytes.Equal(jx, jy) {
			t.Fatalf("op %d differs for the same seed", n)
		}
		if jo, _ := json.Marshal(other.op(streamSubmit, n).volume); bytes.Equal(jx, jo) {
			t.Fatalf("op %d is the same for another seed", n)
		}
		v := x.volume
		if v.End.Sub(*v.Start) != time.Hour || v.Start.Before(day) || v.End.After(day.Add(24*time.Hour)) {
			t.Errorf("op %d window %v..%v", n, v.Start, v.End)
		}
		if v.AltLowerM < 0 || v.AltUpperM > 16000 || v.AltLowerM >= v.AltUpperM {
			t.Errorf("op %d band %g..%g", n, v.AltLowerM, v.AltUpperM)
		}
		if err := deconflict.ValidateVolumes([]deconflict.Volume{v}, deconflict.DefaultSettings().Limits); err != nil {
			t.Errorf("op %d invalid: %v", n, err)
		}
		checkInRegion(t, n, v.Geometry)
	}
}

func checkInRegion(t *testing.T, n uint64, g deconflict.Geometry) {
	t.Helper()
	var pts [][2]float64
	switch g.Type {
	case "LineString":
		json.Unmarshal(g.Coordinates, &pts)
	case "Polygon":
		var rings [][][2]float64
		json.Unmarshal(g.Coordinates, &rings)
		pts = rings[0]
		if pts[0] != pts[len(pts)-1] {
			t.Errorf("op %d ring not closed", n)
		}
	default:
		t.Fatalf("op %d: geometry %s", n, g.Type)
	}
	// 500 km square from 36E 33.5N: about 4.5 degrees of latitude, 5.6 of longitude.
	for _, p := range pts {
		if p[0] < regionWest-0.01 || p[0] > regionWest+5.7 || p[1] < regionSouth-0.01 || p[1] > regionSouth+4.6 {
			t.Errorf("op %d point %v outside the region", n, p)
		}
	}
	if len(pts) < 2 || math.IsNaN(pts[0][0]) {
		t.Errorf("op %d has %d points", n, len(pts))
	}
}

func TestCheckLoopback(t *testing.T) {
	ctx := context.Background()
	for _, ok := range []string{"http://127.0.0.1:8080", "http://[::1]:8080", "http://localhost:9", "https://127.0.0.2"} {
		if err := checkLoopback(ctx, ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://192.0.2.1:8080", "http://10.0.0.1", "ftp://127.0.0.1", "127.0.0.1:8080", "http://[2001:db8::1]/"} {
		if err := checkLoopback(ctx, bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
