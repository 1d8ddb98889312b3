package api

import (
	"testing"

	"github.com/deconflict/deconflict"
)

// FuzzDecodeTracks: the batch decoder never panics, and what it returns is
// a list of reports that each pass validation, or an EINVALID error that
// names a field.
func FuzzDecodeTracks(f *testing.F) {
	for _, s := range append([]string{
		`{"reports": [{"id": "a1", "callsign": "X", "lat": 35, "lon": 36, "alt_m": 9000, "gs_mps": 250, "track_deg": 90, "vs_mps": 0, "time": "2026-11-24T07:20:00Z", "party": "p"}]}`,
		`{"reports": [{"id": "a1", "lat": 35, "lon": 36, "alt_m": 9000, "gs_mps": 250, "track_deg": 90, "vs_mps": 0, "time": "2026-11-24T07:20:00Z"}, {}]}`,
		`{"reports": []}`, `{"reports": null}`, `{"reports": [null]}`, `{"reports": [{"lat": NaN}]}`, `{"reports": [{"time": "yesterday"}]}`,
		`{"reports": [{"id": "a1", "ID": "a2"}]}`,
	}, fuzzSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := decodeTracks(data)
		if err != nil {
			if deconflict.ErrorCode(err) != deconflict.EINVALID || deconflict.ErrorMessage(err) == "" {
				t.Fatalf("%q: error %v, want EINVALID with a message", data, err)
			}
			return
		}
		if len(rs) > maxReports {
			t.Fatalf("%q: %d reports", data, len(rs))
		}
		for i := range rs {
			if err := rs[i].Validate(""); err != nil {
				t.Fatalf("%q: decoded an invalid report: %v", data, err)
			}
		}
	})
}
