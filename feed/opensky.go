package feed

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/jsonscan"
)

// stateFields is the fewest fields an OpenSky state vector may have: up to
// vertical_rate. The API documents 17 or 18.
const stateFields = 12

// Indexes of the state vector members this package reads.
const (
	svIcao24       = 0
	svCallsign     = 1
	svTimePosition = 3
	svLongitude    = 5
	svLatitude     = 6
	svBaroAltitude = 7
	svVelocity     = 9
	svTrueTrack    = 10
	svVerticalRate = 11
	svGeoAltitude  = 13
)

// stateNames names the fields read, by index; "" for those skipped.
var stateNames = [...]string{
	svIcao24: "icao24", svCallsign: "callsign", svTimePosition: "time_position", svLongitude: "longitude",
	svLatitude: "latitude", svBaroAltitude: "baro_altitude", svVelocity: "velocity", svTrueTrack: "true_track",
	svVerticalRate: "vertical_rate", svGeoAltitude: "geo_altitude",
}

// vector is one state vector as read, before it becomes a report.
type vector struct {
	icao24, callsign           []byte
	when, lat, lon, baro, geo  float64
	gs, track, vs              float64
	hasWhen, hasLat, hasLon    bool
	hasBaro, hasGeo            bool
	hasGs, hasTrack, hasVs     bool
	whenName, latName, lonName string
	geoName, baroName          string
	gsName, trackName, vsName  string
	icaoName, callsignName     string
}

// report turns a vector into a report, or nothing (ok false) when it has no
// position, or the field at fault.
func (v *vector) report() (rep deconflict.TrackReport, ok bool, err error) {
	if len(bytes.TrimSpace(v.icao24)) == 0 {
		return rep, false, fault(v.icaoName, "is required")
	}
	if !v.hasLat || !v.hasLon || !v.hasWhen || (!v.hasGeo && !v.hasBaro) {
		return rep, false, nil
	}
	checks := []struct {
		name   string
		has    bool
		v      float64
		lo, hi float64
	}{
		{v.latName, v.hasLat, v.lat, -90, 90},
		{v.lonName, v.hasLon, v.lon, -180, 180},
		{v.geoName, v.hasGeo, v.geo, -1_000, 100_000},
		{v.baroName, v.hasBaro, v.baro, -1_000, 100_000},
		{v.gsName, v.hasGs, v.gs, 0, 2_000},
		{v.trackName, v.hasTrack, v.track, 0, 360},
		{v.vsName, v.hasVs, v.vs, -500, 500},
	}
	for _, c := range checks {
		if c.has && !(c.v >= c.lo && c.v <= c.hi) {
			return rep, false, fault(c.name, "must be a number from %g to %g (got %g)", c.lo, c.hi, c.v)
		}
	}
	t, ok := unixTime(v.when)
	if !ok {
		return rep, false, fault(v.whenName, "must be seconds since 1970 before the year 10000 (got %g)", v.when)
	}
	rep = deconflict.TrackReport{
		ID:       strings.ToLower(string(bytes.TrimSpace(v.icao24))),
		Callsign: string(bytes.TrimSpace(v.callsign)),
		Lat:      v.lat, Lon: v.lon, AltM: v.baro, Time: t,
	}
	if v.hasGeo {
		rep.AltM = v.geo
	}
	if v.hasGs {
		rep.GsMps = v.gs
	}
	if v.hasTrack {
		rep.TrackDeg = v.track
	}
	if v.hasVs {
		rep.VsMps = v.vs
	}
	if err := rep.Validate(""); err != nil {
		return rep, false, err
	}
	return rep, true, nil
}

// unixTime turns seconds since 1970 into a time, refusing what no position
// can be stamped with (before 1970, after 9999, not a number). It rounds to
// the microsecond: a float64 of seconds in this century resolves about a
// quarter of one, so finer digits are noise (1795504809.911 would become
// .911000013).
func unixTime(v float64) (time.Time, bool) {
	if !(v > 0 && v < 253402300800) {
		return time.Time{}, false
	}
	sec := math.Floor(v)
	us := math.Round((v - sec) * 1e6)
	if us >= 1e6 {
		sec, us = sec+1, us-1e6
	}
	return time.Unix(int64(sec), int64(us)*1000).UTC(), true
}

// OpenSkyJSONReader reads OpenSky REST responses, {"time": ..., "states":
// [[icao24, callsign, origin_country, time_position, last_contact,
// longitude, latitude, baro_altitude, on_ground, velocity, true_track,
// vertical_rate, sensors, geo_altitude, squawk, spi, position_source, ...],
// ...]}, one after the other (a recording of many polls, one per line or
// not). It streams: one state vector is held at a time, bounded by
// Options.MaxLineBytes, so a response of any size can be read. Members other
// than "states" are skipped. A state vector is one record; a document that is
// not valid JSON outside its state vectors is one malformed record, and
// reading resumes at the next line. A state vector needs at least the 12
// fields up to vertical_rate.
//
// State vectors, JSON or CSV, become reports by the same rules. Units are SI already (metres, metres per second, degrees). The altitude is
// the geometric one (geo_altitude, from GNSS) when known, else the
// barometric one: the exchange keeps one altitude reference per deployment,
// mean sea level recommended (SPEC §6), and a pressure altitude can differ
// from it by hundreds of metres with the weather, a GNSS height only by the
// geoid's tens of metres. A state vector without latitude, longitude,
// position time or any altitude is skipped (Stats.Skipped). A missing
// velocity, track or vertical rate is zero: unlike an SBS-1 position, a
// state vector is all there will ever be about that moment, and a position
// without speed is worth more to the exchange than none. The report's time
// is that of the position (time_position, lastposupdate, seconds rounded
// to the microsecond), not of the snapshot; its id is icao24 in lower case; the callsign loses OpenSky's
// padding. Successive snapshots repeat a position until a new one arrives;
// those repeats pass through as they are.
type OpenSkyJSONReader struct {
	tally
	src   byteSource
	max   int
	at    int   // where in a document the stream is
	index int   // index of the next state vector in its document
	start int64 // line the current state vector starts on
	raw   []byte
	s     jsonscan.Scanner
}

// Positions of the stream within a document.
const (
	atTop         = iota // between documents
	atMember             // after '{' or ',' in the document: a member name next
	atFirstMember        // after '{': a member name or '}'
	atAfterMember        // after a member's value: ',' or '}'
	atFirstState         // after "states": [ : a state vector or ']'
	atState              // after ',' in states: a state vector
	atAfterState         // after a state vector: ',' or ']'
)

// NewOpenSkyJSONReader returns a reader of OpenSky JSON responses from r.
func NewOpenSkyJSONReader(r io.Reader, opt Options) *OpenSkyJSONReader {
	return &OpenSkyJSONReader{
		tally: tally{onMalformed: opt.OnMalformed},
		src:   byteSource{r: r, buf: make([]byte, 32<<10), line: 1},
		max:   opt.maxLine(),
	}
}

// Next returns the next report; see Reader.
func (r *OpenSkyJSONReader) Next() (deconflict.TrackReport, error) {
	for {
		if r.fatal != nil {
			return deconflict.TrackReport{}, r.fatal
		}
		c, ok := r.src.skipSpace()
		if !ok {
			if err := fatal(r.src.err); err != nil {
				r.fatal = err
				return deconflict.TrackReport{}, err
			}
			if r.at != atTop {
				r.docError("the document ends early")
				r.at = atTop
				continue
			}
			return deconflict.TrackReport{}, io.EOF
		}
		switch r.at {
		case atTop:
			if c == 0xEF {
				// A byte order mark, as some tools write first.
				if b1, _ := r.src.next(); b1 == 0xBB {
					if b2, _ := r.src.next(); b2 == 0xBF {
						continue
					}
				}
				r.docError("a document must be a JSON object, an OpenSky response")
				continue
			}
			if c != '{' {
				r.docError(fmt.Sprintf("a document must be a JSON object, an OpenSky response; found %q", rune(c)))
				continue
			}
			r.at = atFirstMember
		case atFirstMember, atMember:
			if c == '}' && r.at == atFirstMember {
				r.at = atTop
				continue
			}
			if c != '"' {
				r.docError(fmt.Sprintf("expected a member name, found %q", rune(c)))
				continue
			}
			r.src.back()
			if _, err := r.readValue(true, 64); err != nil {
				r.docError("a member name " + err.Error())
				continue
			}
			isStates := string(r.raw) == `"states"`
			if c, ok := r.src.skipSpace(); !ok || c != ':' {
				r.docError("expected ':' after a member name")
				continue
			}
			c, ok := r.src.skipSpace()
			if !ok {
				continue // the end is judged at the top of the loop
			}
			if isStates && c == '[' {
				r.at, r.index = atFirstState, 0
				continue
			}
			r.src.back()
			if _, err := r.readValue(isStates, 8); err != nil {
				r.docError("a member's value " + err.Error())
				continue
			}
			if isStates && string(r.raw) != "null" {
				r.docError(`"states" must be an array of state vectors or null`)
				continue
			}
			r.at = atAfterMember
		case atAfterMember:
			switch c {
			case ',':
				r.at = atMember
			case '}':
				r.at = atTop
			default:
				r.docError(fmt.Sprintf("expected ',' or '}' after a member, found %q", rune(c)))
			}
		case atFirstState, atState:
			if c == ']' && r.at == atFirstState {
				r.at = atAfterMember
				continue
			}
			r.src.back()
			r.start = r.src.line
			tooLong, err := r.readValue(true, r.max)
			if err == errCut {
				r.docErrorHere("a state vector is cut short by the start of another document")
				continue
			}
			if err != nil {
				r.docError("a state vector " + err.Error())
				continue
			}
			r.at = atAfterState
			r.stats.Lines++
			r.index++
			record := func() string { return "states[" + strconv.Itoa(r.index-1) + "]" }
			if tooLong {
				r.malformed(r.start, record(), problem("the state vector is longer than %d bytes", r.max))
				continue
			}
			r.s.B, r.s.I = r.raw, 0
			rep, ok, err := parseState(&r.s)
			switch {
			case err != nil:
				r.malformed(r.start, record(), err)
			case ok:
				r.stats.Reports++
				return rep, nil
			default:
				r.stats.Skipped++
			}
		case atAfterState:
			switch c {
			case ',':
				r.at = atState
			case ']':
				r.at = atAfterMember
			default:
				r.docError(fmt.Sprintf("expected ',' or ']' after a state vector, found %q", rune(c)))
			}
		}
	}
}

// docError counts a document that cannot be read on as one malformed record
// and resumes at the next line, where the next document of a recording
// starts.
func (r *OpenSkyJSONReader) docError(msg string) {
	r.stats.Lines++
	r.malformed(r.src.line, "", problem("is not a valid OpenSky response: %s", msg))
	r.at = atTop
	for {
		c, ok := r.src.next()
		if !ok || c == '\n' {
			return
		}
	}
}

// docErrorHere is docError for a fault found at the start of the next
// document, which is read next.
func (r *OpenSkyJSONReader) docErrorHere(msg string) {
	r.stats.Lines++
	r.malformed(r.src.line, "", problem("is not a valid OpenSky response: %s", msg))
	r.at = atTop
}

// errCut is a state vector that meets the '{' of another document: a
// recording whose document was cut short. Without it the vector would
// swallow every document after it.
var errCut = errors.New("cut short")

// readValue reads one JSON value from the stream, its bytes into r.raw when
// keep (beyond limit bytes it reads on to the value's end without keeping
// them, and reports tooLong). It checks only the nesting of brackets and
// strings; parseState checks the rest of a kept value. A kept value is a
// state vector or a member name, neither of which holds an object, so a '{'
// ends it with errCut.
func (r *OpenSkyJSONReader) readValue(keep bool, limit int) (tooLong bool, err error) {
	r.raw = r.raw[:0]
	depth, n := 0, 0
	inString, escaped := false, false
	for {
		c, ok := r.src.next()
		if !ok {
			return tooLong, jsonscan.ErrEnds
		}
		if !inString && depth == 0 && n > 0 && (c == ',' || c == ']' || c == '}' || c == ':' || isSpace(c)) {
			r.src.back()
			return tooLong, nil
		}
		switch {
		case inString:
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' && keep:
			r.src.back()
			return tooLong, errCut
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			if depth == 0 {
				return tooLong, fmt.Errorf("is missing: found %q", rune(c))
			}
			depth--
		}
		n++
		if keep {
			if len(r.raw) < limit {
				r.raw = append(r.raw, c)
			} else {
				tooLong = true
			}
		}
		if !inString && depth == 0 && (c == '"' || c == ']' || c == '}') {
			return tooLong, nil
		}
	}
}

// parseState reads one state vector held whole in s.
func parseState(s *jsonscan.Scanner) (rep deconflict.TrackReport, ok bool, err error) {
	v := vector{
		icaoName: "icao24", callsignName: "callsign", whenName: "time_position", latName: "latitude",
		lonName: "longitude", geoName: "geo_altitude", baroName: "baro_altitude", gsName: "velocity",
		trackName: "true_track", vsName: "vertical_rate",
	}
	s.WS()
	if !s.Eat('[') {
		return rep, false, problem("a state vector must be an array, found %s", s.What())
	}
	n := 0
	s.WS()
	if !s.Eat(']') {
		for ; ; n++ {
			s.WS()
			if err := stateField(s, &v, n); err != nil {
				return rep, false, err
			}
			s.WS()
			if s.Eat(']') {
				n++
				break
			}
			if !s.Eat(',') {
				return rep, false, problem("is not valid JSON: expected ',' or ']' in a state vector, found %s", s.What())
			}
		}
	}
	s.WS()
	if s.I != len(s.B) {
		return rep, false, problem("is not valid JSON: data after the state vector")
	}
	if n < stateFields {
		return rep, false, problem("a state vector has %d fields; OpenSky sends 17 or more", n)
	}
	return v.report()
}

// stateField reads field k of a state vector.
func stateField(s *jsonscan.Scanner, v *vector, k int) error {
	var name string
	if k < len(stateNames) {
		name = stateNames[k]
	}
	if name == "" {
		if err := s.SkipValue(1); err != nil {
			return problem("is not valid JSON: %v", err)
		}
		return nil
	}
	if s.Literal("null") {
		return nil
	}
	switch k {
	case svIcao24, svCallsign:
		if s.I >= len(s.B) || s.B[s.I] != '"' {
			return fault(name, "must be a string (got %s)", s.What())
		}
		b, err := s.Str()
		if err != nil {
			return fault(name, "%v", err)
		}
		if k == svIcao24 {
			v.icao24 = append(v.icao24[:0], b...)
		} else {
			v.callsign = append(v.callsign[:0], b...)
		}
		return nil
	}
	if s.I >= len(s.B) || (s.B[s.I] != '-' && !isDigit(s.B[s.I])) {
		return fault(name, "must be a number or null (got %s)", s.What())
	}
	x, err := s.Number()
	if err != nil {
		return fault(name, "%v", err)
	}
	switch k {
	case svTimePosition:
		v.when, v.hasWhen = x, true
	case svLongitude:
		v.lon, v.hasLon = x, true
	case svLatitude:
		v.lat, v.hasLat = x, true
	case svBaroAltitude:
		v.baro, v.hasBaro = x, true
	case svVelocity:
		v.gs, v.hasGs = x, true
	case svTrueTrack:
		v.track, v.hasTrack = x, true
	case svVerticalRate:
		v.vs, v.hasVs = x, true
	case svGeoAltitude:
		v.geo, v.hasGeo = x, true
	}
	return nil
}

// byteSource reads a stream a byte at a time, counting lines.
type byteSource struct {
	r    io.Reader
	buf  []byte
	i, n int
	line int64 // the line of the next byte
	err  error
}

func (s *byteSource) next() (byte, bool) {
	if s.i < s.n {
		c := s.buf[s.i]
		s.i++
		if c == '\n' {
			s.line++
		}
		return c, true
	}
	return s.fill()
}

func (s *byteSource) fill() (byte, bool) {
	for empty := 0; s.err == nil; empty++ {
		if empty == 100 {
			s.err = io.ErrNoProgress
			break
		}
		n, err := s.r.Read(s.buf)
		s.i, s.n = 0, n
		if err != nil {
			s.err = err
		}
		if n > 0 {
			return s.next()
		}
	}
	return 0, false
}

// back returns the byte that next just read.
func (s *byteSource) back() {
	s.i--
	if s.buf[s.i] == '\n' {
		s.line--
	}
}

// skipSpace returns the next byte that is not white space.
func (s *byteSource) skipSpace() (byte, bool) {
	for {
		c, ok := s.next()
		if !ok || !isSpace(c) {
			return c, ok
		}
	}
}

// OpenSkyCSVReader reads the OpenSky historical state vector CSV. The first
// line that is not blank is the header; columns are found by name, so their
// order may vary: time, icao24, lat, lon, velocity, heading, vertrate,
// callsign, baroaltitude, geoaltitude, lastposupdate (others, such as
// onground, squawk and lastcontact, are ignored). The REST API's names are
// accepted too (latitude, longitude, true_track, vertical_rate,
// baro_altitude, geo_altitude, time_position). icao24, lat, lon, an
// altitude column and a time column are required: a header without them
// is a fatal error, since no row could be read. Quoted fields are accepted.
// The field rules are those of OpenSkyJSONReader; a row's time is
// lastposupdate, else time.
type OpenSkyCSVReader struct {
	tally
	lines  *lineReader
	header bool
	ncol   int
	col    [csvCols]int // index of each column, -1 when absent
	fields [][]byte
}

// The columns this package reads.
const (
	cTime = iota
	cIcao24
	cLat
	cLon
	cVelocity
	cHeading
	cVertRate
	cCallsign
	cBaro
	cGeo
	cLastPos
	csvCols
)

var csvNames = [csvCols][]string{
	cTime: {"time"}, cIcao24: {"icao24"}, cLat: {"lat", "latitude"}, cLon: {"lon", "longitude"},
	cVelocity: {"velocity"}, cHeading: {"heading", "true_track"}, cVertRate: {"vertrate", "vertical_rate"},
	cCallsign: {"callsign"}, cBaro: {"baroaltitude", "baro_altitude"}, cGeo: {"geoaltitude", "geo_altitude"},
	cLastPos: {"lastposupdate", "time_position"},
}

// NewOpenSkyCSVReader returns a reader of OpenSky CSV from r.
func NewOpenSkyCSVReader(r io.Reader, opt Options) *OpenSkyCSVReader {
	return &OpenSkyCSVReader{tally: tally{onMalformed: opt.OnMalformed}, lines: newLineReader(r, opt.maxLine())}
}

// Next returns the next report; see Reader.
func (r *OpenSkyCSVReader) Next() (deconflict.TrackReport, error) {
	for {
		if r.fatal != nil {
			return deconflict.TrackReport{}, r.fatal
		}
		line, tooLong, err := r.lines.next()
		if err != nil {
			if f := fatal(err); f != nil {
				r.fatal = f
				return deconflict.TrackReport{}, f
			}
			if !r.header {
				r.fatal = fmt.Errorf("feed: opensky csv: the input has no header line")
				return deconflict.TrackReport{}, r.fatal
			}
			return deconflict.TrackReport{}, io.EOF
		}
		if !r.header && !tooLong && !blank(line) {
			if err := r.readHeader(line); err != nil {
				r.fatal = fmt.Errorf("feed: opensky csv: line %d: %w", r.lines.line, err)
				continue
			}
			r.stats.Lines++
			r.stats.Skipped++
			continue
		}
		if !r.header && tooLong {
			r.fatal = fmt.Errorf("feed: opensky csv: line %d: the header is longer than %d bytes", r.lines.line, r.lines.max)
			continue
		}
		r.stats.Lines++
		if tooLong {
			r.malformed(r.lines.line, "", problem("the line is longer than %d bytes", r.lines.max))
			continue
		}
		if blank(line) {
			r.stats.Skipped++
			continue
		}
		rep, ok, err := r.row(line)
		switch {
		case err != nil:
			r.malformed(r.lines.line, "", err)
		case ok:
			r.stats.Reports++
			return rep, nil
		default:
			r.stats.Skipped++
		}
	}
}

func (r *OpenSkyCSVReader) readHeader(line []byte) error {
	if err := r.split(line); err != nil {
		return fmt.Errorf("the header %v", reason(err))
	}
	for i := range r.col {
		r.col[i] = -1
	}
	seen := map[string]bool{}
	for i, f := range r.fields {
		name := strings.ToLower(strings.TrimSpace(string(f)))
		if seen[name] {
			return fmt.Errorf("the header names column %q twice", name)
		}
		seen[name] = true
		for c, names := range csvNames {
			for _, n := range names {
				if n == name {
					if r.col[c] >= 0 {
						return fmt.Errorf("the header names column %q twice (as %q and %q)", csvNames[c][0], string(r.fields[r.col[c]]), name)
					}
					r.col[c] = i
				}
			}
		}
	}
	var missing []string
	for _, c := range []int{cIcao24, cLat, cLon} {
		if r.col[c] < 0 {
			missing = append(missing, csvNames[c][0])
		}
	}
	if r.col[cTime] < 0 && r.col[cLastPos] < 0 {
		missing = append(missing, "lastposupdate or time")
	}
	if r.col[cGeo] < 0 && r.col[cBaro] < 0 {
		missing = append(missing, "geoaltitude or baroaltitude")
	}
	if len(missing) > 0 {
		return fmt.Errorf("the header %q lacks the columns %s; an OpenSky state vector CSV starts "+
			"time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,baroaltitude,geoaltitude,lastposupdate,lastcontact",
			clip(line, 200), strings.Join(missing, ", "))
	}
	r.ncol = len(r.fields)
	r.header = true
	return nil
}

// split cuts a line into r.fields, by the quoting rules of RFC 4180 when the
// line holds a quote.
func (r *OpenSkyCSVReader) split(line []byte) error {
	r.fields = r.fields[:0]
	if bytes.IndexByte(line, '"') < 0 {
		for {
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				r.fields = append(r.fields, line)
				return nil
			}
			r.fields = append(r.fields, line[:i])
			line = line[i+1:]
		}
	}
	cr := csv.NewReader(bytes.NewReader(line))
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err != nil {
		return problem("is not valid CSV: %v", strings.TrimPrefix(err.Error(), "record on line 1: "))
	}
	for _, f := range rec {
		r.fields = append(r.fields, []byte(f))
	}
	return nil
}

func (r *OpenSkyCSVReader) row(line []byte) (deconflict.TrackReport, bool, error) {
	if err := r.split(line); err != nil {
		return deconflict.TrackReport{}, false, err
	}
	if len(r.fields) != r.ncol {
		return deconflict.TrackReport{}, false, problem("has %d fields; the header names %d", len(r.fields), r.ncol)
	}
	get := func(c int) []byte {
		if r.col[c] < 0 {
			return nil
		}
		return bytes.TrimSpace(r.fields[r.col[c]])
	}
	v := vector{
		icao24: get(cIcao24), callsign: get(cCallsign),
		icaoName: "icao24", callsignName: "callsign", latName: "lat", lonName: "lon", geoName: "geoaltitude",
		baroName: "baroaltitude", gsName: "velocity", trackName: "heading", vsName: "vertrate",
	}
	num := func(c int, name string, dst *float64, has *bool) error {
		b := get(c)
		if len(b) == 0 {
			return nil
		}
		x, err := decimal(b)
		if err != nil {
			return fault(name, "must be a number (got %q)", clip(b, 24))
		}
		*dst, *has = x, true
		return nil
	}
	for _, n := range []struct {
		c    int
		dst  *float64
		has  *bool
		name string
	}{
		{cLat, &v.lat, &v.hasLat, "lat"}, {cLon, &v.lon, &v.hasLon, "lon"},
		{cGeo, &v.geo, &v.hasGeo, "geoaltitude"}, {cBaro, &v.baro, &v.hasBaro, "baroaltitude"},
		{cVelocity, &v.gs, &v.hasGs, "velocity"}, {cHeading, &v.track, &v.hasTrack, "heading"},
		{cVertRate, &v.vs, &v.hasVs, "vertrate"},
	} {
		if err := num(n.c, n.name, n.dst, n.has); err != nil {
			return deconflict.TrackReport{}, false, err
		}
	}
	v.whenName = "lastposupdate"
	if err := num(cLastPos, "lastposupdate", &v.when, &v.hasWhen); err != nil {
		return deconflict.TrackReport{}, false, err
	}
	if !v.hasWhen {
		v.whenName = "time"
		if err := num(cTime, "time", &v.when, &v.hasWhen); err != nil {
			return deconflict.TrackReport{}, false, err
		}
		if !v.hasWhen && v.hasLat && v.hasLon {
			return deconflict.TrackReport{}, false, problem("has a position but no lastposupdate or time")
		}
	}
	return v.report()
}

// decimal reads a decimal number, refusing what strconv alone would take
// (NaN, Inf, hex, underscores).
func decimal(b []byte) (float64, error) {
	for _, c := range b {
		if !isDigit(c) && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseFloat(string(b), 64)
}
