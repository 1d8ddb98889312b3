package feed_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/feed"
	"pgregory.net/rapid"
)

const goodReport = `{"id":"4ba9c8","callsign":"THY6FA","lat":36.81,"lon":36.12,"alt_m":10972.8,"gs_mps":232.5,"track_deg":136,"vs_mps":-2.5,"time":"2026-11-24T07:20:01.5Z","party":"tur"}`

func TestNDJSONReadsTheSpecShape(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		want       deconflict.TrackReport
	}{
		{"every member", goodReport, deconflict.TrackReport{ID: "4ba9c8", Callsign: "THY6FA", Lat: 36.81, Lon: 36.12,
			AltM: 10972.8, GsMps: 232.5, TrackDeg: 136, VsMps: -2.5, Time: mustTime("2026-11-24T07:20:01.5Z"), Party: "tur"}},
		{"required members only, in another order", `{"time":"2026-11-24T07:20:00Z","alt_m":-12,"lon":-179.5,"lat":-89.9,"id":"drone-7"}`,
			deconflict.TrackReport{ID: "drone-7", Lat: -89.9, Lon: -179.5, AltM: -12, Time: mustTime("2026-11-24T07:20:00Z")}},
		{"null for optional members", `{"id":"a","callsign":null,"party":null,"gs_mps":null,"track_deg":null,"vs_mps":null,"lat":1,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`,
			deconflict.TrackReport{ID: "a", Lat: 1, Lon: 2, AltM: 3, Time: mustTime("2026-11-24T07:20:00Z")}},
		{"offset time becomes UTC, exponents and escapes", " {\"id\" : \"a\" , \"callsign\":\"R\\u00e9union \\\"1\\\"\", \"lat\":1e1,\"lon\":-0.5E+1,\"alt_m\":1.5e3,\"track_deg\":360,\"time\":\"2026-11-24T10:20:00+03:00\"}\t",
			deconflict.TrackReport{ID: "a", Callsign: `Réunion "1"`, Lat: 10, Lon: -5, AltM: 1500, TrackDeg: 360, Time: mustTime("2026-11-24T07:20:00Z")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := read(t, feed.NDJSON, tc.line+"\r\n", feed.Options{})
			if res.err != nil || len(res.malformed) > 0 || len(res.reports) != 1 {
				t.Fatalf("got %d reports, malformed %v, err %v", len(res.reports), res.malformed, res.err)
			}
			got := res.reports[0]
			if !equalReports(got, tc.want) || got.Time.Location() != time.UTC {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestNDJSONRefusesBadLinesAndReadsOn(t *testing.T) {
	cases := []struct {
		name, line, field, message string
	}{
		{"unknown member", `{"id":"a","lat":1,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z","heading":4}`, "heading", "not a member"},
		{"member in the wrong case", `{"ID":"a","lat":1,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`, "ID", "not a member"},
		{"duplicate member", `{"id":"a","lat":1,"lat":2,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`, "lat", "twice"},
		{"trailing data", goodReport + ` {}`, "", "after the track report"},
		{"two objects without space", goodReport + goodReport, "", "after the track report"},
		{"NaN", `{"id":"a","lat":NaN,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`, "lat", "must be a number"},
		{"Infinity", `{"id":"a","lat":1,"lon":-Infinity,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`, "lon", "expected a number"},
		{"huge", `{"id":"a","lat":1,"lon":2,"alt_m":1e400,"time":"2026-11-24T07:20:00Z"}`, "alt_m", "out of range"},
		{"latitude out of range", `{"id":"a","lat":90.0001,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`, "lat", "from -90 to 90"},
		{"longitude out of range", `{"id":"a","lat":1,"lon":-180.5,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`, "lon", "from -180 to 180"},
		{"negative ground speed", `{"id":"a","lat":1,"lon":2,"alt_m":3,"gs_mps":-1,"time":"2026-11-24T07:20:00Z"}`, "gs_mps", "from 0 to 2000"},
		{"track over 360", `{"id":"a","lat":1,"lon":2,"alt_m":3,"track_deg":361,"time":"2026-11-24T07:20:00Z"}`, "track_deg", "from 0 to 360"},
		{"altitude in space", `{"id":"a","lat":1,"lon":2,"alt_m":400000,"time":"2026-11-24T07:20:00Z"}`, "alt_m", "from -1000 to 100000"},
		{"number as a string", `{"id":"a","lat":"1","lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`, "lat", "must be a number (got a string)"},
		{"leading zero", `{"id":"a","lat":01,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`, "", "expected ','"},
		{"missing id and time", `{"lat":1,"lon":2,"alt_m":3}`, "id", "required"},
		{"null latitude", `{"id":"a","lat":null,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`, "lat", "may not be null"},
		{"bad id", `{"id":"a b","lat":1,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`, "id", "A-Z a-z 0-9"},
		{"bad time", `{"id":"a","lat":1,"lon":2,"alt_m":3,"time":"24/11/2026 07:20"}`, "time", "RFC 3339"},
		{"time as a number", `{"id":"a","lat":1,"lon":2,"alt_m":3,"time":1795504800}`, "time", "must be a string"},
		{"zero time", `{"id":"a","lat":1,"lon":2,"alt_m":3,"time":"0001-01-01T00:00:00Z"}`, "time", "required"},
		{"invalid UTF-8", "{\"id\":\"a\",\"callsign\":\"\xff\",\"lat\":1,\"lon\":2,\"alt_m\":3,\"time\":\"2026-11-24T07:20:00Z\"}", "callsign", "UTF-8"},
		{"lone surrogate", `{"id":"a","callsign":"\ud800","lat":1,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`, "callsign", "surrogate"},
		{"callsign too long", `{"id":"a","callsign":"` + strings.Repeat("C", 65) + `","lat":1,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`, "callsign", "at most 64"},
		{"an array", `[` + goodReport + `]`, "", "one JSON object"},
		{"cut short", goodReport[:40], "", "not valid JSON"},
		{"nested object", `{"id":{"a":1},"lat":1,"lon":2,"alt_m":3,"time":"2026-11-24T07:20:00Z"}`, "id", "must be a string (got an object)"},
		{"empty object", `{}`, "id", "required"},
	}
	// One stream: each bad line is followed by a good one, which must come through.
	var in strings.Builder
	for _, c := range cases {
		in.WriteString(c.line + "\n" + goodReport + "\n")
	}
	res := read(t, feed.NDJSON, in.String(), feed.Options{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.reports) != len(cases) || len(res.malformed) != len(cases) {
		t.Fatalf("got %d reports and %d malformed, want %d of each: %v", len(res.reports), len(res.malformed), len(cases), res.malformed)
	}
	for i, c := range cases {
		e := res.malformed[i]
		if e.Line != int64(2*i+1) {
			t.Errorf("%s: malformed at line %d, want %d", c.name, e.Line, 2*i+1)
		}
		if f := fieldOf(e); f != c.field {
			t.Errorf("%s: field %q, want %q (%v)", c.name, f, c.field, e)
		}
		if !strings.Contains(e.Error(), c.message) || !strings.HasPrefix(e.Error(), "line ") {
			t.Errorf("%s: error %q does not say %q", c.name, e.Error(), c.message)
		}
	}
	if res.stats.Lines != int64(2*len(cases)) {
		t.Errorf("Lines = %d, want %d", res.stats.Lines, 2*len(cases))
	}
}

func TestNDJSONSkipsBlankLinesAndReadsALastLineWithoutEnd(t *testing.T) {
	res := read(t, feed.NDJSON, "\xef\xbb\xbf"+goodReport+"\n\n   \r\n"+goodReport, feed.Options{})
	if len(res.reports) != 2 || res.stats.Skipped != 2 || res.stats.Lines != 4 || len(res.malformed) != 0 {
		t.Fatalf("got %d reports, stats %+v, malformed %v", len(res.reports), res.stats, res.malformed)
	}
}

// endless is a reader of one line that never ends.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), e.n)
	for i := range p[:n] {
		p[i] = 'x'
	}
	e.n -= n
	return int(n), nil
}

func TestNDJSONSkipsALongLineWithoutHoldingIt(t *testing.T) {
	const size = 64 << 20
	in := io.MultiReader(strings.NewReader(goodReport+"\n"), &endless{n: size}, strings.NewReader("\n"+goodReport+"\n"))
	var errs []*feed.LineError
	rd := feed.NewNDJSONReader(in, feed.Options{MaxLineBytes: 1024, OnMalformed: func(e *feed.LineError) error {
		errs = append(errs, e)
		return nil
	}})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	reps, err := drain(t, rd)
	runtime.ReadMemStats(&after)
	if err != nil || len(reps) != 2 {
		t.Fatalf("got %d reports, err %v", len(reps), err)
	}
	if len(errs) != 1 || errs[0].Line != 2 || !strings.Contains(errs[0].Error(), "longer than 1024 bytes") {
		t.Fatalf("malformed %v, want one at line 2 for its length", errs)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 1<<20 {
		t.Errorf("reading a %d MiB line allocated %d bytes; it should not be held", size>>20, grown)
	}
}

func TestNDJSONLineOfExactlyTheLimitIsRead(t *testing.T) {
	pad := strings.Repeat(" ", 300-len(goodReport))
	res := read(t, feed.NDJSON, goodReport+pad+"\r\n"+goodReport+pad+" \n", feed.Options{MaxLineBytes: 300})
	if len(res.reports) != 1 || len(res.malformed) != 1 || res.malformed[0].Line != 2 {
		t.Fatalf("a line of exactly MaxLineBytes must be read and one byte more refused; got %d reports, %v", len(res.reports), res.malformed)
	}
}

// failing returns its data, then err.
type failing struct {
	data []byte
	err  error
}

func (f *failing) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadErrorsAreFatalAndDistinctFromMalformedLines(t *testing.T) {
	broken := errors.New("connection reset")
	for _, f := range feed.Formats {
		t.Run(string(f), func(t *testing.T) {
			var malformed int
			data := "garbage\n"
			if f == feed.OpenSkyCSV {
				data = "icao24,lat,lon,time,geoaltitude\n" + data
			}
			rd, _ := feed.NewReader(f, &failing{data: []byte(data), err: broken}, feed.Options{
				OnMalformed: func(*feed.LineError) error { malformed++; return nil }})
			_, err := drain(t, rd)
			if !errors.Is(err, broken) {
				t.Fatalf("err = %v, want the read error", err)
			}
			if _, again := rd.Next(); !errors.Is(again, broken) {
				t.Errorf("the read error is not kept: then %v", again)
			}
			var le *feed.LineError
			if errors.As(err, &le) {
				t.Errorf("a read error must not look like a malformed line")
			}
			if malformed != 1 {
				t.Errorf("%d malformed lines told, want 1 (the garbage)", malformed)
			}
		})
	}
}

func TestOnMalformedCanStopTheFeed(t *testing.T) {
	enough := errors.New("too much garbage")
	seen := 0
	rd := feed.NewNDJSONReader(strings.NewReader("x\ny\nz\n"+goodReport+"\n"), feed.Options{OnMalformed: func(e *feed.LineError) error {
		seen++
		if seen == 2 {
			return enough
		}
		return nil
	}})
	if _, err := rd.Next(); err != enough {
		t.Fatalf("err = %v, want the callback's", err)
	}
	if _, err := rd.Next(); err != enough {
		t.Fatalf("then err = %v, want the callback's again", err)
	}
	if s := rd.Stats(); s.Malformed != 2 || s.Lines != 2 {
		t.Errorf("stats %+v, want 2 lines read, both malformed", s)
	}
}

func TestParseReport(t *testing.T) {
	r, err := feed.ParseReport([]byte("\n" + goodReport + "\n"))
	if err != nil || r.ID != "4ba9c8" || r.Party != "tur" {
		t.Fatalf("got %+v, %v", r, err)
	}
	_, err = feed.ParseReport([]byte(`{"id":"a"}`))
	if deconflict.ErrorCode(err) != deconflict.EINVALID {
		t.Fatalf("err %v, want EINVALID", err)
	}
	var de *deconflict.Error
	errors.As(err, &de)
	var fields []string
	for _, f := range de.Fields {
		fields = append(fields, f.Field)
	}
	if strings.Join(fields, ",") != "lat,lon,alt_m,time" {
		t.Errorf("missing members reported as %v, want lat, lon, alt_m, time", fields)
	}
}

// genReport draws a valid report, with values at and near the edges.
func genReport(t *rapid.T) deconflict.TrackReport {
	edge := func(lo, hi float64) *rapid.Generator[float64] {
		return rapid.OneOf(rapid.Float64Range(lo, hi), rapid.SampledFrom([]float64{lo, hi, 0}))
	}
	id := rapid.StringMatching(`[A-Za-z0-9._-]{1,64}`).Draw(t, "id")
	return deconflict.TrackReport{
		ID:       id,
		Callsign: rapid.StringN(0, 20, 64).Draw(t, "callsign"),
		Lat:      edge(-90, 90).Draw(t, "lat"),
		Lon:      edge(-180, 180).Draw(t, "lon"),
		AltM:     edge(-1000, 100000).Draw(t, "alt"),
		GsMps:    edge(0, 2000).Draw(t, "gs"),
		TrackDeg: edge(0, 360).Draw(t, "track"),
		VsMps:    edge(-500, 500).Draw(t, "vs"),
		Time:     time.Unix(rapid.Int64Range(1, 1<<34).Draw(t, "sec"), rapid.Int64Range(0, 999_999_999).Draw(t, "ns")).UTC(),
		Party:    rapid.OneOf(rapid.Just(""), rapid.StringMatching(`[a-z]{1,10}`)).Draw(t, "party"),
	}
}

func TestNDJSONReadsWhatEncodingJSONWrites(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		want := rapid.SliceOfN(rapid.Custom(genReport), 1, 20).Draw(t, "reports")
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for _, r := range want {
			if err := enc.Encode(r); err != nil {
				t.Fatal(err)
			}
		}
		res := read(t, feed.NDJSON, buf.String(), feed.Options{})
		if res.err != nil || len(res.malformed) > 0 || len(res.reports) != len(want) {
			t.Fatalf("got %d reports of %d, malformed %v, err %v", len(res.reports), len(want), res.malformed, res.err)
		}
		for i := range want {
			if !equalReports(res.reports[i], want[i]) {
				t.Fatalf("report %d:\n got %+v\nwant %+v", i, res.reports[i], want[i])
			}
		}
	})
}
