package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

// receiver is a webhook endpoint as a party would write one: it checks every
// header and the signature, and records the events it accepted (answered
// 2xx), in arrival order.
type receiver struct {
	hookID string
	secret []byte
	// behave, when set, may refuse request n (from 1) by returning a status
	// other than 0, after doing whatever the test wants (hanging, say).
	behave func(n int, r *http.Request) int

	mu     sync.Mutex
	n      int
	got    []int64
	kinds  []deconflict.EventKind
	faults []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var ev deconflict.Event
	var faults []string
	if err := json.Unmarshal(body, &ev); err != nil {
		faults = append(faults, "body: "+err.Error())
	}
	want := map[string]string{
		"Content-Type":  "application/json",
		HeaderEventID:   strconv.FormatInt(ev.ID, 10),
		HeaderEventKind: string(ev.Kind),
		HeaderWebhookID: rc.hookID,
	}
	for h, v := range want {
		if got := r.Header.Get(h); got != v {
			faults = append(faults, fmt.Sprintf("event %d: header %s = %q, want %q", ev.ID, h, got, v))
		}
	}
	if r.Method != http.MethodPost {
		faults = append(faults, "method "+r.Method)
	}
	if err := VerifySignature(rc.secret, r.Header.Get(HeaderSignature), body, time.Now(), time.Minute); err != nil {
		faults = append(faults, fmt.Sprintf("event %d: %v", ev.ID, err))
	}
	rc.mu.Lock()
	rc.n++
	n := rc.n
	rc.faults = append(rc.faults, faults...)
	rc.mu.Unlock()
	if rc.behave != nil {
		if st := rc.behave(n, r); st != 0 {
			w.WriteHeader(st)
			fmt.Fprintln(w, "receiver says no")
			return
		}
	}
	rc.mu.Lock()
	rc.got = append(rc.got, ev.ID)
	rc.kinds = append(rc.kinds, ev.Kind)
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) received() []int64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]int64(nil), rc.got...)
}

// has reports whether the receiver took event id.
func (rc *receiver) has(id int64) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Contains(rc.got, id)
}

func (rc *receiver) requests() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.n
}

func (rc *receiver) check(t *testing.T) {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, f := range rc.faults {
		t.Error("receiver:", f)
	}
}

// serve runs h on addr ("127.0.0.1:0" for any port) until the returned
// server is closed (or the test ends).
func serve(t *testing.T, addr string, h http.Handler) (*http.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return srv, ln.Addr().String()
}

// hang holds a request until the client gives up (or a bound passes).
func hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// fastOptions retries within milliseconds and never polls, so that the tests
// show Notify and Reload doing the work.
func fastOptions() Options {
	return Options{
		BackoffBase: time.Millisecond,
		BackoffCap:  20 * time.Millisecond,
		Timeout:     2 * time.Second,
		PageSize:    7,
		Poll:        time.Hour,
	}
}

// start runs a Dispatcher until the returned stop is called (or the test
// ends); stop reports how long Run took to return.
func start(t *testing.T, st Store, opt Options) (*Dispatcher, func() time.Duration) {
	t.Helper()
	d := New(st, opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	var took time.Duration
	stop := func() time.Duration {
		once.Do(func() {
			t0 := time.Now()
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return within 10 s of its context ending")
			}
			took = time.Since(t0)
		})
		return took
	}
	t.Cleanup(func() { stop() })
	return d, stop
}

func hook(party, id, url, secret string, kinds ...deconflict.EventKind) deconflict.Webhook {
	return deconflict.Webhook{Party: party, ID: id, URL: url, Secret: secret, Kinds: kinds}
}

// inOrder checks that got is want, in order, where an event may come twice in
// a row (at least once) but no event is missing, extra or out of order.
func inOrder(t *testing.T, got, want []int64) (dups int) {
	t.Helper()
	var dedup []int64
	for i, id := range got {
		if i > 0 && got[i-1] == id {
			dups++
			continue
		}
		dedup = append(dedup, id)
	}
	if fmt.Sprint(dedup) != fmt.Sprint(want) {
		t.Fatalf("received %v\nwant       %v", got, want)
	}
	return dups
}
