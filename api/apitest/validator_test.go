package apitest

import (
	"net/http"
	"strings"
	"testing"
)

// TestValidatorCatches shows that the checks the API tests rely on can fail.
func TestValidatorCatches(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	js := http.Header{"Content-Type": {"application/json"}}
	withETag := http.Header{"Content-Type": {"application/json"}, "Etag": {`"1"`}}
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	good := `{"operation": {"party": "p", "id": "o", "version": 1, "state": "planned", "volumes": [], "share_with": [], "aware_of": [],
	  "created_at": "2026-11-24T07:20:00Z", "updated_at": "2026-11-24T07:20:00Z"}}`
	cases := []struct {
		name, method, path string
		status             int
		h                  http.Header
		body, wantErr      string
	}{
		{"good", "GET", "/v1/operations/o", 200, withETag, good, ""},
		{"missing ETag", "GET", "/v1/operations/o", 200, js, good, "ETag"},
		{"null list", "GET", "/v1/operations/o", 200, withETag, strings.Replace(good, `"share_with": []`, `"share_with": null`, 1), "does not match"},
		{"extra member", "GET", "/v1/operations/o", 200, withETag, strings.Replace(good, `"id": "o"`, `"id": "o", "secret": 1`, 1), "does not match"},
		{"bad time", "GET", "/v1/operations/o", 200, withETag, strings.Replace(good, `2026-11-24T07:20:00Z`, `yesterday`, 1), "does not match"},
		{"undocumented status", "GET", "/v1/operations/o", 418, problem, `{}`, "does not list"},
		{"wrong media type", "GET", "/v1/operations/o", 404, js, `{"type":"urn:deconflict:problem:not_found","title":"t","status":404,"detail":"d"}`, "not documented"},
		{"problem", "GET", "/v1/operations/o", 404, problem, `{"type":"urn:deconflict:problem:not_found","title":"t","status":404,"detail":"d"}`, ""},
		{"problem lacks detail", "GET", "/v1/operations/o", 404, problem, `{"type":"urn:deconflict:problem:not_found","title":"t","status":404}`, "does not match"},
		{"unknown path 200", "GET", "/v1/nothing", 200, js, `{}`, "not in the document"},
		{"unknown path 404", "GET", "/v1/nothing", 404, problem, `{"type":"urn:deconflict:problem:not_found","title":"t","status":404,"detail":"d"}`, ""},
		{"204 with body", "DELETE", "/v1/zones/z", 204, js, `{}`, "no body"},
	}
	for _, c := range cases {
		err := v.Check(c.method, c.path, c.status, c.h, []byte(c.body))
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: got %v, want an error saying %q", c.name, err, c.wantErr)
		}
	}
}
