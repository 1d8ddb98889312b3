package api_test

import (
	"bufio"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict/api/apitest"
)

// BenchmarkStreamFanout measures how soon an event reaches 1,000 connected
// event streams (100 parties, 10 streams each, over loopback HTTP) after
// the write that created it was acknowledged: each op is one hotline
// message to all, and the latency of every (stream, message) pair counts.
func BenchmarkStreamFanout(b *testing.B) {
	const parties, perParty = 100, 10
	s := apitest.New(b)
	tokens := make([]string, parties)
	for i := range tokens {
		tokens[i] = s.NewParty(fmt.Sprintf("p%03d", i))
	}
	sender := s.NewParty("sender")
	var (
		mu      sync.Mutex
		acked   = map[int64]time.Time{} // by message text's number
		lat     []time.Duration
		arrived sync.WaitGroup
	)
	tr := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: parties * perParty}
	cl := &http.Client{Transport: tr}
	var ready sync.WaitGroup
	stop := make(chan struct{})
	var streams sync.WaitGroup
	for i := range parties * perParty {
		ready.Add(1)
		streams.Go(func() {
			req, _ := http.NewRequest("GET", s.URL+"/v1/events", nil)
			req.Header.Set("Authorization", "Bearer "+tokens[i/perParty])
			req.Header.Set("Accept", "text/event-stream")
			res, err := cl.Do(req)
			if err != nil {
				b.Error(err)
				ready.Done()
				return
			}
			defer res.Body.Close()
			go func() { <-stop; res.Body.Close() }()
			sc := bufio.NewScanner(res.Body)
			first := true
			for sc.Scan() {
				line := sc.Text()
				if first && line == "" {
					ready.Done() // the stream's opening comment is through
					first = false
				}
				if n, ok := strings.CutPrefix(line, "data: "); ok {
					at := time.Now()
					k := strings.Index(n, `"text":"m`)
					if k < 0 {
						continue
					}
					num, _ := strconv.ParseInt(n[k+9:k+9+strings.IndexByte(n[k+9:], '"')], 10, 64)
					mu.Lock()
					if t, ok := acked[num]; ok {
						lat = append(lat, max(0, at.Sub(t)))
					} else {
						// Arrived before the sender had its 201: no wait at all.
						lat = append(lat, 0)
					}
					mu.Unlock()
					arrived.Done()
				}
			}
		})
	}
	ready.Wait()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		arrived.Add(parties * perParty)
		res := s.Do("POST", "/v1/messages", sender, map[string]any{"to": []string{"all"}, "text": fmt.Sprintf("m%d", i), "needs_ack": false})
		mu.Lock()
		acked[int64(i)] = time.Now()
		mu.Unlock()
		if res.Status != http.StatusCreated {
			b.Fatalf("message: %d %s", res.Status, res.Body)
		}
		arrived.Wait()
	}
	b.StopTimer()
	close(stop)
	mu.Lock()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	}
	mu.Unlock()
	s.Server.CloseClientConnections()
	streams.Wait()
}
