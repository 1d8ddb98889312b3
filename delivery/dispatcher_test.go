package delivery

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

// A receiver that answers 500, then hangs past the timeout, then is down
// (connection refused), then comes back flaky, gets every event of its
// party, in order, and the ledger and cursor say so.
func TestDeliversEveryEventInOrderThroughOutages(t *testing.T) {
	st := newMemStore()
	var want []int64
	for range 3 { // interleaved with another party's, so alpha's ids have gaps
		want = append(want, ids(st.add("alpha", 6, deconflict.EventConflictOpened, deconflict.EventMessage, deconflict.EventAlertRaised))...)
		st.add("bravo", 2)
	}
	var up atomic.Bool
	rc := &receiver{hookID: "ops", secret: []byte("s3cret-alpha"), behave: func(n int, r *http.Request) int {
		switch {
		case n <= 5:
			return http.StatusInternalServerError
		case n <= 8:
			hang(r)
			return http.StatusServiceUnavailable
		case !up.Load():
			return http.StatusServiceUnavailable // a request that slipped in before the listener closed
		case n%7 == 0:
			return http.StatusBadGateway // flaky after recovery: the same event must come again
		}
		return 0
	}}
	srv, addr := serve(t, "127.0.0.1:0", rc)
	st.putHook(hook("alpha", "ops", "http://"+addr+"/hook", "s3cret-alpha"))

	opt := fastOptions()
	opt.Timeout = 300 * time.Millisecond
	d, _ := start(t, st, opt)

	waitFor(t, 5*time.Second, "the 500s and the hangs", func() bool { return rc.requests() >= 8 })
	s, ok := d.Status("alpha", "ops")
	if !ok || s.Attempts < 5 || s.Cursor != 0 || s.NextAttempt.IsZero() || s.LastError == "" {
		t.Fatalf("status while failing = %+v, %v; want attempts >= 5 at cursor 0 with an error and a next attempt", s, ok)
	}
	srv.Close()
	waitFor(t, 5*time.Second, "refused connections in the status", func() bool {
		s, _ := d.Status("alpha", "ops")
		return strings.Contains(s.LastError, "refused")
	})
	if got := rc.received(); len(got) != 0 {
		t.Fatalf("received %v before the receiver ever said yes", got)
	}
	up.Store(true)
	serve(t, addr, rc) // back on the same address
	waitFor(t, 10*time.Second, "the backlog", func() bool { return rc.has(want[len(want)-1]) })

	// Events committed while it runs are sent on Notify.
	want = append(want, ids(st.add("alpha", 10, deconflict.EventAlertCleared))...)
	st.add("bravo", 3)
	d.Notify("alpha")
	waitFor(t, 10*time.Second, "the new events", func() bool { return rc.has(want[len(want)-1]) })

	if dups := inOrder(t, rc.received(), want); dups > 0 {
		t.Logf("%d duplicates (an answer lost to the timeout)", dups)
	}
	rc.check(t)
	st.check(t)
	last := want[len(want)-1]
	waitFor(t, 2*time.Second, "the cursor", func() bool { return st.cursor("alpha", "ops") == last })
	led := st.deliveredTo("alpha")
	for _, id := range want {
		if r, ok := led[id]; !ok || r.via != "webhook:ops" || r.at.IsZero() {
			t.Errorf("ledger for event %d = %+v, %v; want delivered via webhook:ops", id, r, ok)
		}
	}
	if len(st.deliveredTo("bravo")) != 0 {
		t.Error("bravo's events were recorded as delivered, but bravo has no webhook")
	}
	s, _ = d.Status("alpha", "ops")
	if s.Cursor != last || s.Attempts != 0 || s.LastError != "" || !s.NextAttempt.IsZero() || s.Delivered < int64(len(want)) {
		t.Errorf("status after recovery = %+v; want cursor %d, idle, %d delivered", s, last, len(want))
	}
	if st.maxLimit != opt.PageSize {
		t.Errorf("read pages of up to %d events, want %d", st.maxLimit, opt.PageSize)
	}
}

// A webhook gets only the kinds it asked for, and its cursor still passes
// the others, so that it does not read them again.
func TestKindsFilter(t *testing.T) {
	st := newMemStore()
	all := st.add("alpha", 40, deconflict.EventConflictOpened, deconflict.EventMessage, deconflict.EventAlertRaised,
		deconflict.EventAck, deconflict.EventAlertCleared)
	var want []int64
	for _, ev := range all {
		if ev.Kind == deconflict.EventMessage || ev.Kind == deconflict.EventAlertRaised {
			want = append(want, ev.ID)
		}
	}
	rc := &receiver{hookID: "hotline", secret: []byte("k")}
	_, addr := serve(t, "127.0.0.1:0", rc)
	st.putHook(hook("alpha", "hotline", "http://"+addr, "k", deconflict.EventMessage, deconflict.EventAlertRaised))
	d, _ := start(t, st, fastOptions())

	last := all[len(all)-1].ID // an alert.cleared, not wanted
	waitFor(t, 5*time.Second, "the cursor past the last event", func() bool { return st.cursor("alpha", "hotline") == last })
	inOrder(t, rc.received(), want)
	for _, k := range rc.kinds {
		if k != deconflict.EventMessage && k != deconflict.EventAlertRaised {
			t.Errorf("received a %s", k)
		}
	}
	if s, _ := d.Status("alpha", "hotline"); s.Cursor != last || s.Delivered != int64(len(want)) {
		t.Errorf("status = %+v, want cursor %d and %d delivered", s, last, len(want))
	}
	if n := len(st.deliveredTo("alpha")); n != len(want) {
		t.Errorf("%d deliveries in the ledger, want %d (skipped kinds are not delivered)", n, len(want))
	}
	rc.check(t)
	st.check(t)
}

// Webhooks of one party and of several parties move on their own: one
// whose receiver hangs, and one that always fails, delay nobody else, and
// stopping the dispatcher cuts the hanging attempt short.
func TestWebhooksProgressIndependently(t *testing.T) {
	st := newMemStore()
	alpha := ids(st.add("alpha", 30, deconflict.EventConflictOpened, deconflict.EventMessage))
	bravo := ids(st.add("bravo", 30, deconflict.EventAlertRaised))
	st.add("charlie", 5)

	stalled := &receiver{hookID: "a1", secret: []byte("a1"), behave: func(_ int, r *http.Request) int { hang(r); return 503 }}
	fast := &receiver{hookID: "a2", secret: []byte("a2")}
	other := &receiver{hookID: "b1", secret: []byte("b1")}
	failing := &receiver{hookID: "c1", secret: []byte("c1"), behave: func(int, *http.Request) int { return 500 }}
	for _, x := range []struct {
		party string
		rc    *receiver
	}{{"alpha", stalled}, {"alpha", fast}, {"bravo", other}, {"charlie", failing}} {
		_, addr := serve(t, "127.0.0.1:0", x.rc)
		st.putHook(hook(x.party, x.rc.hookID, "http://"+addr+"/"+x.rc.hookID, x.rc.hookID))
	}
	opt := fastOptions()
	opt.Timeout = 8 * time.Second // the stalled receiver holds its first attempt this long
	d, stop := start(t, st, opt)

	t0 := time.Now()
	waitFor(t, 6*time.Second, "the healthy webhooks", func() bool {
		return fast.has(alpha[len(alpha)-1]) && other.has(bravo[len(bravo)-1])
	})
	if took := time.Since(t0); took >= opt.Timeout {
		t.Errorf("healthy webhooks took %s, as long as the stalled one's timeout", took)
	}
	inOrder(t, fast.received(), alpha)
	inOrder(t, other.received(), bravo)
	if n := stalled.requests(); n != 1 {
		t.Errorf("stalled receiver saw %d requests, want the 1 it holds", n)
	}
	if s, ok := d.Status("alpha", "a1"); !ok || s.Cursor != 0 || s.Delivered != 0 {
		t.Errorf("stalled status = %+v, %v", s, ok)
	}
	waitFor(t, 5*time.Second, "the failing webhook's status", func() bool {
		s, _ := d.Status("charlie", "c1")
		return s.Attempts >= 3 && strings.Contains(s.LastError, "HTTP 500") && strings.Contains(s.LastError, "receiver says no")
	})
	if s, _ := d.Status("charlie", "c1"); s.Cursor != 0 || s.NextAttempt.IsZero() {
		t.Errorf("failing status = %+v; want cursor 0 and a next attempt", s)
	}
	if _, ok := d.Status("alpha", "nope"); ok {
		t.Error("Status of an unknown webhook reports ok")
	}
	if took := stop(); took > 2*time.Second {
		t.Errorf("Run took %s to return with an attempt in flight", took)
	}
	for _, rc := range []*receiver{stalled, fast, other, failing} {
		rc.check(t)
	}
	st.check(t)
}

// A new dispatcher on the same store picks up where the stopped one left
// off: nothing is missed, and only the event in flight at the stop may come
// twice.
func TestRestartResumesFromCursor(t *testing.T) {
	st := newMemStore()
	want := ids(st.add("alpha", 150, deconflict.EventConflictOpened, deconflict.EventAlertUpdated))
	rc := &receiver{hookID: "ops", secret: []byte("x"), behave: func(int, *http.Request) int {
		time.Sleep(time.Millisecond) // slow enough to stop it mid-stream
		return 0
	}}
	_, addr := serve(t, "127.0.0.1:0", rc)
	st.putHook(hook("alpha", "ops", "http://"+addr, "x"))

	_, stop := start(t, st, fastOptions())
	waitFor(t, 10*time.Second, "some events", func() bool { return len(rc.received()) >= 40 })
	stop()
	before := rc.received()
	if len(before) == len(want) {
		t.Fatal("all events arrived before the stop; the test shows nothing")
	}
	// The receiver may still be finishing the request cut short by the stop:
	// the cursor is the last event it took, or the one before.
	cur := st.cursor("alpha", "ops")
	time.Sleep(20 * time.Millisecond)
	before = rc.received()
	if last := before[len(before)-1]; cur != last && (len(before) < 2 || cur != before[len(before)-2]) {
		t.Errorf("cursor after the stop = %d; the receiver's last events are %v", cur, before[max(0, len(before)-2):])
	}

	want = append(want, ids(st.add("alpha", 20, deconflict.EventMessage))...) // committed while down
	start(t, st, fastOptions())
	waitFor(t, 10*time.Second, "the rest", func() bool { return rc.has(want[len(want)-1]) })
	got := rc.received()
	dups := inOrder(t, got, want)
	inFlight := cur + 1 // ids of one party are contiguous in this store
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] && got[i] != inFlight {
			t.Errorf("event %d came twice; only %d, in flight at the stop, may", got[i], inFlight)
		}
	}
	if dups > 1 {
		t.Errorf("%d duplicates, want at most 1", dups)
	}
	rc.check(t)
	st.check(t)
}

// Webhooks added, moved and deleted while the dispatcher runs take effect on
// Reload; a new URL is tried at once, not after the backoff.
func TestReload(t *testing.T) {
	st := newMemStore()
	first := ids(st.add("alpha", 5))
	broken := &receiver{hookID: "ops", secret: []byte("one"), behave: func(int, *http.Request) int { return 500 }}
	fixed := &receiver{hookID: "ops", secret: []byte("two")}
	_, brokenAddr := serve(t, "127.0.0.1:0", broken)
	_, fixedAddr := serve(t, "127.0.0.1:0", fixed)

	opt := fastOptions()
	opt.BackoffBase, opt.BackoffCap = time.Hour, time.Hour // only Reload can make it try again soon
	d, _ := start(t, st, opt)
	if _, ok := d.Status("alpha", "ops"); ok {
		t.Fatal("status of a webhook not yet registered")
	}
	st.putHook(hook("alpha", "ops", "http://"+brokenAddr, "one"))
	d.Reload()
	waitFor(t, 5*time.Second, "a failed attempt", func() bool {
		s, ok := d.Status("alpha", "ops")
		return ok && s.Attempts >= 1
	})
	if broken.requests() != 1 {
		t.Fatalf("broken receiver saw %d requests", broken.requests())
	}

	st.putHook(hook("alpha", "ops", "http://"+fixedAddr, "two"))
	d.Reload()
	waitFor(t, 5*time.Second, "delivery to the new URL", func() bool { return len(fixed.received()) == len(first) })
	inOrder(t, fixed.received(), first)

	st.deleteHook("alpha", "ops")
	d.Reload()
	waitFor(t, 5*time.Second, "the webhook to stop", func() bool { _, ok := d.Status("alpha", "ops"); return !ok })
	st.add("alpha", 3)
	d.Notify("alpha")
	time.Sleep(100 * time.Millisecond)
	if n := len(fixed.received()); n != len(first) {
		t.Errorf("a deleted webhook received %d events, want %d", n, len(first))
	}
	fixed.check(t)
	st.check(t)
}

// A redirect is a failed attempt: the event is not sent to where it points.
func TestRedirectNotFollowed(t *testing.T) {
	st := newMemStore()
	st.add("alpha", 1)
	elsewhere := &receiver{hookID: "ops", secret: []byte("s")}
	_, target := serve(t, "127.0.0.1:0", elsewhere)
	_, addr := serve(t, "127.0.0.1:0", http.RedirectHandler("http://"+target+"/", http.StatusTemporaryRedirect))
	st.putHook(hook("alpha", "ops", "http://"+addr, "s"))
	d, _ := start(t, st, fastOptions())
	waitFor(t, 5*time.Second, "a failed attempt", func() bool {
		s, _ := d.Status("alpha", "ops")
		return s.Attempts >= 2
	})
	s, _ := d.Status("alpha", "ops")
	if !strings.Contains(s.LastError, "307") || !strings.Contains(s.LastError, "redirects are not followed") {
		t.Errorf("last error %q, want the 307 and why it failed", s.LastError)
	}
	if n := elsewhere.requests(); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}

// A store that fails for a while delays deliveries but loses none.
func TestStoreFailure(t *testing.T) {
	st := newMemStore()
	want := ids(st.add("alpha", 12))
	st.failReads = 4
	rc := &receiver{hookID: "ops", secret: []byte("s")}
	_, addr := serve(t, "127.0.0.1:0", rc)
	st.putHook(hook("alpha", "ops", "http://"+addr, "s"))
	d, _ := start(t, st, fastOptions())
	waitFor(t, 5*time.Second, "all events", func() bool { return rc.has(want[len(want)-1]) })
	inOrder(t, rc.received(), want)
	if s, _ := d.Status("alpha", "ops"); s.LastError != "" {
		t.Errorf("status keeps a store error after recovery: %+v", s)
	}
	rc.check(t)
}

func TestRunTwice(t *testing.T) {
	d, _ := start(t, newMemStore(), fastOptions())
	waitFor(t, time.Second, "Run to start", func() bool { return d.ran.Load() })
	if err := d.Run(t.Context()); err != ErrRunning {
		t.Errorf("second Run = %v, want ErrRunning", err)
	}
}

func TestBackoffBounds(t *testing.T) {
	d := New(newMemStore(), Options{BackoffBase: 10 * time.Millisecond, BackoffCap: time.Second})
	for attempt := 1; attempt < 200; attempt++ {
		limit := min(time.Second, 10*time.Millisecond<<min(attempt-1, 20))
		for range 20 {
			if w := d.backoff(attempt); w < 0 || w > limit {
				t.Fatalf("backoff(%d) = %s, want within [0, %s]", attempt, w, limit)
			}
		}
	}
	// Full jitter: the waits at the cap spread over the whole range.
	var lo, hi bool
	for range 200 {
		w := d.backoff(50)
		lo = lo || w < 250*time.Millisecond
		hi = hi || w > 750*time.Millisecond
	}
	if !lo || !hi {
		t.Error("backoff at the cap is not spread over [0, cap]")
	}
}

// An event being retried is dropped when the webhook stops wanting its kind,
// and the events after it flow again.
func TestKindsChangeWhileRetrying(t *testing.T) {
	st := newMemStore()
	evs := st.add("alpha", 4, deconflict.EventConflictOpened, deconflict.EventMessage)
	rc := &receiver{hookID: "ops", secret: []byte("s"), behave: func(_ int, r *http.Request) int {
		if r.Header.Get(HeaderEventKind) == string(deconflict.EventConflictOpened) {
			return http.StatusUnprocessableEntity
		}
		return 0
	}}
	_, addr := serve(t, "127.0.0.1:0", rc)
	st.putHook(hook("alpha", "ops", "http://"+addr, "s"))
	opt := fastOptions()
	opt.BackoffBase, opt.BackoffCap = time.Hour, time.Hour
	d, _ := start(t, st, opt)
	waitFor(t, 5*time.Second, "the first refusal", func() bool { s, _ := d.Status("alpha", "ops"); return s.Attempts == 1 })

	st.putHook(hook("alpha", "ops", "http://"+addr, "s", deconflict.EventMessage))
	d.Reload()
	waitFor(t, 5*time.Second, "the cursor past every event", func() bool { return st.cursor("alpha", "ops") == evs[3].ID })
	inOrder(t, rc.received(), []int64{evs[1].ID, evs[3].ID})
	if s, _ := d.Status("alpha", "ops"); s.Attempts != 0 || s.LastError != "" {
		t.Errorf("status = %+v, want idle", s)
	}
	rc.check(t)
	st.check(t)
}
