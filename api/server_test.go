package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deconflict/deconflict"
)

// brokenAccounts stands in for the account service only where the real one
// cannot be made to fail: it panics, or fails with an uncoded error.
type brokenAccounts struct {
	deconflict.AccountService
	panics bool
}

func (b brokenAccounts) Authenticate(ctx context.Context, token string) (deconflict.Caller, error) {
	if b.panics {
		panic("index out of range in a service")
	}
	return deconflict.Caller{}, context.DeadlineExceeded
}

func TestPanicAndInternalErrorsAre500(t *testing.T) {
	for _, panics := range []bool{true, false} {
		var logs bytes.Buffer
		s := NewServer(Config{Accounts: brokenAccounts{panics: panics}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/v1/operations", nil)
		req.Header.Set("Authorization", "Bearer secret-token")
		s.ServeHTTP(rec, req)
		if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("panics=%v: %d %s", panics, rec.Code, rec.Body)
		}
		var p Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if p.Type != "urn:deconflict:problem:internal" || strings.Contains(p.Detail, "index") || strings.Contains(p.Detail, "deadline") {
			t.Errorf("panics=%v: problem %+v shows the server's insides", panics, p)
		}
		want := "deadline exceeded"
		if panics {
			want = "index out of range"
		}
		if !strings.Contains(logs.String(), want) || strings.Contains(logs.String(), "secret-token") {
			t.Errorf("panics=%v: log %q", panics, logs.String())
		}
		// The server goes on serving.
		rec = httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if rec.Code != http.StatusOK {
			t.Errorf("healthz after failure: %d", rec.Code)
		}
		var buf bytes.Buffer
		s.metrics.write(&buf)
		if !strings.Contains(buf.String(), `deconflict_http_requests_total{method="GET",route="/v1/operations",status="500"} 1`) {
			t.Errorf("metrics do not count the 500:\n%s", buf.String())
		}
	}
}

func TestEveryCodeHasAStatus(t *testing.T) {
	for _, code := range []string{deconflict.EINVALID, deconflict.EUNAUTHORIZED, deconflict.EFORBIDDEN, deconflict.ENOTFOUND,
		deconflict.ECONFLICT, deconflict.EPRECONDITION, deconflict.EPRECONDITIONMISSING, deconflict.ETOOLARGE,
		deconflict.EUNSUPPORTED, deconflict.EUNAVAILABLE, deconflict.EINTERNAL} {
		p, _ := problemFor(deconflict.Errorf(code, "x"))
		if p.Status < 400 || (code != deconflict.EINTERNAL && p.Status == 500) {
			t.Errorf("%s -> %d", code, p.Status)
		}
	}
	if p, internal := problemFor(deconflict.Errorf("made_up", "secret detail")); p.Status != 500 || !internal || p.Detail == "secret detail" {
		t.Errorf("unknown code -> %+v", p)
	}
}
