package api_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/deconflict/deconflict/api/apitest"
)

// fuzzStack is a stack with two parties, alpha (the fuzzed caller) and
// bravo, and one message from bravo to alpha.
func fuzzStack(f *testing.F) (*apitest.Stack, string) {
	s := apitest.New(f)
	alpha, bravo := s.NewParty("alpha"), s.NewParty("bravo")
	s.Do("POST", "/v1/messages", bravo, map[string]any{"to": []string{"alpha"}, "text": "seed"})
	return s, alpha
}

func noServerFault(t *testing.T, s *apitest.Stack, res *apitest.Response, input any) {
	t.Helper()
	if res.Status >= 500 {
		t.Fatalf("%d for %q: %s", res.Status, input, res.Body)
	}
	if strings.Contains(s.Logs(), "panic") {
		t.Fatalf("server panicked on %q:\n%s", input, s.Logs())
	}
}

// FuzzMessageHTTP: message bodies through the whole stack.
func FuzzMessageHTTP(f *testing.F) {
	for _, seed := range []string{
		`{"to": ["bravo"], "text": "hello"}`, `{"to": ["group:none"], "text": "x"}`, `{"to": ["all"], "text": "x", "needs_ack": false}`,
		`{"to": [], "text": ""}`, `{"to": ["bravo", "bravo"], "text": "\u0000"}`, `{"to": "bravo"}`, `[]`, `{"to": ["a"], "text": "x", "x": 1}`,
	} {
		f.Add([]byte(seed))
	}
	s, alpha := fuzzStack(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		s := s.For(t)
		noServerFault(t, s, s.Do("POST", "/v1/messages", alpha, body), body)
	})
}

// FuzzWebhookHTTP: webhook bodies through the whole stack. URLs point at a
// closed loopback port or nowhere: the reachability check refuses them fast.
func FuzzWebhookHTTP(f *testing.F) {
	for _, seed := range []string{
		`{"url": "http://127.0.0.1:9/x", "secret": "0123456789abcdef"}`, `{"url": "ftp://x", "secret": "s"}`,
		`{"url": "http://[::1", "kinds": ["message", "nope"], "secret": ""}`, `{"url": 5}`, `{}`, `{"url": "http://x", "secret": "0123456789abcdef", "kinds": null}`,
	} {
		f.Add([]byte(seed))
	}
	s, alpha := fuzzStack(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		s := s.For(t)
		noServerFault(t, s, s.Do("PUT", "/v1/webhooks/fuzz", alpha, body), body)
	})
}

// FuzzEventsQueryHTTP: the event list's query, the Last-Event-ID header
// and the ack's path, through the whole stack.
func FuzzEventsQueryHTTP(f *testing.F) {
	for _, seed := range [][2]string{{"after=0", ""}, {"after=-1&limit=99999999999999999999", "7"}, {"x=1", "abc"}, {"after=1&after=2", " 1 "}} {
		f.Add(seed[0], seed[1])
	}
	s, alpha := fuzzStack(f)
	f.Fuzz(func(t *testing.T, rawQuery, lastID string) {
		s := s.For(t)
		if strings.ContainsAny(lastID, "\r\n\x00") {
			return // not a header value an HTTP client can send
		}
		res := s.Do("GET", "/v1/events?"+rawQuery, alpha, nil, "Last-Event-ID", lastID)
		noServerFault(t, s, res, rawQuery)
		noServerFault(t, s, s.Do("POST", "/v1/events/"+url.PathEscape(lastID)+"/ack", alpha, nil), lastID)
	})
}
