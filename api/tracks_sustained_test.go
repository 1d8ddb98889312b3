package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/api/apitest"
)

// BenchmarkTrackStreamSustained is issue 4's live load: AIRCRAFT aircraft
// (default 50,000) of 10 parties report once a second for SECONDS seconds
// (default 60) through one long NDJSON stream per party over loopback,
// while a few hundred pairs of different parties fly head-on at each other
// so that alerts keep being raised. It reports the reports taken (every
// stream must answer that it took every line it was sent), and the time
// from a report being sent to the alert it raises reaching its party's
// event stream — an upper bound on "received to emitted", since it adds the
// way in and the way out — for the alerts raised after a two-second warm-up
// (every aircraft appears at once at the start). Run it once: -benchtime 1x.
//
//	DECONFLICT_BENCH_AIRCRAFT=50000 DECONFLICT_BENCH_SECONDS=60 go test ./api -run XXX -bench TrackStreamSustained -benchtime 1x -timeout 10m
func BenchmarkTrackStreamSustained(b *testing.B) {
	aircraft, seconds := 50_000, 60
	if v, err := strconv.Atoi(os.Getenv("DECONFLICT_BENCH_AIRCRAFT")); err == nil {
		aircraft = v
	}
	if v, err := strconv.Atoi(os.Getenv("DECONFLICT_BENCH_SECONDS")); err == nil {
		seconds = v
	}
	const parties = 10
	s := apitest.New(b)
	tokens := make([]string, parties)
	for p := range tokens {
		tokens[p] = s.NewParty(fmt.Sprintf("p%d", p))
	}
	type ac struct {
		id                 string
		lon, lat, trk, spd float64
	}
	rng := rand.New(rand.NewPCG(5, 6))
	fleets := make([][]ac, parties)
	for i := range aircraft {
		p := i % parties
		// Spread as the world's traffic is (50,000 aircraft is about twice the
		// world's airborne fleet at its busiest), between 60°S and 60°N.
		fleets[p] = append(fleets[p], ac{id: fmt.Sprintf("a%06d", i), lon: -180 + rng.Float64()*360, lat: -60 + rng.Float64()*120,
			trk: rng.Float64() * 360, spd: 60 + rng.Float64()*190})
	}
	// Head-on pairs: aircraft 2k of party p and of party p+1 start 40 km
	// apart at the same height, flying at each other at 230 m/s.
	pairs := min(300, aircraft/parties/2)
	for k := range pairs {
		p := k % parties
		q := (p + 1) % parties
		lat, lon := -70+float64(k)*0.03, -100.0
		fleets[p][2*(k/parties)] = ac{id: fleets[p][2*(k/parties)].id, lon: lon, lat: lat, trk: 90, spd: 230}
		fleets[q][2*(k/parties)+1] = ac{id: fleets[q][2*(k/parties)+1].id, lon: lon + 40_000/(deconflict.EarthRadiusM*math.Pi/180*math.Cos(lat*math.Pi/180)), lat: lat, trk: 270, spd: 230}
	}

	// Each party's event stream: the arrival of every alert.raised.
	var (
		mu      sync.Mutex
		latency []time.Duration
		written []time.Duration // from the report to the event's own time (its writing)
		streams sync.WaitGroup
	)
	stop := make(chan struct{})
	var warm atomic.Value
	warm.Store(time.Now().Add(time.Hour))
	for p := range parties {
		st := openStream(&testing.T{}, s, tokens[p], 0)
		streams.Go(func() {
			go func() { <-stop; st.close() }()
			for st.sc.Scan() {
				line, ok := strings.CutPrefix(st.sc.Text(), "data: ")
				if !ok || !strings.Contains(line, `"alert.raised"`) {
					continue
				}
				arrived := time.Now()
				var e struct {
					Time time.Time
					Data deconflict.Alert
				}
				// The first two seconds are the warm-up: every aircraft appears
				// at once, and so do the alerts of every pair already close.
				if json.Unmarshal([]byte(line), &e) == nil && e.Data.RaisedAt.After(warm.Load().(time.Time)) {
					mu.Lock()
					latency = append(latency, arrived.Sub(e.Data.RaisedAt))
					written = append(written, e.Time.Sub(e.Data.RaisedAt))
					mu.Unlock()
				}
			}
		})
	}

	b.ResetTimer()
	start := time.Now()
	warm.Store(start.Add(2 * time.Second))
	var sent, taken [parties]int
	var writers sync.WaitGroup
	for p := range parties {
		writers.Go(func() {
			pr, pw := io.Pipe()
			req, _ := http.NewRequest("POST", s.URL+"/v1/tracks:stream", pr)
			req.Header.Set("Content-Type", "application/x-ndjson")
			req.Header.Set("Authorization", "Bearer "+tokens[p])
			done := make(chan struct{})
			go func() {
				defer close(done)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				var out struct{ Accepted int }
				json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
				taken[p] = out.Accepted
			}()
			w := bufio.NewWriterSize(pw, 1<<20)
			fleet := fleets[p]
			for sec := range seconds {
				due := start.Add(time.Duration(sec) * time.Second)
				time.Sleep(time.Until(due))
				for i := range fleet {
					if i%200 == 0 {
						// Spread over the second, as a live feed is.
						time.Sleep(time.Until(due.Add(time.Duration(i) * time.Second / time.Duration(len(fleet)))))
					}
					a := &fleet[i]
					now := time.Now().UTC().Truncate(time.Millisecond)
					line, _ := json.Marshal(deconflict.TrackReport{ID: a.id, Lat: a.lat, Lon: a.lon, AltM: 9000, GsMps: a.spd, TrackDeg: a.trk, Time: now})
					w.Write(line)
					w.WriteByte('\n')
					// Move on one second along the track (flat-earth step; a few
					// km a second stays well inside its error).
					d := a.spd / (deconflict.EarthRadiusM * math.Pi / 180)
					a.lat += d * math.Cos(a.trk*math.Pi/180)
					a.lon += d * math.Sin(a.trk*math.Pi/180) / math.Cos(a.lat*math.Pi/180)
					if a.lon > 180 {
						a.lon -= 360
					} else if a.lon < -180 {
						a.lon += 360
					}
					sent[p]++
					if i%200 == 199 {
						w.Flush() // lines leave as they are stamped
					}
				}
				w.Flush()
			}
			pw.Close()
			<-done
		})
	}
	writers.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	time.Sleep(200 * time.Millisecond) // the last alerts
	close(stop)
	streams.Wait()
	total := 0
	for p := range parties {
		if taken[p] != sent[p] {
			b.Errorf("party %d: sent %d reports, the stream took %d", p, sent[p], taken[p])
		}
		total += taken[p]
	}
	mu.Lock()
	defer mu.Unlock()
	b.ReportMetric(float64(total)/elapsed.Seconds(), "reports/s")
	b.ReportMetric(float64(len(latency)), "alerts")
	if len(latency) > 0 {
		slices.Sort(latency)
		b.ReportMetric(float64(latency[len(latency)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(latency[len(latency)*99/100].Microseconds())/1000, "p99-ms")
		slices.Sort(written)
		b.ReportMetric(float64(written[len(written)/10].Microseconds())/1000, "written-p10-ms")
		b.ReportMetric(float64(written[len(written)/2].Microseconds())/1000, "written-p50-ms")
		b.ReportMetric(float64(written[len(written)*9/10].Microseconds())/1000, "written-p90-ms")
	}
}
