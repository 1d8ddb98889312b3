package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/api/apitest"
)

// report is a track report at lon, lat, 9,000 m, 250 m/s on track.
func report(id string, lon, lat, track float64, at time.Time) deconflict.TrackReport {
	return deconflict.TrackReport{ID: id, Callsign: strings.ToUpper(id), Lat: lat, Lon: lon, AltM: 9000, GsMps: 250, TrackDeg: track, Time: at}
}

func postTracks(t *testing.T, s *apitest.Stack, token string, rs ...deconflict.TrackReport) {
	t.Helper()
	res := s.Do("POST", "/v1/tracks", token, map[string]any{"reports": rs})
	if res.Status != http.StatusOK {
		t.Fatalf("POST /v1/tracks: %d %s", res.Status, res.Body)
	}
	var out struct{ Accepted int }
	res.Decode(t, &out)
	if out.Accepted != len(rs) {
		t.Fatalf("accepted %d of %d", out.Accepted, len(rs))
	}
}

// alertEvent is an alert event as a party reads it.
type alertEvent struct {
	ID    int64
	Kind  deconflict.EventKind
	Ack   bool
	Alert deconflict.Alert
}

// waitAlert polls token's events after after until one of kind about an
// alert of alertKind arrives (the writer batches, so it takes a moment).
func waitAlert(t *testing.T, s *apitest.Stack, token string, after int64, kind deconflict.EventKind, alertKind deconflict.AlertKind) alertEvent {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, e := range eventsOf(t, s, token, after) {
			if e.Kind != kind {
				continue
			}
			var a deconflict.Alert
			if err := json.Unmarshal(e.Data, &a); err != nil {
				t.Fatalf("alert event data: %v", err)
			}
			if a.Kind == alertKind {
				return alertEvent{ID: e.ID, Kind: e.Kind, Ack: e.NeedsAck, Alert: a}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s %s event after %d: %v", kind, alertKind, after, describeEvents(t, eventsOf(t, s, token, after)))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHeadOnAircraftAlertBothPartiesThenClear(t *testing.T) {
	s := apitest.New(t)
	alpha, bravo := s.NewParty("alpha"), s.NewParty("bravo")
	now := time.Now().UTC().Truncate(time.Second)
	// 0.5° of longitude apart at 35°N (45.6 km), closing at 500 m/s: they
	// meet in about 91 s, inside the 120 s look-ahead.
	postTracks(t, s, alpha, report("a1", 36.0, 35.0, 90, now))
	postTracks(t, s, bravo, report("b1", 36.5, 35.0, 270, now))

	for _, tok := range []string{alpha, bravo} {
		ev := waitAlert(t, s, tok, 0, deconflict.EventAlertRaised, deconflict.AlertSeparation)
		a := ev.Alert
		if !ev.Ack || a.State != deconflict.AlertPredicted || a.CPA == nil || a.TimeToS <= 0 || a.TimeToS > 120 {
			t.Fatalf("raised alert: needs_ack %v, %+v", ev.Ack, a)
		}
		if got := a.CPA.Time.Sub(now).Seconds(); got < 85 || got > 97 {
			t.Errorf("CPA %.1f s after the reports, want about 91", got)
		}
		parties := []string{a.Tracks[0].Party, a.Tracks[1].Party}
		if !(parties[0] == "alpha" && parties[1] == "bravo" || parties[0] == "bravo" && parties[1] == "alpha") {
			t.Errorf("alert tracks %+v", a.Tracks)
		}
	}
	// Both see it in force.
	for _, tok := range []string{alpha, bravo} {
		res := s.Do("GET", "/v1/alerts?active=true", tok, nil)
		var out struct{ Alerts []deconflict.Alert }
		res.Decode(t, &out)
		if res.Status != http.StatusOK || len(out.Alerts) != 1 || out.Alerts[0].Kind != deconflict.AlertSeparation {
			t.Fatalf("alerts: %d %s", res.Status, res.Body)
		}
	}
	// They have passed each other and diverge: 36 km apart, back to back.
	later := now.Add(20 * time.Second)
	postTracks(t, s, alpha, report("a1", 36.45, 35.0, 90, later))
	postTracks(t, s, bravo, report("b1", 36.05, 35.0, 270, later))
	for _, tok := range []string{alpha, bravo} {
		ev := waitAlert(t, s, tok, 0, deconflict.EventAlertCleared, deconflict.AlertSeparation)
		if ev.Alert.State != deconflict.AlertCleared || ev.Ack {
			t.Errorf("cleared alert: needs_ack %v, %+v", ev.Ack, ev.Alert)
		}
	}
	res := s.Do("GET", "/v1/alerts", alpha, nil)
	var out struct{ Alerts []deconflict.Alert }
	res.Decode(t, &out)
	if len(out.Alerts) != 0 {
		t.Errorf("alerts after they passed: %s", res.Body)
	}
}

func TestAircraftHeadingIntoAnotherPartysAirspace(t *testing.T) {
	s := apitest.New(t)
	alpha, bravo := s.NewParty("alpha"), s.NewParty("bravo")
	zone := map[string]any{"name": "bravo airspace", "kind": "airspace", "volumes": []any{map[string]any{
		"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{36.4, 34.8}, {37.0, 34.8}, {37.0, 35.2}, {36.4, 35.2}, {36.4, 34.8}}}},
	}}}
	if res := s.Do("PUT", "/v1/zones/border", bravo, zone); res.Status != http.StatusCreated {
		t.Fatalf("zone: %d %s", res.Status, res.Body)
	}
	if err := s.Live.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	// 0.2° west of the border at 35°N (18.2 km) at 250 m/s: about 73 s.
	postTracks(t, s, alpha, report("a1", 36.2, 35.0, 90, now))
	for _, tok := range []string{alpha, bravo} {
		ev := waitAlert(t, s, tok, 0, deconflict.EventAlertRaised, deconflict.AlertAirspaceEntry)
		a := ev.Alert
		if a.Zone == nil || a.Zone.Party != "bravo" || a.Zone.ID != "border" || a.State != deconflict.AlertPredicted {
			t.Fatalf("alert: %+v", a)
		}
		if a.TimeToS < 65 || a.TimeToS > 80 {
			t.Errorf("time to entry %.1f s, want about 73", a.TimeToS)
		}
	}
	// Inside the border: escalates to inside.
	postTracks(t, s, alpha, report("a1", 36.6, 35.0, 90, now.Add(10*time.Second)))
	ev := waitAlert(t, s, bravo, 0, deconflict.EventAlertUpdated, deconflict.AlertAirspaceEntry)
	if ev.Alert.State != deconflict.AlertInside {
		t.Errorf("after entry: %+v", ev.Alert)
	}
}

func TestTracksAreSeenOnlyWhenShared(t *testing.T) {
	s := apitest.New(t)
	alpha, bravo := s.NewParty("alpha"), s.NewParty("bravo", "coalition")
	now := time.Now().UTC().Truncate(time.Second)
	postTracks(t, s, alpha, report("a1", 10, 50, 0, now))
	tracks := func(token, query string) []deconflict.TrackReport {
		t.Helper()
		res := s.Do("GET", "/v1/tracks"+query, token, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("tracks: %d %s", res.Status, res.Body)
		}
		var out struct{ Tracks []deconflict.TrackReport }
		res.Decode(t, &out)
		return out.Tracks
	}
	if got := tracks(alpha, ""); len(got) != 1 || got[0].Party != "alpha" || got[0].ID != "a1" {
		t.Fatalf("alpha's own tracks: %+v", got)
	}
	if got := tracks(bravo, ""); len(got) != 0 {
		t.Fatalf("bravo sees unshared tracks: %+v", got)
	}
	res := s.Do("PUT", "/v1/tracks/sharing", alpha, map[string]any{"share_with": []string{"group:coalition"}})
	if res.Status != http.StatusOK {
		t.Fatalf("sharing: %d %s", res.Status, res.Body)
	}
	if got := tracks(bravo, ""); len(got) != 1 || got[0].ID != "a1" {
		t.Fatalf("bravo, in the coalition, after sharing: %+v", got)
	}
	if got := tracks(bravo, "?bbox=11,49,12,51"); len(got) != 0 {
		t.Fatalf("bbox east of the aircraft: %+v", got)
	}
	if got := tracks(bravo, "?bbox=9,49,11,51"); len(got) != 1 || got[0].ID != "a1" {
		t.Fatalf("bbox around the aircraft: %+v", got)
	}
	// Across the antimeridian.
	postTracks(t, s, alpha, report("a2", 179.9, 50, 0, now))
	if got := tracks(bravo, "?bbox=179,49,-179,51"); len(got) != 1 || got[0].ID != "a2" {
		t.Fatalf("bbox across the antimeridian: %+v", got)
	}
	res = s.Do("GET", "/v1/tracks/sharing", alpha, nil)
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"group:coalition"`) {
		t.Fatalf("sharing read back: %d %s", res.Status, res.Body)
	}
	// A target that does not exist is refused, and the setting stays.
	res = s.Do("PUT", "/v1/tracks/sharing", alpha, map[string]any{"share_with": []string{"nobody"}})
	if p := res.Problem(t); res.Status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "share_with[0]" {
		t.Fatalf("unknown target: %d %s", res.Status, res.Body)
	}
	if got := tracks(bravo, ""); len(got) != 2 {
		t.Fatalf("a refused change changed the sharing: %+v", got)
	}
	// Back to nobody.
	s.Do("PUT", "/v1/tracks/sharing", alpha, map[string]any{"share_with": []string{}})
	if got := tracks(bravo, ""); len(got) != 0 {
		t.Fatalf("after unsharing: %+v", got)
	}
}

func TestOnlySurveillanceMayNameTheParty(t *testing.T) {
	s := apitest.New(t)
	alpha, bravo := s.NewParty("alpha"), s.NewParty("bravo")
	res := s.Do("POST", "/v1/parties", apitest.AdminToken, map[string]any{"id": "radar", "name": "radar network", "groups": []string{}, "roles": []string{"surveillance"}})
	if res.Status != http.StatusCreated {
		t.Fatalf("radar: %d %s", res.Status, res.Body)
	}
	var created struct{ Token string }
	res.Decode(t, &created)
	radar := created.Token
	now := time.Now().UTC().Truncate(time.Second)

	a, b := report("a1", 20, 40, 0, now), report("b1", 21, 40, 0, now)
	a.Party, b.Party = "alpha", "bravo"
	postTracks(t, s, radar, a, b)
	for tok, want := range map[string]string{alpha: "alpha", bravo: "bravo"} {
		res := s.Do("GET", "/v1/tracks", tok, nil)
		var out struct{ Tracks []deconflict.TrackReport }
		res.Decode(t, &out)
		if len(out.Tracks) != 1 || out.Tracks[0].Party != want {
			t.Fatalf("%s sees %s", want, res.Body)
		}
	}

	// The radar sees what it reported.
	res = s.Do("GET", "/v1/tracks", radar, nil)
	var seen struct{ Tracks []deconflict.TrackReport }
	res.Decode(t, &seen)
	if len(seen.Tracks) != 2 {
		t.Fatalf("the radar sees %s", res.Body)
	}

	// A plain party naming another is refused, naming the field; nothing is taken.
	own, other := report("a2", 22, 40, 0, now), report("b2", 23, 40, 0, now)
	other.Party = "bravo"
	res = s.Do("POST", "/v1/tracks", alpha, map[string]any{"reports": []any{own, other}})
	p := res.Problem(t)
	if res.Status != http.StatusForbidden || len(p.Errors) != 1 || p.Errors[0].Field != "reports[1].party" {
		t.Fatalf("alpha naming bravo: %d %s", res.Status, res.Body)
	}
	res = s.Do("GET", "/v1/tracks", alpha, nil)
	if strings.Contains(string(res.Body), "a2") {
		t.Fatalf("a refused batch was taken in part: %s", res.Body)
	}
	// A surveillance reporter naming a party that does not exist.
	ghost := report("g1", 24, 40, 0, now)
	ghost.Party = "ghost"
	res = s.Do("POST", "/v1/tracks", radar, map[string]any{"reports": []any{ghost}})
	if p := res.Problem(t); res.Status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "reports[0].party" {
		t.Fatalf("naming a ghost: %d %s", res.Status, res.Body)
	}
}

func TestTracksBodyIsChecked(t *testing.T) {
	s := apitest.New(t)
	alpha := s.NewParty("alpha")
	now := time.Now().UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		body  string
		field string
	}{
		{`{"reports": [{"id": "a1", "lat": 91, "lon": 0, "alt_m": 0, "gs_mps": 0, "track_deg": 0, "vs_mps": 0, "time": "` + now + `"}]}`, "reports[0].lat"},
		{`{"reports": [{"id": "a1", "lat": 1, "lon": 0, "alt_m": 0, "gs_mps": 0, "track_deg": 0, "vs_mps": 0, "time": "` + now + `", "speed": 3}]}`, "reports[0].speed"},
		{`{"reports": [{"id": "a 1", "lat": 1, "lon": 0, "alt_m": 0, "gs_mps": 0, "track_deg": 0, "vs_mps": 0, "time": "` + now + `"}]}`, "reports[0].id"},
		{`{"reports": [{"id": "a1", "lat": 1, "lon": 0, "alt_m": 0, "gs_mps": 0, "track_deg": 0, "vs_mps": 0}]}`, "reports[0].time"},
		{`{}`, "reports"},
	} {
		res := s.Do("POST", "/v1/tracks", alpha, tc.body)
		p := res.Problem(t)
		if res.Status != http.StatusBadRequest || len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.body, res.Status, res.Body, tc.field)
		}
	}
	if res := s.Do("GET", "/v1/alerts?active=false", alpha, nil); res.Status != http.StatusBadRequest {
		t.Errorf("active=false: %d", res.Status)
	}
	if res := s.Do("GET", "/v1/tracks?bbox=1,2,3", alpha, nil); res.Status != http.StatusBadRequest {
		t.Errorf("bad bbox: %d", res.Status)
	}
}

func TestTrackStreamCountsMalformedLinesAndGoesOn(t *testing.T) {
	s := apitest.New(t)
	alpha := s.NewParty("alpha")
	s.NewParty("bravo")
	now := time.Now().UTC().Truncate(time.Second)
	var b strings.Builder
	line := func(r deconflict.TrackReport) {
		data, _ := json.Marshal(r)
		b.Write(data)
		b.WriteByte('\n')
	}
	line(report("a1", 30, 30, 0, now))
	b.WriteString("{not json\n")
	line(report("a2", 30.1, 30, 0, now))
	other := report("b1", 31, 30, 0, now)
	other.Party = "bravo"
	line(other)
	line(report("a3", 30.2, 30, 0, now.Add(time.Second)))
	res := s.Do("POST", "/v1/tracks:stream", alpha, b.String(), "Content-Type", "application/x-ndjson")
	if res.Status != http.StatusOK {
		t.Fatalf("stream: %d %s", res.Status, res.Body)
	}
	var out struct {
		Accepted, Malformed int
		Errors              []struct {
			Line    int
			Message string
		}
	}
	res.Decode(t, &out)
	if out.Accepted != 3 || out.Malformed != 2 || len(out.Errors) != 2 || out.Errors[0].Line != 2 || out.Errors[1].Line != 4 ||
		!strings.Contains(out.Errors[1].Message, "party") {
		t.Fatalf("stream answer: %s", res.Body)
	}
	res = s.Do("GET", "/v1/tracks", alpha, nil)
	var tr struct{ Tracks []deconflict.TrackReport }
	res.Decode(t, &tr)
	if len(tr.Tracks) != 3 {
		t.Fatalf("tracks after the stream: %s", res.Body)
	}
	if res := s.Do("POST", "/v1/tracks:stream", alpha, b.String()); res.Status != http.StatusUnsupportedMediaType {
		t.Errorf("stream sent as JSON: %d %s", res.Status, res.Body)
	}
}

// FuzzTracksHTTP: batch bodies through the whole stack.
func FuzzTracksHTTP(f *testing.F) {
	now := time.Now().UTC().Format(time.RFC3339)
	for _, seed := range []string{
		`{"reports": [{"id": "a1", "lat": 35, "lon": 36, "alt_m": 9000, "gs_mps": 250, "track_deg": 90, "vs_mps": 0, "time": "` + now + `"}]}`,
		`{"reports": [{"id": "a1", "lat": 35, "lon": 36, "alt_m": 9000, "gs_mps": 250, "track_deg": 90, "vs_mps": 0, "time": "` + now + `", "party": "bravo"}]}`,
		`{"reports": [{"id": "a1", "lat": "x"}]}`, `{"reports": null}`, `{"reports": []}`, `[]`, `{"reports": [{}]}`,
		`{"reports": [{"id": "a1", "lat": 1e999, "lon": -0, "alt_m": 0, "gs_mps": 0, "track_deg": 360, "vs_mps": 0, "time": "2026-01-01T00:00:00Z"}]}`,
	} {
		f.Add([]byte(seed))
	}
	s, alpha := fuzzStack(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		s := s.For(t)
		res := s.Do("POST", "/v1/tracks", alpha, body)
		noServerFault(t, s, res, body)
		if res.Status == http.StatusOK {
			var in struct{ Reports []deconflict.TrackReport }
			if err := json.Unmarshal(body, &in); err != nil {
				t.Fatalf("accepted a body encoding/json cannot read: %q", body)
			}
			for i := range in.Reports {
				if err := in.Reports[i].Validate(""); err != nil {
					t.Fatalf("accepted an invalid report %q: %v", body, err)
				}
			}
		}
	})
}

// FuzzTrackStreamHTTP: NDJSON streams through the whole stack: never a
// server fault, and every line is either taken or counted.
func FuzzTrackStreamHTTP(f *testing.F) {
	now := time.Now().UTC().Format(time.RFC3339)
	good := `{"id": "a1", "lat": 35, "lon": 36, "alt_m": 9000, "gs_mps": 250, "track_deg": 90, "vs_mps": 0, "time": "` + now + `"}`
	for _, seed := range []string{
		good + "\n", good + "\n{\n" + good, "\n\n", `{"id": "b", "party": "bravo"}`, "\x00\xff\n" + good,
		strings.Replace(good, `"vs_mps"`, `"party": "bravo", "vs_mps"`, 1),
	} {
		f.Add([]byte(seed))
	}
	s, alpha := fuzzStack(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		s := s.For(t)
		res := s.Do("POST", "/v1/tracks:stream", alpha, body, "Content-Type", "application/x-ndjson")
		noServerFault(t, s, res, body)
		if res.Status != http.StatusOK {
			return
		}
		var out struct{ Accepted, Malformed int }
		res.Decode(t, &out)
		if lines := strings.Count(string(body), "\n") + 1; out.Accepted+out.Malformed > lines {
			t.Fatalf("%d accepted and %d malformed of %d lines: %q", out.Accepted, out.Malformed, lines, body)
		}
	})
}
