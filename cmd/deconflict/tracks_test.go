package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/client"
)

// TestTracksReplayPrintsTheAlertsRaised replays a recording of two
// parties' aircraft on a head-on course, made by a surveillance network
// a year ago, into a real server, and reads the summary.
func TestTracksReplayPrintsTheAlertsRaised(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, t.TempDir())
	admin := client.New(srv.url, testAdminToken)
	for _, p := range []string{"alpha", "bravo"} {
		if _, _, err := admin.CreateParty(ctx, deconflict.Party{ID: p}); err != nil {
			t.Fatal(err)
		}
	}
	_, radar, err := admin.CreateParty(ctx, deconflict.Party{ID: "radar", Roles: []string{deconflict.RoleSurveillance}})
	if err != nil {
		t.Fatal(err)
	}
	// Six seconds of reports, one a second each, written out of order:
	// 45.6 km apart at 35°N, closing at 500 m/s.
	t0 := time.Date(2025, 11, 24, 7, 20, 0, 0, time.UTC)
	var lines []string
	for i := 5; i >= 0; i-- {
		at := t0.Add(time.Duration(i) * time.Second)
		d := float64(i) * 250 / (111_320 * 0.81915) // degrees of longitude in i seconds
		for _, r := range []deconflict.TrackReport{
			{ID: "a1", Callsign: "ALPHA1", Party: "alpha", Lat: 35, Lon: 36.0 + d, AltM: 9000, GsMps: 250, TrackDeg: 90, Time: at},
			{ID: "b1", Callsign: "BRAVO1", Party: "bravo", Lat: 35, Lon: 36.5 - d, AltM: 9000, GsMps: 250, TrackDeg: 270, Time: at},
		} {
			data, _ := json.Marshal(r)
			lines = append(lines, string(data))
		}
	}
	lines = append(lines, `{"id": "bad", "lat": 200}`)
	file := filepath.Join(t.TempDir(), "recording.ndjson")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := cli(t, []string{"DECONFLICT_TOKEN=" + radar}, "tracks", "replay", file, "--speed", "5", "--server", srv.url)
	if res.code != 0 {
		t.Fatalf("replay: %v", res)
	}
	if !strings.Contains(res.stdout, "replayed 12 reports") || !strings.Contains(res.stdout, "(1 malformed lines skipped)") {
		t.Errorf("summary: %v", res)
	}
	if !regexp.MustCompile(`alerts raised: 1 \(separation 1\)`).MatchString(res.stdout) ||
		!strings.Contains(res.stdout, "separation alpha/a1 (ALPHA1) x bravo/b1 (BRAVO1)") {
		t.Errorf("summary does not show the separation alert: %v", res)
	}
	t.Logf("%v", res)
	if !regexp.MustCompile(`replay: 12/12 reports \(100%\), \d+ reports/s`).MatchString(res.stderr) {
		t.Errorf("no progress line: %v", res)
	}
	// Both parties were warned too.
	for _, p := range []string{"alpha", "bravo"} {
		tok, _, err := admin.CreateToken(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := client.New(srv.url, tok).Events(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 || evs[0].Kind != deconflict.EventAlertRaised {
			t.Errorf("%s's events: %+v", p, evs)
		}
	}
}

var sbsAddr = regexp.MustCompile(`msg="taking SBS-1 reports" addr=(\S+)`)

// TestSBSListenerFeedsTheLivePicture writes BaseStation lines to the
// --sbs-listen port and finds the aircraft among the party's tracks.
func TestSBSListenerFeedsTheLivePicture(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, t.TempDir(), "--sbs-listen", "127.0.0.1:0", "--sbs-party", "adsb")
	m := sbsAddr.FindStringSubmatch(srv.logText())
	if m == nil {
		t.Fatalf("no SBS-1 address logged:\n%s", srv.logText())
	}
	admin := client.New(srv.url, testAdminToken)
	_, tok, err := admin.CreateParty(ctx, deconflict.Party{ID: "adsb"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	now := time.Now().UTC()
	d, c := now.Format("2006/01/02"), now.Format("15:04:05.000")
	fmt.Fprintf(conn, "MSG,1,1,1,4CA2D6,1,%s,%s,%s,%s,RYR7DX,,,,,,,,,,,\r\n", d, c, d, c)
	fmt.Fprintf(conn, "MSG,4,1,1,4CA2D6,1,%s,%s,%s,%s,,,420,87,,,-640,,,,,0\r\n", d, c, d, c)
	fmt.Fprintf(conn, "this is not SBS-1\r\n")
	fmt.Fprintf(conn, "MSG,3,1,1,4CA2D6,1,%s,%s,%s,%s,,36000,,,51.5072,-0.1276,,,0,0,0,0\r\n", d, c, d, c)
	cl := client.New(srv.url, tok)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ts, err := cl.Tracks(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) == 1 {
			r := ts[0]
			if r.ID != "4CA2D6" && !strings.EqualFold(r.ID, "4ca2d6") || r.Party != "adsb" || r.Callsign != "RYR7DX" ||
				r.AltM < 10972 || r.AltM > 10973 || r.GsMps < 216 || r.GsMps > 216.1 || r.Lat != 51.5072 {
				t.Fatalf("track: %+v", r)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no track from the SBS-1 feed; tracks %+v; logs:\n%s", ts, srv.logText())
		}
		time.Sleep(50 * time.Millisecond)
	}
	page, err := cl.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"deconflict_sbs_reports_total": 1, "deconflict_sbs_malformed_total": 1, "deconflict_track_reports_total": 1} {
		if got, ok := client.MetricValue(page, name); !ok || got != want {
			t.Errorf("%s = %v (%v), want %v", name, got, ok, want)
		}
	}
}

func TestSBSFlagsGoTogether(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--sbs-listen", "127.0.0.1:0"},
		{"serve", "--sbs-party", "adsb"},
		{"serve", "--sbs-listen", "127.0.0.1:0", "--sbs-party", "not an id"},
	} {
		if res := cli(t, nil, args...); res.code != exitUsage {
			t.Errorf("%v: %v", args, res)
		}
	}
	if res := cli(t, nil, "tracks", "replay", "x.ndjson", "--speed", "-1", "--token", "t"); res.code != exitUsage {
		t.Errorf("negative speed: %v", res)
	}
}
