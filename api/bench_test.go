package api

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkDecodeOperation measures the strict decoder on a typical body
// (one corridor volume) and on one with a 10,000-vertex polygon.
func BenchmarkDecodeOperation(b *testing.B) {
	small := []byte(`{"callsign": "RUS101", "volumes": [` + goodVolume + `], "share_with": ["all"],
	  "aware_of": [{"party": "usa", "id": "op1", "version": 2}]}`)
	var ring strings.Builder
	for i := range 9999 {
		fmt.Fprintf(&ring, "[%.6f,%.6f],", 36+float64(i)*1e-5, 35+float64(i%2)*1e-3)
	}
	large := []byte(`{"volumes": [{"geometry": {"type": "Polygon", "coordinates": [[` + ring.String() + `[36,35]]]},
	  "alt_lower_m": 0, "alt_upper_m": 1000, "start": "2026-11-24T07:20:00Z", "end": "2026-11-24T07:40:00Z"}]}`)
	for _, c := range []struct {
		name string
		body []byte
	}{{"corridor", small}, {"10k-vertices", large}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeOperation(c.body, "p", "op", lim); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
