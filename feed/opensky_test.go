package feed_test

import (
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict/feed"
)

// A /states/all response as OpenSky sends it (pretty-printed here so that
// line numbers mean something; the real one is a single line).
const openSkyDoc = `{"time": 1795504801, "states": [
  ["4ba9c8", "THY6FA  ", "Turkey", 1795504800, 1795504801, 36.126, 36.805, 10972.8, false, 232.01, 136.0, -0.33, null, 11010.9, "4321", false, 0],
  ["151d8a", "RFF7045 ", "Russian Federation", 1795504799, 1795504801, 35.9494, 35.4023, 1524.0, false, 134.99, 24.5, 10.73, null, null, null, false, 0],
  ["73806c", "", "Syria", null, 1795504790, null, null, null, true, 0, 0, null, null, null, null, false, 0],
  ["3c6444", "DLH9U   ", "Germany", 1795504800.5, 1795504801, "8.5", 50.03, 350.5, true, 5.2, 270, null, null, null, "1000", false, 0, 3],
  ["A0B1C2", "AAL100  ", "United States", 1795504800.25, 1795504801, -73.77, 40.64, null, false, null, null, null, [1, 2], 3000, null, false, 0, 1]
]}
`

func TestOpenSkyJSONReadsStateVectors(t *testing.T) {
	res := read(t, feed.OpenSkyJSON, openSkyDoc, feed.Options{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.reports) != 3 {
		t.Fatalf("got %d reports: %+v", len(res.reports), res.reports)
	}
	at := func(sec float64) time.Time {
		whole := int64(sec)
		return time.Unix(whole, int64((sec-float64(whole))*1e9)).UTC()
	}
	r := res.reports[0]
	if r.ID != "4ba9c8" || r.Callsign != "THY6FA" || r.Lat != 36.805 || r.Lon != 36.126 || r.AltM != 11010.9 ||
		r.GsMps != 232.01 || r.TrackDeg != 136 || r.VsMps != -0.33 || !r.Time.Equal(at(1795504800)) {
		t.Errorf("geo altitude is preferred, units kept: %+v", r)
	}
	if r := res.reports[1]; r.ID != "151d8a" || r.AltM != 1524 || !r.Time.Equal(at(1795504799)) {
		t.Errorf("without geo altitude the barometric one is used, at time_position: %+v", r)
	}
	if r := res.reports[2]; r.ID != "a0b1c2" || r.AltM != 3000 || r.GsMps != 0 || r.TrackDeg != 0 || !r.Time.Equal(at(1795504800.25)) {
		t.Errorf("missing speeds are zero, the id lower-cased: %+v", r)
	}
	if len(res.malformed) != 1 {
		t.Fatalf("malformed %v, want the string longitude", res.malformed)
	}
	if e := res.malformed[0]; e.Line != 5 || e.Record != "states[3]" || fieldOf(e) != "longitude" ||
		e.Error() != `line 5: states[3]: longitude: must be a number or null (got a string)` {
		t.Errorf("malformed %q (line %d, record %q, field %q)", e.Error(), e.Line, e.Record, fieldOf(e))
	}
	if s := res.stats; s.Lines != 5 || s.Skipped != 1 {
		t.Errorf("stats %+v, want 5 state vectors, one skipped for want of a position", s)
	}
}

func TestOpenSkyJSONReadsOneDocumentAfterAnother(t *testing.T) {
	one := `{"time":1795504801,"states":[["4ba9c8","THY6FA  ","Turkey",1795504800,1795504801,36.126,36.805,10972.8,false,232.01,136.0,-0.33,null,11010.9,"4321",false,0]]}`
	in := strings.Join([]string{
		one,
		`{"time":1795504811,"states":null}`,
		`{"time":1795504821,"states":[]}`,
		`{"time":1795504831,"states":[["4ba9c8","THY6FA  ","Turkey",1795504830,1795504831,36.2,36.7,`, // cut short
		one,
		`{"time": "x", "states": [], "extra": {"nested": [1, {"a": "]"}]}}`,
		`[1, 2, 3]`, // not an object: skipped to the next line
		`{"states": [["short", null]]}`,
		`{"time":1795504801 "states":[]}`,
		one,
		`{"time":1795504841,"states":[["4ba9c8","THY6FA  ","Turkey",1795504840,1795504841,36.126,36.805,10972.8,false,232.01,136.0,-0.33,null,11010.9,"4321",false,0]`, // ends early
	}, "\n")
	res := read(t, feed.OpenSkyJSON, in, feed.Options{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.reports) != 4 {
		t.Fatalf("got %d reports, want 4: %+v\n%v", len(res.reports), res.reports, res.malformed)
	}
	if got := lineNumbers(res.malformed); len(got) != 5 || got[0] != 5 || got[1] != 7 || got[2] != 8 || got[3] != 9 || got[4] != 11 {
		t.Errorf("malformed at lines %v, want 5 (the cut document, found where the next starts), 7, 8, 9, 11: %v", got, res.malformed)
	}
}

func TestOpenSkyJSONBoundsAStateVector(t *testing.T) {
	huge := `{"states":[["4ba9c8","` + strings.Repeat("x", 100_000) + `","Turkey",1795504800,1795504801,36.126,36.805,10972.8,false,232.01,136.0,-0.33,null,11010.9,"4321",false,0],` +
		`["4ba9c9","THY6FB","Turkey",1795504800,1795504801,36.126,36.805,10972.8,false,232.01,136.0,-0.33,null,11010.9,"4321",false,0]]}`
	res := read(t, feed.OpenSkyJSON, huge, feed.Options{MaxLineBytes: 4096})
	if len(res.reports) != 1 || res.reports[0].ID != "4ba9c9" || len(res.malformed) != 1 || res.malformed[0].Record != "states[0]" {
		t.Fatalf("reports %+v, malformed %v", res.reports, res.malformed)
	}
}

// The historical CSV, with the columns in the documented order.
const openSkyCSV = `time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,baroaltitude,geoaltitude,lastposupdate,lastcontact
1795504810,4ba9c8,36.805,36.126,232.01,136.0,-0.33,THY6FA  ,False,False,False,4321,10972.8,11010.9,1795504809.911,1795504809.98
1795504810,151d8a,35.4023,35.9494,134.99,24.5,10.73,RFF7045 ,False,False,False,,1524.0,,1795504808.5,1795504809.1
1795504810,73806c,,,,,,,True,False,False,,,,,1795504790.0
1795504810,3c6444,50.03,8.5,5.2,270,,"DLH9U, x",True,False,False,1000,,350.5,,1795504809.0
1795504810,a0b1c2,40.64,-73.77,150,45,5,AAL100,False,False,False,,3000,3010,1795504805
1795504810,a0b1c3,40.64,-73.77,inf,45,5,AAL101,False,False,False,,3000,3010,1795504805,1795504805
1795504810,a0b1c4,40.64,-73.77,150,45,5,AAL102,False,False,False,,3000,3010,1795504805,1795504805
`

func TestOpenSkyCSVReadsRowsByHeaderNames(t *testing.T) {
	res := read(t, feed.OpenSkyCSV, openSkyCSV, feed.Options{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.reports) != 4 {
		t.Fatalf("got %d reports: %+v\n%v", len(res.reports), res.reports, res.malformed)
	}
	r := res.reports[0]
	if r.ID != "4ba9c8" || r.Callsign != "THY6FA" || r.AltM != 11010.9 || r.GsMps != 232.01 || r.TrackDeg != 136 || r.VsMps != -0.33 ||
		!r.Time.Equal(time.Unix(1795504809, 911_000_000)) {
		t.Errorf("first row %+v", r)
	}
	if r := res.reports[1]; r.AltM != 1524 {
		t.Errorf("without geoaltitude, baroaltitude: %+v", r)
	}
	if r := res.reports[2]; r.ID != "3c6444" || r.Callsign != "DLH9U, x" || r.AltM != 350.5 || r.VsMps != 0 || !r.Time.Equal(time.Unix(1795504810, 0)) {
		t.Errorf("quoted field, no lastposupdate so time: %+v", r)
	}
	if got := lineNumbers(res.malformed); len(got) != 2 || got[0] != 6 || got[1] != 7 {
		t.Errorf("malformed at %v, want 6 (15 fields) and 7 (inf): %v", got, res.malformed)
	}
	if fieldOf(res.malformed[1]) != "velocity" {
		t.Errorf("the inf velocity is reported as %v", res.malformed[1])
	}
}

func TestOpenSkyCSVColumnOrderMayVary(t *testing.T) {
	in := "callsign, ICAO24 ,geo_altitude,latitude,longitude,time_position,velocity,true_track,vertical_rate\n" +
		"THY6FA,4BA9C8,11010.9,36.805,36.126,1795504800,232.01,136,-0.33\n"
	res := read(t, feed.OpenSkyCSV, in, feed.Options{})
	if len(res.reports) != 1 {
		t.Fatalf("got %+v, %v, %v", res.reports, res.malformed, res.err)
	}
	if r := res.reports[0]; r.ID != "4ba9c8" || r.Lat != 36.805 || r.Lon != 36.126 || r.TrackDeg != 136 || r.AltM != 11010.9 {
		t.Errorf("report %+v", r)
	}
}

func TestOpenSkyCSVNeedsAUsableHeader(t *testing.T) {
	for _, tc := range []struct{ name, in, says string }{
		{"no position columns", "time,icao24,velocity\n1,a,2\n", "lacks the columns lat, lon, geoaltitude or baroaltitude"},
		{"a column twice", "icao24,lat,lat,lon,time,geoaltitude\n", "twice"},
		{"two names for one column", "icao24,lat,latitude,lon,time,geoaltitude\n", "twice"},
		{"empty", "\n\n", "no header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := read(t, feed.OpenSkyCSV, tc.in, feed.Options{})
			if res.err == nil || !strings.Contains(res.err.Error(), tc.says) {
				t.Errorf("err %v, want one saying %q", res.err, tc.says)
			}
		})
	}
}
