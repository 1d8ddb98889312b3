// Package apitest stands up the whole exchange for tests: a real SQLite file
// in a temporary folder, the real account and strategic services, and the
// HTTP API on a loopback httptest server, with a client that checks every
// answer against the OpenAPI document.
//
// It is for tests only; nothing in it may be used by the product.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/accounts"
	"github.com/deconflict/deconflict/api"
	"github.com/deconflict/deconflict/delivery"
	"github.com/deconflict/deconflict/events"
	"github.com/deconflict/deconflict/exchange"
	"github.com/deconflict/deconflict/live"
	"github.com/deconflict/deconflict/sqlite"
	"github.com/deconflict/deconflict/strategic"
)

// AdminToken is the admin token of every test stack.
const AdminToken = "test-admin-token-0123456789abcdef"

// Stack is a running exchange.
type Stack struct {
	URL       string
	Store     *sqlite.Store
	Accounts  *accounts.Service
	Strategic *strategic.Service
	Events    *events.Service
	Live      *live.Service
	Server    *httptest.Server
	Validator *Validator
	log       *lockedWriter

	t testing.TB
}

// Options change a stack from the defaults.
type Options struct {
	Settings deconflict.Settings // zero: deconflict.DefaultSettings()
	Strategy strategic.Config    // Settings is filled from Settings above
	Live     live.Config         // Store, Journal and Settings are filled in
}

// New starts a stack with default settings; it is torn down when t ends.
func New(t testing.TB) *Stack { return NewWith(t, Options{}) }

// NewWith starts a stack with opts.
func NewWith(t testing.TB, opts Options) *Stack {
	t.Helper()
	ctx := context.Background()
	if opts.Settings.Limits.MaxBodyBytes == 0 {
		opts.Settings = deconflict.DefaultSettings()
	}
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "deconflict.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	logs := &lockedWriter{}
	x, err := exchange.New(ctx, store, exchange.Config{
		KeyDir:     t.TempDir(),
		Origin:     "deconflict-test",
		AdminToken: AdminToken,
		Settings:   opts.Settings,
		Strategy:   opts.Strategy,
		Live:       opts.Live,
		Delivery:   delivery.Options{BackoffBase: 10 * time.Millisecond, BackoffCap: 200 * time.Millisecond, Timeout: 2 * time.Second},
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		store.Close()
		t.Fatalf("exchange: %v", err)
	}
	v, err := NewValidator()
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	handler := x.Handler
	srv := httptest.NewServer(handler)
	s := &Stack{URL: srv.URL, Store: store, Accounts: x.Accounts, Strategic: x.Strategic, Events: x.Events, Live: x.Live,
		Server: srv, Validator: v, log: logs, t: t}
	t.Cleanup(func() {
		srv.Close()
		_ = x.Close()
		_ = store.Close()
	})
	return s
}

// For returns the stack reporting to t: a subtest, or a call of a fuzz
// target, which may not use the testing.F the stack was made with.
func (s *Stack) For(t testing.TB) *Stack {
	c := *s
	c.t = t
	return &c
}

// Response is an answer, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode decodes the body as JSON into v, failing the test if it cannot.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Problem decodes the body as a problem.
func (r *Response) Problem(t testing.TB) api.Problem {
	t.Helper()
	var p api.Problem
	r.Decode(t, &p)
	return p
}

// Do sends a request and checks the answer against the OpenAPI document.
// body is sent as is when it is []byte or string, as JSON otherwise, nil for
// none; a body gets Content-Type application/json unless headers (name,
// value pairs) set one. token "" sends no Authorization.
func (s *Stack) Do(method, path, token string, body any, headers ...string) *Response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			s.t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatalf("request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return s.Send(req)
}

// Send sends a prepared request and checks the answer against the OpenAPI
// document.
func (s *Stack) Send(req *http.Request) *Response {
	s.t.Helper()
	res, err := s.Server.Client().Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatalf("%s %s: read: %v", req.Method, req.URL.Path, err)
	}
	if err := s.Validator.Check(req.Method, req.URL.Path, res.StatusCode, res.Header, data); err != nil {
		s.t.Errorf("OpenAPI: %v", err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: data}
}

// NewParty creates a party as the admin and returns its token.
func (s *Stack) NewParty(id string, groups ...string) string {
	s.t.Helper()
	if groups == nil {
		groups = []string{}
	}
	res := s.Do("POST", "/v1/parties", AdminToken, map[string]any{"id": id, "name": id, "groups": groups})
	if res.Status != http.StatusCreated {
		s.t.Fatalf("create party %s: %d %s", id, res.Status, res.Body)
	}
	var out struct{ Token string }
	res.Decode(s.t, &out)
	return out.Token
}

// Logs returns what the server logged at warning level and above.
func (s *Stack) Logs() string {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return s.log.buf.String()
}

// lockedWriter keeps log lines of concurrent requests whole.
type lockedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}
