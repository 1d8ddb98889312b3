package feed_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/feed"
)

// The fuzz targets hold every reader to its promises: it never panics,
// every report passes Validate, each record is counted once as a report,
// malformed or skipped, each malformed record is told with a line number
// that exists, and the end stays the end.

var fuzzSeeds = []string{
	"", "\n", "\r\n\r\n", "\xef\xbb\xbf", "{", "}", "[", "\x00", "\"", `\`, ",,,,,,,,,,,,,,,,,,,,,", "MSG,",
	goodReport, goodReport + "\n" + goodReport[:50] + "\n" + goodReport,
	`{"id":"a","lat":1,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`,
	`{"id":"a","lat":1,"lon":2,"alt_m":1e400,"time":"2026-11-24T07:20:00Z"}`,
	`{"id":"a","lat":-0,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00.123456789+14:00","callsign":"\ud83d\ude00\u0000"}`,
	`{"id":"a","id":"b"}`, `{"id":"\ud800"}`, "{\"id\":\"\xc3\x28\"}",
	dump1090, velocity("AAAAA1", 0) + position("AAAAA1", 1) + position("AAAAA1", 100),
	"MSG,3,1,1,~ABCDEF,1,2026/11/24,07:20:00.000,,,,-1000,,,-90,-180,,,,,,\nMSG,4,1,1,~ABCDEF,1,2026/11/24,07:20:00.000,,,,0,360,,,-98425,,,,,\nMSG,3,1,1,~ABCDEF,1,2026/11/24,07:20:00.000,,,,-1000,,,-90,-180,,,,,,",
	"MSG,2,1,1,000000,1,9999/12/31,23:59:59.999999999,,,,,1e3,1E2,0,0,,,,,,",
	openSkyDoc, `{"states":[[]]}`, `{"states":[["a",null,null,1,1,1,1,1,false,1,1,1,null,null]]}` + "\n" + `{"states":[`,
	`{"states":[["a",null,null,1e300,1,1,1,1,false,1,1,1,{"x":1},null]]}`,
	openSkyCSV, "icao24,lat,lon,time,baroaltitude\na,1,2,3,4\n\"a,1,2,3,4\n", "lat,lon,icao24,time,geoaltitude\n1,2,x,-5,1\n1,2,x,1e30,1\n",
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
}

// fuzzOptions keep bounds small so that the fuzzer reaches them.
func fuzzOptions() feed.Options {
	return feed.Options{MaxLineBytes: 300, SBS: feed.SBSOptions{MaxAircraft: 3, ForgetAfter: 5 * time.Second}}
}

func checkStream(t *testing.T, f feed.Format, data []byte) result {
	t.Helper()
	res := read(t, f, string(data), fuzzOptions())
	lines := int64(bytes.Count(data, []byte("\n")) + 1)
	var last int64
	for _, e := range res.malformed {
		if e.Line < 1 || e.Line > lines || e.Line < last {
			t.Fatalf("malformed record at line %d after one at %d, in an input of %d lines: %v", e.Line, last, lines, e)
		}
		if f != feed.OpenSkyJSON && e.Line == last {
			t.Fatalf("two malformed records told for line %d", e.Line)
		}
		last = e.Line
		if deconflict.ErrorCode(e.Err) != deconflict.EINVALID || e.Error() == "" {
			t.Fatalf("malformed record's error %v is not EINVALID", e.Err)
		}
	}
	if f != feed.OpenSkyJSON && res.err == nil && res.stats.Lines > lines {
		t.Fatalf("%d records counted in %d lines", res.stats.Lines, lines)
	}
	return res
}

func FuzzNDJSON(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		res := checkStream(t, feed.NDJSON, data)
		if res.err != nil {
			t.Fatalf("NDJSON has no fatal errors but read ones: %v", res.err)
		}
	})
}

// FuzzParseReport compares with encoding/json: whatever this package
// accepts, encoding/json (which is laxer) reads the same way.
func FuzzParseReport(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := feed.ParseReport(data)
		if err != nil {
			if deconflict.ErrorCode(err) != deconflict.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if err := r.Validate(""); err != nil {
			t.Fatalf("accepted %+v, which fails Validate: %v", r, err)
		}
		var want deconflict.TrackReport
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", data, err)
		}
		if !equalReports(r, want) {
			t.Fatalf("read %q as\n %+v\nencoding/json reads\n %+v", data, r, want)
		}
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if r2, err := feed.ParseReport(again); err != nil || !equalReports(r, r2) {
			t.Fatalf("round trip through %s: %+v, %v", again, r2, err)
		}
	})
}

func FuzzSBS(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		res := checkStream(t, feed.SBS, data)
		if res.err != nil {
			t.Fatalf("SBS-1 has no fatal errors but read ones: %v", res.err)
		}
		rd := feed.NewSBSReader(bytes.NewReader(data), fuzzOptions())
		for {
			if _, err := rd.Next(); err != nil {
				break
			}
			if rd.Aircraft() > 3 {
				t.Fatalf("holds %d aircraft, over the cap of 3", rd.Aircraft())
			}
		}
	})
}

func FuzzOpenSkyJSON(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if res := checkStream(t, feed.OpenSkyJSON, data); res.err != nil {
			t.Fatalf("OpenSky JSON has no fatal errors but read ones: %v", res.err)
		}
	})
}

func FuzzOpenSkyCSV(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		res := checkStream(t, feed.OpenSkyCSV, data)
		if res.err != nil && !strings.HasPrefix(res.err.Error(), "feed: opensky csv: ") {
			t.Fatalf("the only fatal error is the header's, got %v", res.err)
		}
	})
}

// FuzzOpen feeds whatever Detect makes of the input to its reader.
func FuzzOpen(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		format, err := feed.Detect(data[:min(len(data), 4096)])
		rd, opened, oerr := feed.Open(bytes.NewReader(data), fuzzOptions())
		if (err == nil) != (oerr == nil) || format != opened {
			t.Fatalf("Detect says %q, %v; Open says %q, %v", format, err, opened, oerr)
		}
		if oerr == nil {
			drain(t, rd)
		}
	})
}
