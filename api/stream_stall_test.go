package api_test

import (
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict/api"
	"github.com/deconflict/deconflict/api/apitest"
)

// TestStalledStreamHoldsUpNobody: a client that opens its event stream and
// never reads it while megabytes of events pile up for it neither delays
// another party's stream nor makes the server hold those megabytes.
func TestStalledStreamHoldsUpNobody(t *testing.T) {
	s := apitest.New(t)
	alpha, bravo, charlie := s.NewParty("alpha"), s.NewParty("bravo"), s.NewParty("charlie")

	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n", alpha)
	// ... and never reads a byte.

	live := openStream(t, s, bravo, 0)
	defer live.close()

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	text := strings.Repeat("x", 16<<10-64)
	const n = 1600 // about 26 MB of events for the stalled client
	for i := range n {
		res := s.Do("POST", "/v1/messages", charlie, map[string]any{"to": []string{"alpha"}, "text": fmt.Sprint(i, text), "needs_ack": false})
		if res.Status != http.StatusCreated {
			t.Fatalf("message %d: %d %s", i, res.Status, res.Body)
		}
	}
	start := time.Now()
	send(t, s, charlie, []string{"bravo"}, "are you there")
	if _, ev := live.next(); !strings.Contains(string(ev.Data), "are you there") {
		t.Fatalf("bravo got %s", ev.Data)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("bravo's event took %s behind a stalled stream", d)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 16<<20 {
		t.Fatalf("the heap grew by %d MiB while %d MiB of events waited for a stalled client", grew>>20, n*16>>10)
	}
}

// TestIdleStreamSendsHeartbeats: an idle stream sends a comment line now and
// then, so that proxies do not close it.
func TestIdleStreamSendsHeartbeats(t *testing.T) {
	old := api.HeartbeatInterval
	api.HeartbeatInterval = 50 * time.Millisecond
	defer func() { api.HeartbeatInterval = old }()
	s := apitest.New(t)
	alpha := s.NewParty("alpha")
	st := openStream(t, s, alpha, 0)
	defer st.close()
	got := make(chan bool, 1)
	go func() {
		for st.sc.Scan() {
			if st.sc.Text() == ": heartbeat" {
				got <- true
				return
			}
		}
	}()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("no heartbeat on an idle stream within 5 s")
	}
}
