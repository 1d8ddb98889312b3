package feed_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict/feed"
	"pgregory.net/rapid"
)

// A minute of one receiver's port 30003, as dump1090-fa writes it (UTC):
// a Turkish airliner cruising south-east and a second aircraft climbing,
// with the message types a receiver interleaves.
var dump1090 = strings.Join([]string{
	"MSG,8,1,1,4BA9C8,1,2026/11/24,07:20:00.050,2026/11/24,07:20:00.049,,,,,,,,,,,,0",
	"MSG,1,1,1,4BA9C8,1,2026/11/24,07:20:00.100,2026/11/24,07:20:00.095,THY6FA  ,,,,,,,,,,,0",
	"MSG,3,1,1,4BA9C8,1,2026/11/24,07:20:00.400,2026/11/24,07:20:00.398,,36000,,,36.81000,36.12000,,,0,0,0,0", // no velocity yet: skipped
	"MSG,4,1,1,4BA9C8,1,2026/11/24,07:20:00.700,2026/11/24,07:20:00.695,,,451,136,,,-64,,0,0,0,0",
	"MSG,3,1,1,151D8A,1,2026/11/24,07:20:00.900,2026/11/24,07:20:00.899,,4975,,,35.40120,35.94870,,,0,0,0,0",  // no velocity yet
	"MSG,3,1,1,4BA9C8,1,2026/11/24,07:20:01.200,2026/11/24,07:20:01.198,,36000,,,36.80500,36.12600,,,0,0,0,0", // report 1
	"MSG,4,1,1,151D8A,1,2026/11/24,07:20:01.300,2026/11/24,07:20:01.297,,,262.4,24.5,,,2112,,0,0,0,0",
	"MSG,5,1,1,4BA9C8,1,2026/11/24,07:20:01.500,2026/11/24,07:20:01.497,,36025,,,,,,,0,,0,0",
	"MSG,6,1,1,4BA9C8,1,2026/11/24,07:20:01.550,2026/11/24,07:20:01.549,,,,,,,,4321,0,0,0,0",
	"MSG,3,1,1,151D8A,1,2026/11/24,07:20:01.800,2026/11/24,07:20:01.799,,5000,,,35.40230,35.94940,,,0,0,0,0", // report 2
	"MSG,1,1,1,151D8A,1,2026/11/24,07:20:01.900,2026/11/24,07:20:01.898,RFF7045 ,,,,,,,,,,,0",
	"MSG,3,1,1,4BA9C8,1,2026/11/24,07:20:02.000,2026/11/24,07:20:01.998,,,,,36.80000,36.13200,,,0,0,0,0", // report 3: altitude from MSG,5
	"MSG,7,1,1,151D8A,1,2026/11/24,07:20:02.100,2026/11/24,07:20:02.099,,5025,,,,,,,,,,",
	"MSG,3,1,1,151D8A,1,2026/11/24,07:20:02.300,2026/11/24,07:20:02.299,,5050,,,35.40340,35.95010,,,0,0,0,0", // report 4
	"STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM",
}, "\r\n") + "\r\n"

func TestSBSAssemblesAircraftFromSeparateMessages(t *testing.T) {
	res := read(t, feed.SBS, dump1090, feed.Options{})
	if res.err != nil || len(res.malformed) > 0 {
		t.Fatalf("err %v, malformed %v", res.err, res.malformed)
	}
	const kt, fpm, ft = 1852.0 / 3600, 0.3048 / 60, 0.3048
	want := []struct {
		id, callsign             string
		lat, lon, alt, gs, track float64
		vs                       float64
		time                     string
	}{
		{"4ba9c8", "THY6FA", 36.805, 36.126, 36000 * ft, 451 * kt, 136, -64 * fpm, "2026-11-24T07:20:01.2Z"},
		{"151d8a", "", 35.4023, 35.9494, 5000 * ft, 262.4 * kt, 24.5, 2112 * fpm, "2026-11-24T07:20:01.8Z"},
		{"4ba9c8", "THY6FA", 36.8, 36.132, 36025 * ft, 451 * kt, 136, -64 * fpm, "2026-11-24T07:20:02Z"},
		{"151d8a", "RFF7045", 35.4034, 35.9501, 5050 * ft, 262.4 * kt, 24.5, 2112 * fpm, "2026-11-24T07:20:02.3Z"},
	}
	if len(res.reports) != len(want) {
		t.Fatalf("got %d reports, want %d: %+v", len(res.reports), len(want), res.reports)
	}
	for i, w := range want {
		g := res.reports[i]
		if g.ID != w.id || g.Callsign != w.callsign || g.Lat != w.lat || g.Lon != w.lon || !g.Time.Equal(mustTime(w.time)) ||
			!near(g.AltM, w.alt, 1e-9) || !near(g.GsMps, w.gs, 1e-9) || g.TrackDeg != w.track || !near(g.VsMps, w.vs, 1e-12) {
			t.Errorf("report %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	// The conversions, spelled out once: FL360 is 10,972.8 m, 451 kt is
	// 232.01 m/s, 2,112 ft/min is 10.73 m/s.
	if !near(res.reports[0].AltM, 10972.8, 1e-6) || !near(res.reports[0].GsMps, 232.0144, 1e-4) || !near(res.reports[1].VsMps, 10.729, 1e-3) {
		t.Errorf("unit conversions: %+v", res.reports[:2])
	}
	if s := res.stats; s.Lines != 15 || s.Skipped != 11 {
		t.Errorf("stats %+v, want 15 lines, 11 skipped", s)
	}
}

func TestSBSEmitWithoutVelocity(t *testing.T) {
	res := read(t, feed.SBS, dump1090, feed.Options{SBS: feed.SBSOptions{EmitWithoutVelocity: true}})
	if len(res.reports) != 6 {
		t.Fatalf("got %d reports, want 6 (the two early positions too)", len(res.reports))
	}
	first := res.reports[0]
	if first.ID != "4ba9c8" || first.GsMps != 0 || first.TrackDeg != 0 || first.VsMps != 0 || first.Callsign != "THY6FA" {
		t.Errorf("first report %+v, want 4ba9c8 with zero speed", first)
	}
}

func TestSBSTimesAreInTheGivenZone(t *testing.T) {
	line := "MSG,4,1,1,4BA9C8,1,2026/11/24,10:20:00.700,2026/11/24,10:20:00.695,,,451,136,,,-64,,0,0,0,0\n" +
		"MSG,3,1,1,4BA9C8,1,2026/11/24,10:20:01.250,2026/11/24,10:20:01.198,,36000,,,36.80500,36.12600,,,0,0,0,0\n"
	res := read(t, feed.SBS, line, feed.Options{SBS: feed.SBSOptions{Location: time.FixedZone("TRT", 3*3600)}})
	if len(res.reports) != 1 {
		t.Fatalf("got %d reports", len(res.reports))
	}
	if got := res.reports[0].Time; !got.Equal(mustTime("2026-11-24T07:20:01.25Z")) || got.Location() != time.UTC {
		t.Errorf("time %v, want 07:20:01.25 UTC", got)
	}
}

// sbsAt is a dump1090 line of the given type for aircraft hex, s seconds
// after 07:20:00 on 24 November 2026, with the fields after the times.
func sbsAt(typ int, hex string, s float64, rest string) string {
	t := time.Date(2026, 11, 24, 7, 20, 0, 0, time.UTC).Add(time.Duration(s * float64(time.Second)))
	ts := t.Format("2006/01/02,15:04:05.000")
	return fmt.Sprintf("MSG,%d,1,1,%s,1,%s,%s,%s\n", typ, hex, ts, ts, rest)
}

func velocity(hex string, s float64) string {
	return sbsAt(4, hex, s, ",,420,90,,,0,,0,0,0,0")
}

func position(hex string, s float64) string {
	return sbsAt(3, hex, s, ",30000,,,36.5,36.5,,,0,0,0,0")
}

func altitude(hex string, s float64) string {
	return sbsAt(5, hex, s, ",30000,,,,,,,0,,0,0")
}

func ids(res result) string {
	var s []string
	for _, r := range res.reports {
		s = append(s, r.ID)
	}
	return strings.Join(s, " ")
}

func TestSBSForgetsSilentAircraft(t *testing.T) {
	in := velocity("AAAAA1", 0) + velocity("BBBBB2", 0) + position("AAAAA1", 1) +
		// B keeps talking; A falls silent for longer than ForgetAfter.
		velocity("BBBBB2", 50) + velocity("BBBBB2", 70) +
		position("AAAAA1", 71) + position("BBBBB2", 71)
	res := read(t, feed.SBS, in, feed.Options{})
	if got := ids(res); got != "aaaaa1 bbbbb2" {
		t.Errorf("reports of %q, want aaaaa1 (before the silence) and bbbbb2; a forgotten aircraft waits for a new velocity", got)
	}

	short := read(t, feed.SBS, in, feed.Options{SBS: feed.SBSOptions{ForgetAfter: 2 * time.Minute}})
	if got := ids(short); got != "aaaaa1 aaaaa1 bbbbb2" {
		t.Errorf("with ForgetAfter 2m, reports of %q, want aaaaa1 aaaaa1 bbbbb2", got)
	}
}

func TestSBSDoesNotUseAStaleVelocity(t *testing.T) {
	// The aircraft is heard all along (altitude replies), but its last
	// velocity is 80 s old when the position comes.
	in := velocity("AAAAA1", 0) + position("AAAAA1", 1) + altitude("AAAAA1", 20) + altitude("AAAAA1", 40) +
		altitude("AAAAA1", 60) + position("AAAAA1", 80) + velocity("AAAAA1", 81) + position("AAAAA1", 82)
	res := read(t, feed.SBS, in, feed.Options{})
	if len(res.reports) != 2 || !res.reports[1].Time.Equal(mustTime("2026-11-24T07:21:22Z")) {
		t.Errorf("reports %+v, want the positions at 1 s and 82 s only", res.reports)
	}
}

func TestSBSCapsTheAircraftHeld(t *testing.T) {
	var in strings.Builder
	for i := range 5 {
		in.WriteString(velocity(fmt.Sprintf("00000%d", i), float64(i)))
	}
	for _, i := range []int{4, 3, 2, 0, 1} {
		in.WriteString(position(fmt.Sprintf("00000%d", i), 10))
	}
	rd := feed.NewSBSReader(strings.NewReader(in.String()), feed.Options{SBS: feed.SBSOptions{MaxAircraft: 3}})
	for {
		if _, err := rd.Next(); err != nil {
			break
		}
		if rd.Aircraft() > 3 {
			t.Fatalf("holds %d aircraft, cap 3", rd.Aircraft())
		}
	}
	if rd.Aircraft() != 3 {
		t.Errorf("holds %d aircraft at the end, want 3", rd.Aircraft())
	}
	res := read(t, feed.SBS, in.String(), feed.Options{SBS: feed.SBSOptions{MaxAircraft: 3}})
	// The cap forgets the least recently heard: 0 and 1 lose their
	// velocity when 3 and 4 arrive, so their positions wait.
	if got := ids(res); got != "000004 000003 000002" {
		t.Errorf("reports of %q; with 3 held, 0 and 1 are forgotten", got)
	}
	big := read(t, feed.SBS, in.String(), feed.Options{})
	if got := ids(big); got != "000004 000003 000002 000000 000001" {
		t.Errorf("without the cap, reports of %q", got)
	}
}

func TestSBSNonICAOAddressesAndSurfacePositions(t *testing.T) {
	in := sbsAt(4, "~2A0F14", 0, ",,120,270,,,-640,,0,0,0,0") +
		sbsAt(3, "~2A0F14", 1, ",2500,,,35.1,36.2,,,0,0,0,0") +
		sbsAt(5, "71BE11", 1, ",1175,,,,,,,0,,0,-1") +
		// A surface position brings its own speed and track.
		sbsAt(2, "71BE11", 2, ",,12,45.2,36.95,37.47,,,0,0,0,-1")
	res := read(t, feed.SBS, in, feed.Options{})
	if len(res.reports) != 2 {
		t.Fatalf("got %+v, malformed %v", res.reports, res.malformed)
	}
	if r := res.reports[0]; r.ID != "nonicao-2a0f14" || !near(r.VsMps, -3.2512, 1e-9) {
		t.Errorf("non-ICAO report %+v", r)
	}
	if r := res.reports[1]; r.ID != "71be11" || !near(r.GsMps, 12*1852.0/3600, 1e-9) || r.TrackDeg != 45.2 || r.VsMps != 0 || !near(r.AltM, 358.14, 1e-9) {
		t.Errorf("surface report %+v", r)
	}
}

func TestSBSAcceptsShortLinesAndLoggedTimes(t *testing.T) {
	in := "MSG,4,1,1,4BA9C8,1,2026/11/24,07:20:00.7,2026/11/24,07:20:00.695,,,451,136,,,-64\n" +
		"MSG,3,1,1,4BA9C8,1,,,2026-11-24,07:20:01,,36000,,,36.805,36.126\n"
	res := read(t, feed.SBS, in, feed.Options{})
	if len(res.reports) != 1 || !res.reports[0].Time.Equal(mustTime("2026-11-24T07:20:01Z")) {
		t.Fatalf("got %+v, malformed %v", res.reports, res.malformed)
	}
}

func TestSBSRefusesBadLinesAndReadsOn(t *testing.T) {
	ts := "2026/11/24,07:20:00.000,2026/11/24,07:20:00.000"
	cases := []struct{ name, line, field, message string }{
		{"not SBS", "hello world", "", "not an SBS-1 message"},
		{"too few fields", "MSG,3,1,1,4BA9C8,1,2026/11/24", "", "has 7 fields"},
		{"unknown type", "MSG,9,1,1,4BA9C8,1," + ts + ",,36000,,,36.8,36.1,,,0,0,0,0", "type", "from 1 to 8"},
		{"short address", "MSG,3,1,1,4BA9C,1," + ts + ",,36000,,,36.8,36.1,,,0,0,0,0", "hexident", "six hex digits"},
		{"address not hex", "MSG,3,1,1,4BA9CG,1," + ts + ",,36000,,,36.8,36.1,,,0,0,0,0", "hexident", "six hex digits"},
		{"no such day", "MSG,3,1,1,4BA9C8,1,2026/02/30,07:20:00.000,,,,36000,,,36.8,36.1,,,0,0,0,0", "date_gen", "date"},
		{"no such hour", "MSG,3,1,1,4BA9C8,1,2026/11/24,24:00:00.000,,,,36000,,,36.8,36.1,,,0,0,0,0", "time_gen", "time"},
		{"no time at all", "MSG,3,1,1,4BA9C8,1,,,,,,36000,,,36.8,36.1,,,0,0,0,0", "date_log", "date"},
		{"NaN altitude", "MSG,3,1,1,4BA9C8,1," + ts + ",,NaN,,,36.8,36.1,,,0,0,0,0", "altitude", "must be a number"},
		{"huge speed", "MSG,4,1,1,4BA9C8,1," + ts + ",,,99999,136,,,0,,0,0,0,0", "groundspeed", "from 0 to 2000"},
		{"negative track", "MSG,4,1,1,4BA9C8,1," + ts + ",,,451,-4,,,0,,0,0,0,0", "track", "from 0 to 360"},
		{"latitude out of range", "MSG,3,1,1,4BA9C8,1," + ts + ",,36000,,,91,36.1,,,0,0,0,0", "lat", "from -90 to 90"},
		{"latitude without longitude", "MSG,3,1,1,4BA9C8,1," + ts + ",,36000,,,36.8,,,,0,0,0,0", "", "without a longitude"},
		{"vertical rate not a number", "MSG,4,1,1,4BA9C8,1," + ts + ",,,451,136,,,fast,,0,0,0,0", "verticalrate", "must be a number"},
		{"hex float", "MSG,4,1,1,4BA9C8,1," + ts + ",,,0x1p8,136,,,0,,0,0,0,0", "groundspeed", "must be a number"},
		{"control character in callsign", "MSG,1,1,1,4BA9C8,1," + ts + ",THY\x016FA,,,,,,,,,,,0", "callsign", "printable"},
	}
	// Each bad line sits between a velocity and a position of another
	// aircraft, which must come through; and none of them may leave a
	// velocity behind for 4BA9C8, whose position ends the stream.
	var in strings.Builder
	for i, c := range cases {
		hex := fmt.Sprintf("AB%04X", i)
		in.WriteString(velocity(hex, float64(i)) + c.line + "\n" + position(hex, float64(i)+0.5))
	}
	in.WriteString(position("4BA9C8", 30))
	res := read(t, feed.SBS, in.String(), feed.Options{})
	if len(res.reports) != len(cases) || len(res.malformed) != len(cases) {
		t.Fatalf("got %d reports and %d malformed, want %d each: %v", len(res.reports), len(res.malformed), len(cases), res.malformed)
	}
	for i, c := range cases {
		e := res.malformed[i]
		if e.Line != int64(3*i+2) {
			t.Errorf("%s: at line %d, want %d", c.name, e.Line, 3*i+2)
		}
		if f := fieldOf(e); f != c.field {
			t.Errorf("%s: field %q, want %q (%v)", c.name, f, c.field, e)
		}
		if !strings.Contains(e.Error(), c.message) {
			t.Errorf("%s: %q does not say %q", c.name, e.Error(), c.message)
		}
	}
}

// TestSBSAssemblyProperty interleaves the identification, velocity and
// position messages of many aircraft at random and checks that each
// aircraft's report carries its own values, converted.
func TestSBSAssemblyProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type plane struct {
			hex, callsign             string
			altFt, gsKt, track, vrFpm float64
			lat, lon                  float64
			next                      int // messages sent so far
		}
		n := rapid.IntRange(1, 30).Draw(t, "aircraft")
		planes := make([]*plane, n)
		seen := map[string]bool{}
		for i := range planes {
			hex := rapid.StringMatching(`[0-9A-F]{6}`).Filter(func(h string) bool { return !seen[h] }).Draw(t, "hex")
			seen[hex] = true
			planes[i] = &plane{
				hex:      hex,
				callsign: rapid.StringMatching(`[A-Z]{3}[0-9]{1,4}`).Draw(t, "callsign"),
				altFt:    float64(rapid.IntRange(-1000, 60000).Draw(t, "alt")),
				gsKt:     rapid.Float64Range(0, 3800).Draw(t, "gs"),
				track:    rapid.Float64Range(0, 360).Draw(t, "track"),
				vrFpm:    float64(rapid.IntRange(-90000, 90000).Draw(t, "vr")),
				lat:      rapid.Float64Range(-90, 90).Draw(t, "lat"),
				lon:      rapid.Float64Range(-180, 180).Draw(t, "lon"),
			}
		}
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
		var in strings.Builder
		for line := 0; line < 3*n; line++ {
			var open []*plane
			for _, p := range planes {
				if p.next < 3 {
					open = append(open, p)
				}
			}
			p := rapid.SampledFrom(open).Draw(t, "next")
			s := float64(line) / 100
			switch p.next {
			case 0:
				in.WriteString(sbsAt(1, p.hex, s, p.callsign+"  ,,,,,,,,,,,0"))
			case 1:
				in.WriteString(sbsAt(4, p.hex, s, ",,"+f(p.gsKt)+","+f(p.track)+",,,"+f(p.vrFpm)+",,0,0,0,0"))
			case 2:
				in.WriteString(sbsAt(3, p.hex, s, ","+f(p.altFt)+",,,"+f(p.lat)+","+f(p.lon)+",,,0,0,0,0"))
			}
			p.next++
		}
		res := read(t, feed.SBS, in.String(), feed.Options{})
		if len(res.malformed) > 0 || len(res.reports) != n {
			t.Fatalf("%d reports of %d aircraft, malformed %v", len(res.reports), n, res.malformed)
		}
		byID := map[string]*plane{}
		for _, p := range planes {
			byID[strings.ToLower(p.hex)] = p
		}
		for _, r := range res.reports {
			p := byID[r.ID]
			if p == nil {
				t.Fatalf("report for unknown aircraft %q", r.ID)
			}
			if r.Callsign != p.callsign || r.Lat != p.lat || r.Lon != p.lon || r.TrackDeg != p.track ||
				!near(r.AltM, p.altFt*0.3048, 1e-9) || !near(r.GsMps, p.gsKt*1852/3600, 1e-9) || !near(r.VsMps, p.vrFpm*0.3048/60, 1e-9) {
				t.Fatalf("report %+v for aircraft %+v", r, *p)
			}
		}
	})
}
