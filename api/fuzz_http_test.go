package api_test

import (
	"strings"
	"testing"

	"github.com/deconflict/deconflict/api/apitest"
)

// FuzzPutOperationHTTP sends fuzzed operation bodies through the whole
// stack (decoder, geometry, strategic service, SQLite): whatever comes in,
// the answer is never a 5xx, and every answer matches the OpenAPI document.
func FuzzPutOperationHTTP(f *testing.F) {
	for _, seed := range []string{
		mustJSON(opBody(nil)),
		mustJSON(usaStrike()),
		`{"volumes": [{"geometry": {"type": "MultiPolygon", "coordinates": [[[[179,10],[-179,10],[-179,11],[179,11],[179,10]]],[[[0,89],[120,89],[-120,89],[0,89]]]]},
		  "alt_lower_m": 0, "alt_upper_m": 1, "start": "2030-01-01T00:00:00Z", "end": "2030-01-01T01:00:00Z"}]}`,
		`{"volumes": [{"geometry": {"type": "Polygon", "coordinates": [[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[2,8],[8,8],[8,2],[2,2]]]},
		  "alt_lower_m": 0, "alt_upper_m": 1, "start": "2030-01-01T00:00:00Z", "end": "2030-01-01T01:00:00Z"}]}`,
		`{"volumes": [{"geometry": {"type": "LineString", "coordinates": [[0,0],[0,0]]}, "buffer_m": 1e7,
		  "alt_lower_m": 0, "alt_upper_m": 1, "start": "2030-01-01T00:00:00Z", "end": "2030-01-01T01:00:00Z"}]}`,
		`{"volumes": [{"geometry": {"type": "Point", "coordinates": [180, -90]}, "alt_lower_m": -1000, "alt_upper_m": 100000,
		  "start": "0001-01-01T00:00:00Z", "end": "0001-01-02T00:00:00Z"}]}`,
	} {
		f.Add([]byte(seed))
	}
	s := apitest.New(f)
	token := s.NewParty("fuzz")
	f.Fuzz(func(t *testing.T, body []byte) {
		s := s.For(t)
		res := s.Do("PUT", "/v1/operations/fuzz-op", token, body)
		if res.Status >= 500 {
			t.Fatalf("%d for %q: %s", res.Status, body, res.Body)
		}
		if strings.Contains(s.Logs(), "panic") {
			t.Fatalf("server panicked on %q:\n%s", body, s.Logs())
		}
		if res.Status == 201 || res.Status == 200 {
			// Start from nothing again so that each input is judged alone.
			s.Do("DELETE", "/v1/operations/fuzz-op", token, nil)
		}
	})
}
