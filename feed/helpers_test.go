package feed_test

import (
	"errors"
	"io"
	"math"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/feed"
)

// tb is what the helpers need of *testing.T and *rapid.T alike.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

// result is everything a reader gave: its reports, the malformed records it
// told of, the error that ended it (nil for io.EOF) and its final counters.
type result struct {
	reports   []deconflict.TrackReport
	malformed []*feed.LineError
	err       error
	stats     feed.Stats
}

// read runs a reader of format f over input to its end.
func read(t tb, f feed.Format, input string, opt feed.Options) result {
	t.Helper()
	var res result
	opt.OnMalformed = func(e *feed.LineError) error {
		res.malformed = append(res.malformed, e)
		return nil
	}
	rd, err := feed.NewReader(f, strings.NewReader(input), opt)
	if err != nil {
		t.Fatal(err)
	}
	res.reports, res.err = drain(t, rd)
	res.stats = rd.Stats()
	checkStats(t, res.stats, len(res.reports), len(res.malformed))
	return res
}

// drain reads rd to its end, checking every report and that io.EOF stays.
func drain(t tb, rd feed.Reader) ([]deconflict.TrackReport, error) {
	t.Helper()
	var out []deconflict.TrackReport
	for {
		r, err := rd.Next()
		if err == io.EOF {
			if _, again := rd.Next(); again != io.EOF {
				t.Fatalf("Next after io.EOF returned %v, want io.EOF again", again)
			}
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if verr := r.Validate(""); verr != nil {
			t.Fatalf("report %+v does not pass Validate: %v", r, verr)
		}
		out = append(out, r)
	}
}

func checkStats(t tb, s feed.Stats, reports, malformed int) {
	t.Helper()
	if s.Reports != int64(reports) || s.Malformed != int64(malformed) {
		t.Errorf("stats %+v, but %d reports and %d malformed records were seen", s, reports, malformed)
	}
	if s.Lines != s.Reports+s.Malformed+s.Skipped {
		t.Errorf("stats %+v: Lines is not Reports + Malformed + Skipped", s)
	}
	if (s.Malformed == 0) != (s.LastError == "") {
		t.Errorf("stats %+v: LastError does not match Malformed", s)
	}
}

// lineNumbers lists the line numbers of malformed records.
func lineNumbers(errs []*feed.LineError) []int64 {
	var n []int64
	for _, e := range errs {
		n = append(n, e.Line)
	}
	return n
}

// fieldOf is the first field a line error names, "" when none.
func fieldOf(e *feed.LineError) string {
	var de *deconflict.Error
	if !errors.As(e, &de) {
		return "(not a *deconflict.Error)"
	}
	if de.Code != deconflict.EINVALID {
		return "(code " + de.Code + ")"
	}
	if len(de.Fields) == 0 {
		return ""
	}
	return de.Fields[0].Field
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func equalReports(a, b deconflict.TrackReport) bool {
	return a.ID == b.ID && a.Callsign == b.Callsign && a.Party == b.Party && a.Time.Equal(b.Time) &&
		a.Lat == b.Lat && a.Lon == b.Lon && a.AltM == b.AltM && a.GsMps == b.GsMps &&
		a.TrackDeg == b.TrackDeg && a.VsMps == b.VsMps
}
