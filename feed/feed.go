package feed

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/jsonscan"
)

// Format names one of the inputs this package reads.
type Format string

const (
	// NDJSON is one JSON track report per line, the SPEC §6 shape.
	NDJSON Format = "ndjson"
	// SBS is SBS-1 BaseStation text, as dump1090 and readsb publish it on
	// TCP port 30003.
	SBS Format = "sbs"
	// OpenSkyJSON is one or more OpenSky /states/all responses.
	OpenSkyJSON Format = "opensky-json"
	// OpenSkyCSV is the OpenSky historical state vector CSV, with a header.
	OpenSkyCSV Format = "opensky-csv"
)

// Formats lists every format, in the order ParseFormat's message names them.
var Formats = []Format{NDJSON, SBS, OpenSkyJSON, OpenSkyCSV}

// ParseFormat turns a format's name, as a user types it on the command line,
// into a Format.
func ParseFormat(name string) (Format, error) {
	for _, f := range Formats {
		if string(f) == strings.ToLower(strings.TrimSpace(name)) {
			return f, nil
		}
	}
	return "", fmt.Errorf("feed: unknown format %q; the formats are ndjson, sbs, opensky-json, opensky-csv", name)
}

// Reader is a stream of track reports. Next returns the next report, io.EOF
// once the input is exhausted, or a fatal error; malformed lines are counted
// in Stats and passed to Options.OnMalformed, and Next reads on past them.
// A Reader is not safe for concurrent use; call Stats between calls to Next.
type Reader interface {
	Next() (deconflict.TrackReport, error)
	Stats() Stats
}

// Stats counts what a Reader has read so far. Each input record is exactly
// one of a report, malformed or skipped, so Lines == Reports + Malformed +
// Skipped. A record is a line for NDJSON, SBS-1 and CSV (a CSV header and
// blank lines count as skipped), and a state vector for OpenSky JSON (plus
// one for each document that cannot be read).
type Stats struct {
	// Lines is the number of records read.
	Lines int64
	// Reports is the number of reports returned by Next.
	Reports int64
	// Malformed is the number of records refused, each reported to
	// Options.OnMalformed.
	Malformed int64
	// Skipped is the number of well-formed records that carry no report:
	// SBS-1 messages other than positions, positions still waiting for a
	// velocity, state vectors without a position, blank lines, headers.
	Skipped int64
	// LastError is the last malformed record's error, "" if none.
	LastError string
}

// LineError is why one input record was refused. It is never fatal: the
// Reader has already moved on to the next record.
type LineError struct {
	// Line is the 1-based number of the input line the record starts on.
	Line int64
	// Record names the record within the line when one line holds many:
	// "states[12]" for the 13th state vector of an OpenSky document, ""
	// otherwise.
	Record string
	// Err is an EINVALID *deconflict.Error; its Fields name the field at
	// fault when there is one ("lat", "altitude"), in the input's own names.
	Err error
}

// Error reads "line 12: lat: must be a number from -90 to 90 (got 91)".
func (e *LineError) Error() string {
	var b strings.Builder
	b.WriteString("line ")
	b.WriteString(strconv.FormatInt(e.Line, 10))
	b.WriteString(": ")
	if e.Record != "" {
		b.WriteString(e.Record)
		b.WriteString(": ")
	}
	b.WriteString(reason(e.Err))
	return b.String()
}

// Unwrap gives the *deconflict.Error, for deconflict.ErrorCode and errors.As.
func (e *LineError) Unwrap() error { return e.Err }

// reason is an error's text without the code prefix of *deconflict.Error,
// listing every field at fault.
func reason(err error) string {
	var de *deconflict.Error
	if !errors.As(err, &de) {
		return err.Error()
	}
	if len(de.Fields) == 0 {
		return de.Message
	}
	parts := make([]string, len(de.Fields))
	for i, f := range de.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}

// fault is the error of a record whose field is at fault.
func fault(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return deconflict.Invalid(field+": "+msg, deconflict.FieldError{Field: field, Message: msg})
}

// problem is the error of a record that is wrong as a whole.
func problem(format string, args ...any) error {
	return deconflict.Invalid(fmt.Sprintf(format, args...))
}

// DefaultMaxLineBytes bounds a line when Options.MaxLineBytes is 0. A track
// report is about 200 bytes and an SBS-1 line about 120.
const DefaultMaxLineBytes = 64 << 10

// Options tune a Reader. The zero value is ready to use.
type Options struct {
	// OnMalformed, when set, is called with each malformed record in input
	// order, before Next reads on. Returning an error stops the Reader: Next
	// returns that error, now and on every later call. A server can use it
	// to cut off a client that sends nothing but garbage.
	OnMalformed func(*LineError) error

	// MaxLineBytes bounds a line, its line end excluded (default
	// DefaultMaxLineBytes). A longer line is malformed and skipped without
	// being held whole. For OpenSky JSON it bounds one state vector.
	MaxLineBytes int

	// SBS tunes the assembly of SBS-1 messages into reports.
	SBS SBSOptions
}

func (o Options) maxLine() int {
	if o.MaxLineBytes <= 0 {
		return DefaultMaxLineBytes
	}
	return o.MaxLineBytes
}

// SBSOptions tune the SBS-1 reader. The zero value is ready to use.
type SBSOptions struct {
	// Location is the time zone of the date and time fields (default UTC).
	// dump1090-fa since 3.x and readsb write UTC; older dump1090 builds
	// (antirez, mutability) and some readsb settings write the receiver's
	// local time, and the format carries no zone: name it here for those.
	Location *time.Location

	// ForgetAfter is how long an aircraft is remembered after its last
	// message, judged by the messages' own times so that replays behave as
	// live feeds do (default DefaultForgetAfter). A velocity older than this
	// when a position arrives is not used.
	ForgetAfter time.Duration

	// MaxAircraft caps the aircraft held at once (default
	// DefaultMaxAircraft); beyond it the one heard from least recently is
	// forgotten.
	MaxAircraft int

	// EmitWithoutVelocity emits a position heard before any velocity with
	// zero ground speed, track and vertical rate, instead of skipping it.
	// See SBSReader for why skipping is the default.
	EmitWithoutVelocity bool
}

// DefaultForgetAfter is SBSOptions.ForgetAfter's default: twice the 30 s
// after which the exchange drops a silent track (SPEC §4), so that an
// aircraft heard again after a short gap keeps its callsign and velocity.
const DefaultForgetAfter = 60 * time.Second

// DefaultMaxAircraft is SBSOptions.MaxAircraft's default: more than a
// worldwide ADS-B network sees airborne at once, about 200 bytes each.
const DefaultMaxAircraft = 20_000

// NewReader returns a Reader of the given format over r.
func NewReader(f Format, r io.Reader, opt Options) (Reader, error) {
	switch f {
	case NDJSON:
		return NewNDJSONReader(r, opt), nil
	case SBS:
		return NewSBSReader(r, opt), nil
	case OpenSkyJSON:
		return NewOpenSkyJSONReader(r, opt), nil
	case OpenSkyCSV:
		return NewOpenSkyCSVReader(r, opt), nil
	}
	return nil, fmt.Errorf("feed: unknown format %q", f)
}

// detectBytes is how much of the input Open looks at: enough for the first
// line of every format, and for the members of a first JSON object up to
// "states".
const detectBytes = 4096

// Open looks at the start of r, picks the format with Detect, and returns a
// Reader of that format over all of r (nothing is lost to the look). It
// reads no more than it needs to decide, so a live stream is not held up
// waiting for 4 KiB; it gives up on the format after 4 KiB or at the end.
func Open(r io.Reader, opt Options) (Reader, Format, error) {
	br := bufio.NewReaderSize(r, max(opt.maxLine()+2, detectBytes))
	for n := 1; ; {
		first, err := br.Peek(n)
		f, derr := Detect(first)
		if derr == nil {
			rd, _ := NewReader(f, br, opt)
			return rd, f, nil
		}
		if err != nil && err != io.EOF {
			return nil, "", err
		}
		if err == io.EOF || len(first) >= detectBytes {
			return nil, "", derr
		}
		// All that has arrived, or else wait for one byte more.
		n = min(max(n+1, br.Buffered()), detectBytes)
	}
}

// Detect tells the format from the first bytes of an input (a few hundred
// are enough; Open passes 4 KiB): SBS-1 lines start with a message type such
// as "MSG,"; a CSV starts with a header naming icao24; a JSON object whose
// members include "states", or a numeric "time", is an OpenSky response, and
// one with track report members is NDJSON.
func Detect(first []byte) (Format, error) {
	b := first
	b = trimBOM(b)
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	b = b[i:]
	if len(b) == 0 {
		return "", errors.New("feed: the input is empty; nothing to tell its format by")
	}
	if b[0] == '{' {
		return detectJSON(b)
	}
	line := b
	if j := indexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	if k := indexByte(line, ','); k > 0 {
		switch string(line[:k]) {
		case "MSG", "SEL", "ID", "AIR", "STA", "CLK":
			return SBS, nil
		}
	}
	cols := map[string]bool{}
	for _, c := range strings.Split(string(line), ",") {
		cols[strings.ToLower(strings.Trim(strings.TrimSpace(c), `"`))] = true
	}
	if cols["icao24"] && (cols["lat"] || cols["latitude"]) {
		return OpenSkyCSV, nil
	}
	return "", fmt.Errorf("feed: cannot tell the format of input starting %q; "+
		"expected NDJSON track reports, SBS-1 (MSG,...), an OpenSky JSON response or an OpenSky CSV with a header", clip(line, 40))
}

// detectJSON reads the members of the first object until one decides.
func detectJSON(b []byte) (Format, error) {
	s := jsonscan.Scanner{B: b, I: 1}
	for n := 0; n < 64; n++ {
		s.WS()
		if s.I >= len(s.B) || s.B[s.I] != '"' {
			break
		}
		key, err := s.Str()
		if err != nil {
			break
		}
		name := string(key)
		s.WS()
		if !s.Eat(':') {
			break
		}
		s.WS()
		if s.I >= len(s.B) {
			break // the value decides between "time" of either kind
		}
		isNumber := s.B[s.I] == '-' || isDigit(s.B[s.I])
		switch {
		case name == "states", name == "time" && isNumber:
			return OpenSkyJSON, nil
		case reportMember(name) >= 0:
			return NDJSON, nil
		}
		if err := s.SkipValue(0); err != nil {
			break
		}
		s.WS()
		if !s.Eat(',') {
			break
		}
	}
	return "", fmt.Errorf("feed: cannot tell the format of JSON input starting %q; "+
		"expected NDJSON track reports (members id, lat, lon, ...) or an OpenSky response (members time, states)", clip(b, 40))
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// tally is the bookkeeping every Reader shares: the counters, the malformed
// callback and the sticky fatal error.
type tally struct {
	stats       Stats
	onMalformed func(*LineError) error
	fatal       error
}

// malformed counts a refused record and tells the caller; a non-nil result
// is the caller's wish to stop.
func (t *tally) malformed(line int64, record string, err error) error {
	t.stats.Malformed++
	le := &LineError{Line: line, Record: record, Err: err}
	t.stats.LastError = le.Error()
	if t.onMalformed != nil {
		if stop := t.onMalformed(le); stop != nil {
			t.fatal = stop
			return stop
		}
	}
	return nil
}

// Stats returns the counters so far.
func (t *tally) Stats() Stats { return t.stats }
