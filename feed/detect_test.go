package feed_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict/feed"
)

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name, first string
		want        feed.Format
	}{
		{"NDJSON", goodReport + "\n" + goodReport, feed.NDJSON},
		{"NDJSON starting with time", `{"time":"2026-11-24T07:20:00Z","id":"a"}`, feed.NDJSON},
		{"NDJSON after a BOM and blank lines", "\xef\xbb\xbf\n\n  " + goodReport, feed.NDJSON},
		{"SBS-1", dump1090, feed.SBS},
		{"SBS-1 starting with a status line", "STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM\n", feed.SBS},
		{"OpenSky JSON", openSkyDoc, feed.OpenSkyJSON},
		{"OpenSky JSON, time first", `{"time": 1795504801, "sta`, feed.OpenSkyJSON},
		{"OpenSky JSON, states first", `{"states":null,"time":1}`, feed.OpenSkyJSON},
		{"OpenSky JSON, unknown member first", `{"x":{"y":[1,"}"]},"states":[]}`, feed.OpenSkyJSON},
		{"OpenSky CSV", openSkyCSV, feed.OpenSkyCSV},
		{"OpenSky CSV, other order, CRLF", "\"icao24\",\"latitude\",\"longitude\"\r\n", feed.OpenSkyCSV},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := tc.first
			if len(first) > 4096 {
				first = first[:4096]
			}
			got, err := feed.Detect([]byte(first))
			if err != nil || got != tc.want {
				t.Errorf("Detect = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "  \n ", "hello", "{", `{"foo": 1}`, `{"time": `, `{"sta`, "a,b,c\n1,2,3", "[1,2]"} {
		if f, err := feed.Detect([]byte(bad)); err == nil {
			t.Errorf("Detect(%q) = %q, want an error", bad, f)
		}
	}
}

func TestOpenDetectsAndReadsEverything(t *testing.T) {
	for _, tc := range []struct {
		in      string
		format  feed.Format
		reports int
	}{
		{strings.Repeat(goodReport+"\n", 2000), feed.NDJSON, 2000},
		{dump1090, feed.SBS, 4},
		{openSkyDoc, feed.OpenSkyJSON, 3},
		{openSkyCSV, feed.OpenSkyCSV, 4},
	} {
		rd, f, err := feed.Open(strings.NewReader(tc.in), feed.Options{})
		if err != nil || f != tc.format {
			t.Fatalf("Open: %q, %v; want %q", f, err, tc.format)
		}
		reps, err := drain(t, rd)
		if err != nil || len(reps) != tc.reports {
			t.Errorf("%s: %d reports, err %v; want %d", f, len(reps), err, tc.reports)
		}
	}
	if _, _, err := feed.Open(strings.NewReader(""), feed.Options{}); err == nil {
		t.Error("Open of an empty input must say it cannot tell the format")
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range feed.Formats {
		if got, err := feed.ParseFormat(" " + strings.ToUpper(string(f))); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	if _, err := feed.ParseFormat("kml"); err == nil || !strings.Contains(err.Error(), "opensky-csv") {
		t.Errorf("ParseFormat(kml): %v", err)
	}
}

func TestOpenDoesNotWaitForMoreThanItNeeds(t *testing.T) {
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("\n"))
		pw.Write([]byte(velocity("4BA9C8", 0)))
	}()
	type opened struct {
		rd  feed.Reader
		f   feed.Format
		err error
	}
	done := make(chan opened, 1)
	go func() {
		rd, f, err := feed.Open(pr, feed.Options{})
		done <- opened{rd, f, err}
	}()
	var o opened
	select {
	case o = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Open waits for more than the first line of a live stream")
	}
	if o.err != nil || o.f != feed.SBS {
		t.Fatalf("Open: %q, %v", o.f, o.err)
	}
	go func() {
		pw.Write([]byte(position("4BA9C8", 1)))
		pw.Close()
	}()
	reps, err := drain(t, o.rd)
	if err != nil || len(reps) != 1 {
		t.Fatalf("got %d reports, %v; the first line must not be lost to the look", len(reps), err)
	}
}
