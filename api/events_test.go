package api_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/api/apitest"
	"github.com/deconflict/deconflict/delivery"
	"github.com/deconflict/deconflict/ledger"
)

type eventList struct {
	Events []deconflict.Event `json:"events"`
}

func eventsOf(t *testing.T, s *apitest.Stack, token string, after int64) []deconflict.Event {
	t.Helper()
	res := s.Do("GET", fmt.Sprintf("/v1/events?after=%d", after), token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("events: %d %s", res.Status, res.Body)
	}
	var l eventList
	res.Decode(t, &l)
	return l.Events
}

func send(t *testing.T, s *apitest.Stack, token string, to []string, text string) []deconflict.SentMessage {
	t.Helper()
	res := s.Do("POST", "/v1/messages", token, map[string]any{"to": to, "text": text})
	if res.Status != http.StatusCreated {
		t.Fatalf("message: %d %s", res.Status, res.Body)
	}
	var out struct{ Sent []deconflict.SentMessage }
	res.Decode(t, &out)
	return out.Sent
}

// describeEvents turns events into "kind:detail" lines a test can compare.
func describeEvents(t *testing.T, evs []deconflict.Event) []string {
	var out []string
	for _, e := range evs {
		switch e.Kind {
		case deconflict.EventMessage:
			var m struct{ From, Text string }
			json.Unmarshal(e.Data, &m)
			out = append(out, "message:"+m.From+":"+m.Text)
		case deconflict.EventAck:
			var a deconflict.Ack
			json.Unmarshal(e.Data, &a)
			out = append(out, "ack:"+a.Party)
		default:
			var c deconflict.Conflict
			json.Unmarshal(e.Data, &c)
			with := "hidden"
			if c.With != nil {
				with = c.With.Party + "/" + c.With.ID
			}
			out = append(out, string(e.Kind)+":"+with)
		}
	}
	return out
}

// TestEventsReachExactlyTheirAudience: four parties in two groups; a
// conflict and messages to parties and groups; each party reads exactly
// the events meant for it, each as it may see it.
func TestEventsReachExactlyTheirAudience(t *testing.T) {
	s := apitest.New(t)
	tok := map[string]string{
		"alpha":   s.NewParty("alpha", "coalition"),
		"bravo":   s.NewParty("bravo", "observers"),
		"charlie": s.NewParty("charlie", "coalition"),
		"delta":   s.NewParty("delta", "observers"),
	}
	strike := usaStrike()
	strike["share_with"] = []string{"group:coalition"}
	if res := s.Do("PUT", "/v1/operations/a1", tok["alpha"], strike); res.Status != http.StatusCreated {
		t.Fatalf("alpha's operation: %d %s", res.Status, res.Body)
	}
	// bravo's sortie conflicts with it; bravo may not see alpha's operation,
	// so it names it by the ref of the 409.
	res := s.Do("PUT", "/v1/operations/b1", tok["bravo"], rusSortie([]string{"all"}))
	if res.Status != http.StatusConflict {
		t.Fatalf("bravo's first submission: %d %s", res.Status, res.Body)
	}
	p := res.Problem(t)
	res = s.Do("PUT", "/v1/operations/b1", tok["bravo"], rusSortie([]string{"all"}, map[string]any{"ref": p.Conflicts[0].Ref}))
	if res.Status != http.StatusCreated {
		t.Fatalf("bravo's second submission: %d %s", res.Status, res.Body)
	}
	send(t, s, tok["charlie"], []string{"group:observers"}, "observers, hold")
	send(t, s, tok["delta"], []string{"alpha"}, "alpha, say again")
	send(t, s, tok["alpha"], []string{"all"}, "all stations")

	want := map[string][]string{
		"alpha":   {"conflict.opened:bravo/b1", "message:delta:alpha, say again"},
		"bravo":   {"conflict.opened:hidden", "message:charlie:observers, hold", "message:alpha:all stations"},
		"charlie": {"message:alpha:all stations"},
		"delta":   {"message:charlie:observers, hold", "message:alpha:all stations"},
	}
	for party, w := range want {
		got := describeEvents(t, eventsOf(t, s, tok[party], 0))
		if !slices.Equal(got, w) {
			t.Errorf("%s reads %q, want %q", party, got, w)
		}
	}
	// A hidden side reveals nothing of its owner.
	for _, e := range eventsOf(t, s, tok["bravo"], 0) {
		if e.Kind == deconflict.EventConflictOpened && strings.Contains(string(e.Data), `"alpha"`) || strings.Contains(string(e.Data), `"a1"`) {
			t.Errorf("bravo's event %d names what it may not see: %s", e.ID, e.Data)
		}
	}
}

// sseReader reads Server-Sent Events from a live response.
type sseReader struct {
	t   *testing.T
	res *http.Response
	sc  *bufio.Scanner
}

func openStream(t *testing.T, s *apitest.Stack, token string, lastID int64) *sseReader {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	if lastID > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(lastID, 10))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	return &sseReader{t: t, res: res, sc: bufio.NewScanner(res.Body)}
}

// next returns the next event, skipping comments (heartbeats).
func (r *sseReader) next() (int64, deconflict.Event) {
	r.t.Helper()
	var id int64
	var ev deconflict.Event
	done := make(chan bool, 1)
	go func() {
		for r.sc.Scan() {
			line := r.sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				id, _ = strconv.ParseInt(strings.TrimPrefix(line, "id: "), 10, 64)
			case strings.HasPrefix(line, "data: "):
				json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev)
			case line == "" && id != 0:
				done <- true
				return
			}
		}
		done <- false
	}()
	select {
	case ok := <-done:
		if !ok {
			r.t.Fatal("the stream ended")
		}
	case <-time.After(10 * time.Second):
		r.t.Fatal("no event within 10 s")
	}
	if ev.ID != id {
		r.t.Fatalf("SSE id %d but event id %d", id, ev.ID)
	}
	return id, ev
}

func (r *sseReader) close() { r.res.Body.Close() }

// TestStreamResumesWithLastEventID: a stream delivers events as they
// commit; reconnecting with Last-Event-ID misses nothing and repeats
// nothing.
func TestStreamResumesWithLastEventID(t *testing.T) {
	s := apitest.New(t)
	alpha, bravo := s.NewParty("alpha"), s.NewParty("bravo")
	st := openStream(t, s, alpha, 0)
	var sent []int64
	for i := range 5 {
		sent = append(sent, send(t, s, bravo, []string{"alpha"}, fmt.Sprint("m", i))[0].EventID)
	}
	var got []int64
	for range 3 {
		id, _ := st.next()
		got = append(got, id)
	}
	st.close()
	st = openStream(t, s, alpha, got[2])
	defer st.close()
	for range 2 {
		id, _ := st.next()
		got = append(got, id)
	}
	for i := range 2 {
		sent = append(sent, send(t, s, bravo, []string{"alpha"}, fmt.Sprint("late", i))[0].EventID)
		id, _ := st.next()
		got = append(got, id)
	}
	if !slices.Equal(got, sent) {
		t.Fatalf("received %v, sent %v", got, sent)
	}
}

// TestAckIsRecordedOnceAndSeenBySender, and an ack of an event the party
// cannot see is 404 like one that does not exist.
func TestAckIsRecordedOnceAndSeenBySender(t *testing.T) {
	s := apitest.New(t)
	alpha, bravo, charlie := s.NewParty("alpha"), s.NewParty("bravo"), s.NewParty("charlie")
	id := send(t, s, bravo, []string{"alpha"}, "confirm receipt")[0].EventID
	var first struct{ Ack deconflict.Ack }
	for i := range 2 {
		res := s.Do("POST", fmt.Sprintf("/v1/events/%d/ack", id), alpha, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("ack #%d: %d %s", i+1, res.Status, res.Body)
		}
		var a struct{ Ack deconflict.Ack }
		res.Decode(t, &a)
		if i == 0 {
			first = a
		} else if a.Ack != first.Ack {
			t.Fatalf("the second ack answered %+v, the first %+v", a.Ack, first.Ack)
		}
	}
	if got := describeEvents(t, eventsOf(t, s, bravo, 0)); !slices.Equal(got, []string{"ack:alpha"}) {
		t.Fatalf("the sender reads %q, want one ack by alpha", got)
	}
	for _, path := range []string{fmt.Sprintf("/v1/events/%d/ack", id), "/v1/events/999999/ack", "/v1/events/x/ack"} {
		if res := s.Do("POST", path, charlie, nil); res.Status != http.StatusNotFound {
			t.Errorf("charlie: POST %s: %d %s, want 404", path, res.Status, res.Body)
		}
	}
}

// TestLedgerProvesWhoWasToldWhat: every event of a party is in the signed
// ledger, provably, and entries of others show only their hashes.
func TestLedgerProvesWhoWasToldWhat(t *testing.T) {
	s := apitest.New(t)
	alpha, bravo := s.NewParty("alpha"), s.NewParty("bravo")
	send(t, s, bravo, []string{"alpha"}, "one")
	res := s.Do("GET", "/v1/ledger/key", "", nil)
	var key struct {
		VerifierKey string `json:"verifier_key"`
	}
	res.Decode(t, &key)
	checkpoint := func() ledger.Checkpoint {
		res := s.Do("GET", "/v1/ledger/checkpoint", "", nil)
		cp, err := ledger.OpenCheckpoint(res.Body, key.VerifierKey)
		if err != nil {
			t.Fatalf("checkpoint %q: %v", res.Body, err)
		}
		return cp
	}
	first := checkpoint()
	send(t, s, alpha, []string{"bravo"}, "two")
	send(t, s, bravo, []string{"alpha"}, "three")
	second := checkpoint()

	res = s.Do("GET", fmt.Sprintf("/v1/ledger/proofs/consistency?from=%d&to=%d", first.Size, second.Size), "", nil)
	var cons struct{ Proof [][]byte }
	res.Decode(t, &cons)
	if err := ledger.VerifyConsistency(first.Size, second.Size, cons.Proof, first.Root, second.Root); err != nil {
		t.Fatalf("consistency: %v", err)
	}

	res = s.Do("GET", fmt.Sprintf("/v1/ledger/entries?start=0&end=%d", second.Size), alpha, nil)
	var entries struct {
		Entries []deconflict.LedgerEntryView
	}
	res.Decode(t, &entries)
	if uint64(len(entries.Entries)) != second.Size {
		t.Fatalf("%d entries for a ledger of %d", len(entries.Entries), second.Size)
	}
	mine := 0
	for _, e := range entries.Entries {
		if e.Entry == "" {
			continue
		}
		mine++
		dec, err := ledger.DecodeEntry([]byte(e.Entry))
		if err != nil {
			t.Fatalf("entry %d: %v", e.Index, err)
		}
		if !slices.Contains(dec.Audience, "alpha") {
			t.Errorf("alpha was shown entry %d of audience %v", e.Index, dec.Audience)
		}
		leaf := ledger.LeafHash([]byte(e.Entry))
		res := s.Do("GET", fmt.Sprintf("/v1/ledger/proofs/inclusion?index=%d&size=%d", e.Index, second.Size), "", nil)
		var inc struct{ Proof [][]byte }
		res.Decode(t, &inc)
		if err := ledger.VerifyInclusion(leaf, uint64(e.Index), second.Size, inc.Proof, second.Root); err != nil {
			t.Fatalf("entry %d (%s): %v", e.Index, base64.StdEncoding.EncodeToString(leaf), err)
		}
	}
	// alpha received "one" and "three" and sent "two": three entries of its
	// own at least (its events, and the entry of the message it sent).
	if mine < 3 {
		t.Fatalf("alpha sees %d entries of its own", mine)
	}
	// Each event alpha received is, byte for byte as delivered, the payload
	// of its creation entry: "told at T" is provable.
	byObject := map[string]ledger.Entry{}
	for _, e := range entries.Entries {
		if e.Entry != "" {
			dec, _ := ledger.DecodeEntry([]byte(e.Entry))
			byObject[dec.Object] = dec
		}
	}
	for _, ev := range eventsOf(t, s, alpha, 0) {
		body, _ := json.Marshal(ev)
		en, ok := byObject[fmt.Sprintf("event/%d", ev.ID)]
		if !ok || en.Kind != "event.created" || en.PayloadSHA256 != sha256.Sum256(body) {
			t.Fatalf("event %d (%s) has no creation entry whose payload is the event as delivered: %+v", ev.ID, body, en)
		}
	}
}

// TestWebhookDeliversEverythingThroughAnOutage: a receiver that fails for a
// while, then recovers, gets every event, in order, each signed.
func TestWebhookDeliversEverythingThroughAnOutage(t *testing.T) {
	s := apitest.New(t)
	alpha, bravo := s.NewParty("alpha"), s.NewParty("bravo")
	const secret = "a-secret-of-the-receiver-0123"
	var (
		mu       sync.Mutex
		received []int64
		calls    int
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls <= 6 {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		if err := delivery.VerifySignature([]byte(secret), r.Header.Get(delivery.HeaderSignature), body, time.Now(), time.Minute); err != nil {
			t.Errorf("delivery %s: %v", r.Header.Get(delivery.HeaderEventID), err)
		}
		var e deconflict.Event
		if err := json.Unmarshal(body, &e); err != nil {
			t.Errorf("delivery body %s: %v", body, err)
		}
		if n := len(received); n == 0 || received[n-1] != e.ID { // a repeat of the last is allowed
			received = append(received, e.ID)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	res := s.Do("PUT", "/v1/webhooks/ops", alpha, map[string]any{"url": recv.URL, "kinds": []string{"message"}, "secret": secret})
	if res.Status != http.StatusCreated {
		t.Fatalf("webhook: %d %s", res.Status, res.Body)
	}
	var sent []int64
	for i := range 10 {
		sent = append(sent, send(t, s, bravo, []string{"alpha"}, fmt.Sprint("m", i))[0].EventID)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		got := slices.Clone(received)
		mu.Unlock()
		if slices.Equal(got, sent) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("received %v, sent %v", got, sent)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The cursor moves just after the receiver's answer reaches the server.
	for {
		res = s.Do("GET", "/v1/webhooks/ops", alpha, nil)
		var st struct {
			Status deconflict.WebhookStatus
		}
		res.Decode(t, &st)
		if st.Status.Cursor == sent[len(sent)-1] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook cursor %d, last event %d", st.Status.Cursor, sent[len(sent)-1])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebhookRefusesBadURLs: a URL that is not http(s), is malformed or
// points where nothing answers is a 400 naming url.
func TestWebhookRefusesBadURLs(t *testing.T) {
	s := apitest.New(t)
	alpha := s.NewParty("alpha")
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // a loopback port nobody listens on any more
	for _, u := range []string{"ftp://example.org/x", "not a url", "", "http://", "javascript:alert(1)", closed.URL + "/hook"} {
		res := s.Do("PUT", "/v1/webhooks/w", alpha, map[string]any{"url": u, "secret": "0123456789abcdef"})
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), `"url"`) {
			t.Errorf("url %q: %d %s", u, res.Status, res.Body)
		}
	}
}
