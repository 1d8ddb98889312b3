package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/client"
)

// TestAcknowledgedWritesSurviveKill9 is issue 2 item 2: a real server
// process is killed (SIGKILL) while writers are loading it, restarted on
// the same data folder, and every write it answered 2xx must be there, at
// the acknowledged version or a later one (a write in flight at the kill
// may or may not have landed).
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	ctx := context.Background()
	admin := client.New(srv.url, testAdminToken)
	_, token, err := admin.CreateParty(ctx, deconflict.Party{ID: "writer"})
	if err != nil {
		t.Fatal(err)
	}
	c := admin.WithToken(token)

	var (
		mu    sync.Mutex
		acked = map[string]int64{} // id -> version answered 2xx
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const writers = 8
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []string
			versions := map[string]int64{}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				// Mostly new operations; every third write replaces one of
				// this writer's with If-Match, so versions above 1 are tested too.
				id := fmt.Sprintf("w%d-%d", w, n)
				var ifMatch int64
				if n%3 == 2 && len(mine) > 0 {
					id = mine[n%len(mine)]
					ifMatch = versions[id]
				}
				res, err := c.PutOperation(ctx, durabilityOp(id, w, n), ifMatch)
				if err != nil {
					return // the server is gone
				}
				if ifMatch == 0 {
					mine = append(mine, id)
				}
				versions[id] = res.Operation.Version
				mu.Lock()
				acked[id] = res.Operation.Version
				mu.Unlock()
			}
		}()
	}
	// Load for a while, then kill mid-load.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 {
			break
		}
	}
	srv.kill()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatalf("no write was acknowledged before the kill:\n%s", srv.logText())
	}

	srv2 := startServer(t, data)
	c2 := client.New(srv2.url, token)
	for id, v := range acked {
		op, err := c2.GetOperation(ctx, "", id)
		if err != nil {
			t.Errorf("acknowledged %s version %d is lost after kill -9: %v", id, v, err)
			continue
		}
		if op.Version < v {
			t.Errorf("%s: acknowledged version %d, found %d after kill -9", id, v, op.Version)
		}
	}
	t.Logf("%d acknowledged operations all survived kill -9", len(acked))
}

// durabilityOp is a small square somewhere different for each write; a
// party's own operations never conflict, so every write is accepted.
func durabilityOp(id string, w, n int) deconflict.Operation {
	lon, lat := 30+float64(w), 30+float64(n%500)*0.01
	ring := [][2]float64{{lon, lat}, {lon + 0.005, lat}, {lon + 0.005, lat + 0.005}, {lon, lat + 0.005}, {lon, lat}}
	coords, _ := json.Marshal([][][2]float64{ring})
	start := time.Date(2031, 11, 24, n%24, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	return deconflict.Operation{ID: id, Callsign: fmt.Sprintf("W%d", n), Volumes: []deconflict.Volume{{
		Geometry:  deconflict.Geometry{Type: "Polygon", Coordinates: coords},
		AltLowerM: 100, AltUpperM: 200, Start: &start, End: &end,
	}}}
}
