package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// newRequest returns a request carrying If-Match: ifMatch.
func newRequest(t *testing.T, ifMatch string) *http.Request {
	t.Helper()
	r := httptest.NewRequest("PUT", "/v1/operations/x", nil)
	r.Header.Set("If-Match", ifMatch)
	return r
}
