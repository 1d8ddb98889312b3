package feed

import (
	"io"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/jsonscan"
)

// The members of a track report, in SPEC §6 order. The bit of a member in
// the seen mask is its index here.
var reportMembers = [...]string{"id", "callsign", "lat", "lon", "alt_m", "gs_mps", "track_deg", "vs_mps", "time", "party"}

const (
	mID = iota
	mCallsign
	mLat
	mLon
	mAlt
	mGs
	mTrack
	mVs
	mTime
	mParty
)

// required are the members a report cannot do without: a position in space
// and time, and whose it is. Speeds left out are zero (a hovering drone), as
// are callsign and party.
const required = 1<<mID | 1<<mLat | 1<<mLon | 1<<mAlt | 1<<mTime

func reportMember(name string) int {
	for i, m := range reportMembers {
		if m == name {
			return i
		}
	}
	return -1
}

// NDJSONReader reads one JSON track report per line (SPEC §6: id, callsign,
// lat, lon, alt_m, gs_mps, track_deg, vs_mps, time, party). It is strict, as
// the API is: member names match exactly, unknown and repeated members are
// refused, as is anything after the object; id, lat, lon, alt_m and time are
// required; null stands for an optional member left out; values must pass
// TrackReport.Validate. Blank lines are skipped.
type NDJSONReader struct {
	tally
	lines *lineReader
	s     jsonscan.Scanner
}

// NewNDJSONReader returns a reader of NDJSON track reports from r.
func NewNDJSONReader(r io.Reader, opt Options) *NDJSONReader {
	return &NDJSONReader{tally: tally{onMalformed: opt.OnMalformed}, lines: newLineReader(r, opt.maxLine())}
}

// Next returns the next valid report; see Reader.
func (r *NDJSONReader) Next() (deconflict.TrackReport, error) {
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
			return deconflict.TrackReport{}, io.EOF
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
		r.s.B, r.s.I = line, 0
		rep, err := parseReport(&r.s)
		if err != nil {
			r.malformed(r.lines.line, "", err)
			continue
		}
		r.stats.Reports++
		return rep, nil
	}
}

func blank(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

// ParseReport reads one track report, a JSON object alone in b (white space
// around it allowed), with the rules of NDJSONReader. The error is an
// EINVALID *deconflict.Error whose fields name the members at fault.
func ParseReport(b []byte) (deconflict.TrackReport, error) {
	s := jsonscan.Scanner{B: b}
	return parseReport(&s)
}

func parseReport(s *jsonscan.Scanner) (deconflict.TrackReport, error) {
	var r deconflict.TrackReport
	s.WS()
	if !s.Eat('{') {
		return r, problem("a line must be one JSON object, a track report; found %s", s.What())
	}
	var seen uint
	s.WS()
	if !s.Eat('}') {
		for {
			s.WS()
			key, err := s.Str()
			if err != nil {
				return r, problem("is not valid JSON: %v (at byte %d)", err, s.I)
			}
			k := memberIndex(key)
			if k < 0 {
				return r, fault(string(key), "is not a member of a track report; the members are %s", strings.Join(reportMembers[:], ", "))
			}
			name := reportMembers[k]
			if seen&(1<<k) != 0 {
				return r, fault(name, "is given twice")
			}
			seen |= 1 << k
			s.WS()
			if !s.Eat(':') {
				return r, problem("is not valid JSON: expected ':' after %q, found %s (at byte %d)", name, s.What(), s.I)
			}
			s.WS()
			if err := member(s, &r, k); err != nil {
				return r, err
			}
			s.WS()
			if s.Eat('}') {
				break
			}
			if !s.Eat(',') {
				return r, problem("is not valid JSON: expected ',' or '}' after %q, found %s (at byte %d)", name, s.What(), s.I)
			}
		}
	}
	s.WS()
	if s.I != len(s.B) {
		return r, problem("has data after the track report at byte %d; send one JSON object per line", s.I)
	}
	if missing := required &^ seen; missing != 0 {
		var f deconflict.FieldErrors
		for k, m := range reportMembers {
			if missing&(1<<k) != 0 {
				f.Add(m, "is required")
			}
		}
		return r, f.Err()
	}
	if err := r.Validate(""); err != nil {
		return r, err
	}
	return r, nil
}

// memberIndex is reportMember without a string allocation per key.
func memberIndex(key []byte) int {
	switch string(key) {
	case "id":
		return mID
	case "callsign":
		return mCallsign
	case "lat":
		return mLat
	case "lon":
		return mLon
	case "alt_m":
		return mAlt
	case "gs_mps":
		return mGs
	case "track_deg":
		return mTrack
	case "vs_mps":
		return mVs
	case "time":
		return mTime
	case "party":
		return mParty
	}
	return -1
}

// member reads the value of member k into r.
func member(s *jsonscan.Scanner, r *deconflict.TrackReport, k int) error {
	name := reportMembers[k]
	optional := required&(1<<k) == 0
	if s.Literal("null") {
		if optional {
			return nil
		}
		return fault(name, "is required and may not be null")
	}
	switch k {
	case mID, mCallsign, mParty, mTime:
		if s.I >= len(s.B) || s.B[s.I] != '"' {
			return fault(name, "must be a string (got %s)", s.What())
		}
		v, err := s.Str()
		if err != nil {
			return fault(name, "%v", err)
		}
		switch k {
		case mID:
			r.ID = string(v)
		case mCallsign:
			r.Callsign = string(v)
		case mParty:
			r.Party = string(v)
		case mTime:
			t, err := time.Parse(time.RFC3339, string(v))
			if err != nil {
				return fault(name, "must be an RFC 3339 time such as 2026-11-24T07:20:00Z (got %q)", clip(v, 40))
			}
			r.Time = t.UTC()
		}
		return nil
	}
	if s.I >= len(s.B) || (s.B[s.I] != '-' && !isDigit(s.B[s.I])) {
		return fault(name, "must be a number (got %s)", s.What())
	}
	v, err := s.Number()
	if err != nil {
		return fault(name, "%v", err)
	}
	switch k {
	case mLat:
		r.Lat = v
	case mLon:
		r.Lon = v
	case mAlt:
		r.AltM = v
	case mGs:
		r.GsMps = v
	case mTrack:
		r.TrackDeg = v
	case mVs:
		r.VsMps = v
	}
	return nil
}
