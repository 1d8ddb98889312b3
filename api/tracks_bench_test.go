package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/api/apitest"
)

// BenchmarkTrackStream measures reports taken per second through POST
// /v1/tracks:stream over loopback, the whole stack included (NDJSON
// parsing, party resolution, the tactical engine and the alert writer):
// each op streams one report of each of 10,000 aircraft spread over
// 1,000 km × 1,000 km.
func BenchmarkTrackStream(b *testing.B) {
	const aircraft = 10_000
	s := apitest.New(b)
	tok := s.NewParty("alpha")
	rng := rand.New(rand.NewPCG(1, 2))
	type ac struct{ lon, lat, track float64 }
	fleet := make([]ac, aircraft)
	for i := range fleet {
		fleet[i] = ac{30 + rng.Float64()*11, 30 + rng.Float64()*9, rng.Float64() * 360}
	}
	body := func(at time.Time) string {
		var sb strings.Builder
		for i, a := range fleet {
			data, _ := json.Marshal(deconflict.TrackReport{ID: fmt.Sprintf("a%05d", i), Lat: a.lat, Lon: a.lon, AltM: 9000, GsMps: 230, TrackDeg: a.track, Time: at})
			sb.Write(data)
			sb.WriteByte('\n')
		}
		return sb.String()
	}
	cl := s.Server.Client()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		data := body(time.Now().UTC().Add(time.Duration(i) * time.Millisecond))
		req, _ := http.NewRequest("POST", s.URL+"/v1/tracks:stream", strings.NewReader(data))
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Authorization", "Bearer "+tok)
		b.StartTimer()
		res, err := cl.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out struct{ Accepted int }
		json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if out.Accepted != aircraft {
			b.Fatalf("accepted %d of %d", out.Accepted, aircraft)
		}
	}
	b.ReportMetric(float64(aircraft*b.N)/b.Elapsed().Seconds(), "reports/s")
}

// BenchmarkAlertLatency measures the time from the answer to the report
// that completes a head-on encounter (POST /v1/tracks) to the alert.raised
// event being committed for the other party: each op is one new encounter.
func BenchmarkAlertLatency(b *testing.B) {
	s := apitest.New(b)
	alpha, bravo := s.NewParty("alpha"), s.NewParty("bravo")
	ctx := context.Background()
	var last int64
	lat := make([]time.Duration, 0, b.N)
	for i := range b.N {
		y := -60 + float64(i%1200)*0.1
		x := float64(i/1200) * 2
		now := time.Now().UTC()
		a := deconflict.TrackReport{ID: fmt.Sprintf("a%d", i), Lat: y, Lon: x, AltM: 9000, GsMps: 250, TrackDeg: 90, Time: now}
		c := deconflict.TrackReport{ID: fmt.Sprintf("b%d", i), Lat: y, Lon: x + 0.1, AltM: 9000, GsMps: 250, TrackDeg: 270, Time: now}
		if res := s.Do("POST", "/v1/tracks", bravo, map[string]any{"reports": []any{c}}); res.Status != 200 {
			b.Fatalf("%d %s", res.Status, res.Body)
		}
		if res := s.Do("POST", "/v1/tracks", alpha, map[string]any{"reports": []any{a}}); res.Status != 200 {
			b.Fatalf("%d %s", res.Status, res.Body)
		}
		t0 := time.Now()
		for {
			evs, err := s.Store.EventsAfter(ctx, "bravo", last, 10)
			if err != nil {
				b.Fatal(err)
			}
			if len(evs) > 0 {
				last = evs[len(evs)-1].ID
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
