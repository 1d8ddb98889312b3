package feed

import (
	"bytes"
	"io"
	"time"

	"github.com/deconflict/deconflict"
)

// Unit conversions of SBS-1 values to the report's SI units.
const (
	feetToMetres   = 0.3048
	knotsToMps     = 1852.0 / 3600
	feetPerMinToMs = feetToMetres / 60
)

// The fields of an SBS-1 MSG line, 0-based, as dump1090 writes them.
const (
	sbsKind = iota
	sbsType
	sbsSession
	sbsAircraftID
	sbsHex
	sbsFlightID
	sbsDateGen
	sbsTimeGen
	sbsDateLog
	sbsTimeLog
	sbsCallsign
	sbsAltitude
	sbsGroundSpeed
	sbsTrack
	sbsLat
	sbsLon
	sbsVerticalRate
	sbsSquawk
	sbsAlert
	sbsEmergency
	sbsSPI
	sbsOnGround
	sbsFields
)

// sbsMinFields is the fewest fields a MSG line may have: up to the logged
// time. Writers that drop empty trailing fields are accepted.
const sbsMinFields = sbsTimeLog + 1

// nonICAO marks, in an aircraft's key, an address that readsb and
// dump1090-fa prefix with "~": a TIS-B or anonymous address, not an ICAO one.
const nonICAO = 1 << 24

// SBSReader assembles SBS-1 BaseStation messages into reports. The
// messages of one aircraft (keyed by its hex address) arrive separately:
// MSG,1 carries the callsign, MSG,3 the airborne position (altitude in feet,
// latitude, longitude), MSG,4 the velocity (ground speed in knots, track in
// degrees, vertical rate in feet per minute), MSG,5 and MSG,7 an altitude,
// MSG,2 a surface position with its own speed and track. The reader keeps
// the latest of each per aircraft and emits one report per position, at the
// position's generated date and time, with the latest callsign, altitude
// and velocity, converted to metres and metres per second. Altitudes are as
// the transponder sends them: pressure altitude (the 1013.25 hPa flight
// level reference), not corrected to mean sea level.
//
// A position heard before any velocity is skipped (counted in Stats.Skipped)
// unless SBSOptions.EmitWithoutVelocity: ADS-B sends velocity twice a
// second, so waiting costs at most a fraction of a second, whereas a report
// with zero speed claims that the aircraft stands still, and a tactical
// engine would predict no movement, then raise or clear alerts falsely when
// the real velocity arrives. A position without any known altitude is
// skipped too. The report's id is the hex address in lower case; a non-ICAO
// address ("~" prefix) becomes "nonicao-" and its hex, so that it can never
// be taken for an ICAO one.
//
// Aircraft are forgotten by the messages' own times: one not heard within
// ForgetAfter of the latest line is dropped, as is the least recently heard
// when MaxAircraft are held. A line stamped far ahead of the others (a
// receiver whose clock jumped) thus makes the reader forget the rest; each
// is learnt again from its next messages.
//
// Lines of types other than MSG (SEL, ID, AIR, STA, CLK) are skipped;
// MSG,6 and MSG,8 only keep the aircraft remembered. A line is malformed
// when it has too few fields, an unknown type, an address that is not six
// hex digits, no valid date and time, or a value that is not a number or out
// of range; a malformed line changes nothing held about its aircraft.
type SBSReader struct {
	tally
	lines *lineReader
	loc   *time.Location
	keep  time.Duration
	cap   int
	zero  bool

	aircraft map[uint32]*aircraft
	lru      aircraft // sentinel: lru.next is the aircraft heard from last
	f        [sbsFields][]byte
}

// aircraft is what the reader knows of one aircraft.
type aircraft struct {
	key        uint32
	id         string
	callsign   string
	heard      time.Time
	altM       float64
	altKnown   bool
	gsMps      float64
	gsAt       time.Time // zero while unknown
	trackDeg   float64
	trackAt    time.Time
	vsMps      float64
	prev, next *aircraft
}

// NewSBSReader returns a reader of SBS-1 text from r.
func NewSBSReader(r io.Reader, opt Options) *SBSReader {
	s := &SBSReader{
		tally:    tally{onMalformed: opt.OnMalformed},
		lines:    newLineReader(r, opt.maxLine()),
		loc:      opt.SBS.Location,
		keep:     opt.SBS.ForgetAfter,
		cap:      opt.SBS.MaxAircraft,
		zero:     opt.SBS.EmitWithoutVelocity,
		aircraft: map[uint32]*aircraft{},
	}
	if s.loc == nil {
		s.loc = time.UTC
	}
	if s.keep <= 0 {
		s.keep = DefaultForgetAfter
	}
	if s.cap <= 0 {
		s.cap = DefaultMaxAircraft
	}
	s.lru.next, s.lru.prev = &s.lru, &s.lru
	return s
}

// Aircraft returns how many aircraft the reader holds now.
func (s *SBSReader) Aircraft() int { return len(s.aircraft) }

// Next returns the next report; see Reader.
func (s *SBSReader) Next() (deconflict.TrackReport, error) {
	for {
		if s.fatal != nil {
			return deconflict.TrackReport{}, s.fatal
		}
		line, tooLong, err := s.lines.next()
		if err != nil {
			if f := fatal(err); f != nil {
				s.fatal = f
				return deconflict.TrackReport{}, f
			}
			return deconflict.TrackReport{}, io.EOF
		}
		s.stats.Lines++
		if tooLong {
			s.malformed(s.lines.line, "", problem("the line is longer than %d bytes", s.lines.max))
			continue
		}
		rep, ok, err := s.line(line)
		switch {
		case err != nil:
			s.malformed(s.lines.line, "", err)
		case ok:
			s.stats.Reports++
			return rep, nil
		default:
			s.stats.Skipped++
		}
	}
}

// line reads one line: a report, nothing (ok false), or why it is malformed.
func (s *SBSReader) line(line []byte) (rep deconflict.TrackReport, ok bool, err error) {
	if blank(line) {
		return rep, false, nil
	}
	n := 0
	for start := 0; n < sbsFields; n++ {
		end := bytes.IndexByte(line[start:], ',')
		if end < 0 {
			s.f[n] = bytes.TrimSpace(line[start:])
			n++
			break
		}
		s.f[n] = bytes.TrimSpace(line[start : start+end])
		start += end + 1
	}
	for i := n; i < sbsFields; i++ {
		s.f[i] = nil
	}
	switch string(s.f[sbsKind]) {
	case "MSG":
	case "SEL", "ID", "AIR", "STA", "CLK":
		return rep, false, nil
	default:
		return rep, false, problem("is not an SBS-1 message: it starts with %q, not MSG, SEL, ID, AIR, STA or CLK", clip(s.f[sbsKind], 16))
	}
	if n < sbsMinFields {
		return rep, false, problem("has %d fields; an SBS-1 MSG line has 22", n)
	}
	typ := s.f[sbsType]
	if len(typ) != 1 || typ[0] < '1' || typ[0] > '8' {
		return rep, false, fault("type", "must be a transmission type from 1 to 8 (got %q)", clip(typ, 16))
	}
	key, err := parseHex(s.f[sbsHex])
	if err != nil {
		return rep, false, err
	}
	t, err := s.when()
	if err != nil {
		return rep, false, err
	}

	// Read every value before changing anything: a line is taken whole or
	// not at all.
	callsign := s.f[sbsCallsign]
	for _, c := range callsign {
		if c < 0x20 || c > 0x7e {
			return rep, false, fault("callsign", "must be printable ASCII (got %q)", clip(callsign, 16))
		}
	}
	if len(callsign) > 64 {
		return rep, false, fault("callsign", "must be at most 64 characters")
	}
	alt, hasAlt, err := value(s.f[sbsAltitude], "altitude", feetToMetres, -1_000, 100_000, "m")
	if err != nil {
		return rep, false, err
	}
	gs, hasGs, err := value(s.f[sbsGroundSpeed], "groundspeed", knotsToMps, 0, 2_000, "m/s")
	if err != nil {
		return rep, false, err
	}
	track, hasTrack, err := value(s.f[sbsTrack], "track", 1, 0, 360, "degrees")
	if err != nil {
		return rep, false, err
	}
	lat, hasLat, err := value(s.f[sbsLat], "lat", 1, -90, 90, "degrees")
	if err != nil {
		return rep, false, err
	}
	lon, hasLon, err := value(s.f[sbsLon], "lon", 1, -180, 180, "degrees")
	if err != nil {
		return rep, false, err
	}
	if hasLat != hasLon {
		return rep, false, problem("has a latitude without a longitude or the other way round")
	}
	vs, hasVs, err := value(s.f[sbsVerticalRate], "verticalrate", feetPerMinToMs, -500, 500, "m/s")
	if err != nil {
		return rep, false, err
	}

	a := s.touch(key, t)
	if len(callsign) > 0 && a.callsign != string(callsign) {
		a.callsign = string(callsign)
	}
	if hasAlt {
		a.altM, a.altKnown = alt, true
	}
	if hasGs {
		a.gsMps, a.gsAt = gs, t
	}
	if hasTrack {
		a.trackDeg, a.trackAt = track, t
	}
	if hasVs {
		a.vsMps = vs
	}
	s.forget(t)

	if !hasLat || (typ[0] != '2' && typ[0] != '3') || !a.altKnown {
		return rep, false, nil
	}
	rep = deconflict.TrackReport{ID: a.id, Callsign: a.callsign, Lat: lat, Lon: lon, AltM: a.altM, Time: t}
	if typ[0] == '2' {
		// A surface position carries its own movement; the vertical rate
		// of an aircraft on the ground is zero whatever was heard before.
		if !hasGs || !hasTrack {
			if !s.zero {
				return rep, false, nil
			}
		} else {
			rep.GsMps, rep.TrackDeg = gs, track
		}
	} else if s.fresh(a.gsAt, t) && s.fresh(a.trackAt, t) {
		rep.GsMps, rep.TrackDeg, rep.VsMps = a.gsMps, a.trackDeg, a.vsMps
	} else if !s.zero {
		return rep, false, nil
	}
	if err := rep.Validate(""); err != nil {
		return rep, false, err
	}
	return rep, true, nil
}

// fresh reports whether a value heard at at may still be used at t.
func (s *SBSReader) fresh(at, t time.Time) bool {
	return !at.IsZero() && t.Sub(at) <= s.keep
}

// touch returns the aircraft of key, remembered anew if need be, as the one
// heard from last.
func (s *SBSReader) touch(key uint32, t time.Time) *aircraft {
	a := s.aircraft[key]
	if a == nil {
		if len(s.aircraft) >= s.cap {
			s.drop(s.lru.prev)
		}
		a = &aircraft{key: key, id: hexID(key), heard: t}
		s.aircraft[key] = a
	} else {
		a.prev.next, a.next.prev = a.next, a.prev
		if t.After(a.heard) {
			a.heard = t
		}
	}
	a.prev, a.next = &s.lru, s.lru.next
	s.lru.next.prev = a
	s.lru.next = a
	return a
}

// forget drops the aircraft not heard from within ForgetAfter of t. The list
// is in order of arrival, which is the order of time in a live feed, so the
// oldest are at its end.
func (s *SBSReader) forget(t time.Time) {
	limit := t.Add(-s.keep)
	for last := s.lru.prev; last != &s.lru && last.heard.Before(limit); last = s.lru.prev {
		s.drop(last)
	}
}

func (s *SBSReader) drop(a *aircraft) {
	a.prev.next, a.next.prev = a.next, a.prev
	a.prev, a.next = nil, nil
	delete(s.aircraft, a.key)
}

// hexID spells an aircraft's key as its report id.
func hexID(key uint32) string {
	const digits = "0123456789abcdef"
	var b [14]byte
	n := copy(b[:], "nonicao-")
	if key&nonICAO == 0 {
		n = 0
	}
	for shift := 20; shift >= 0; shift -= 4 {
		b[n] = digits[key>>shift&0xf]
		n++
	}
	return string(b[:n])
}

// parseHex reads an address: six hex digits, "~" first for a non-ICAO one.
func parseHex(b []byte) (uint32, error) {
	var key uint32
	h := b
	if len(h) > 0 && h[0] == '~' {
		key = nonICAO
		h = h[1:]
	}
	if len(h) != 6 {
		return 0, fault("hexident", "must be six hex digits (got %q)", clip(b, 16))
	}
	var v uint32
	for _, c := range h {
		switch {
		case isDigit(c):
			v = v<<4 | uint32(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint32(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | uint32(c-'A'+10)
		default:
			return 0, fault("hexident", "must be six hex digits (got %q)", clip(b, 16))
		}
	}
	return key | v, nil
}

// when reads the generated date and time, or the logged ones when a writer
// left those out.
func (s *SBSReader) when() (time.Time, error) {
	date, clock, dname, tname := s.f[sbsDateGen], s.f[sbsTimeGen], "date_gen", "time_gen"
	if len(date) == 0 && len(clock) == 0 {
		date, clock, dname, tname = s.f[sbsDateLog], s.f[sbsTimeLog], "date_log", "time_log"
	}
	y, mo, d, ok := parseDate(date)
	if !ok {
		return time.Time{}, fault(dname, "must be a date such as 2026/11/24 (got %q)", clip(date, 16))
	}
	h, mi, sec, ns, ok := parseClock(clock)
	if !ok {
		return time.Time{}, fault(tname, "must be a time such as 07:20:00.000 (got %q)", clip(clock, 16))
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, ns, s.loc).UTC(), nil
}

// parseDate reads yyyy/mm/dd (or yyyy-mm-dd) and checks that the day exists.
func parseDate(b []byte) (y, m, d int, ok bool) {
	if len(b) != 10 || (b[4] != '/' && b[4] != '-') || b[7] != b[4] {
		return 0, 0, 0, false
	}
	y, ok1 := atoi(b[0:4])
	m, ok2 := atoi(b[5:7])
	d, ok3 := atoi(b[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 {
		return 0, 0, 0, false
	}
	if d > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// parseClock reads hh:mm:ss with an optional fraction of up to nine digits.
func parseClock(b []byte) (h, m, s, ns int, ok bool) {
	if len(b) < 8 || b[2] != ':' || b[5] != ':' {
		return 0, 0, 0, 0, false
	}
	h, ok1 := atoi(b[0:2])
	m, ok2 := atoi(b[3:5])
	s, ok3 := atoi(b[6:8])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || s > 59 {
		return 0, 0, 0, 0, false
	}
	frac := b[8:]
	if len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return 0, 0, 0, 0, false
		}
		f, okf := atoi(frac[1:])
		if !okf {
			return 0, 0, 0, 0, false
		}
		for i := len(frac) - 1; i < 9; i++ {
			f *= 10
		}
		ns = f
	}
	return h, m, s, ns, true
}

// atoi reads unsigned decimal digits only.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// value reads an optional decimal field, converts it with scale and checks
// the converted value against [lo, hi] (in unit, for the message).
func value(b []byte, name string, scale, lo, hi float64, unit string) (float64, bool, error) {
	if len(b) == 0 {
		return 0, false, nil
	}
	v, err := decimal(b)
	if err != nil {
		return 0, false, fault(name, "must be a number (got %q)", clip(b, 24))
	}
	v *= scale
	if !(v >= lo && v <= hi) {
		return 0, false, fault(name, "must be from %g to %g %s once converted (got %q)", lo, hi, unit, clip(b, 24))
	}
	return v, true, nil
}
