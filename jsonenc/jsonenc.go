// Package jsonenc writes the exchange's most frequent JSON documents — the
// conflicts every submission and check reports, stores and records — exactly
// as encoding/json writes them, byte for byte, but without reflection: they
// are encoded on the hot path of every submission, inside the single writer
// for the stored ones. A value holding something encoding/json treats
// specially (a string it escapes, a time it refuses) is handed to
// encoding/json itself, so the output never differs. The tests hold every
// function here to json.Marshal.
package jsonenc

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/deconflict/deconflict"
)

// Conflict returns c as json.Marshal writes it, in a buffer with room for
// a typical conflict (about 390 bytes), so that it is allocated once.
func Conflict(c deconflict.Conflict) ([]byte, error) {
	return AppendConflict(make([]byte, 0, 512), c)
}

// AppendConflict appends c to b as json.Marshal writes it.
func AppendConflict(b []byte, c deconflict.Conflict) ([]byte, error) {
	if !Plain(c.ID) || !Plain(string(c.State)) || !Plain(string(c.Policy)) || !Plain(c.Ref) ||
		(c.With != nil && !plainRef(*c.With)) || !EncodableTime(c.Window.Start) || !EncodableTime(c.Window.End) {
		return appendMarshal(b, c)
	}
	start := len(b)
	b = append(append(append(b, `{"id":"`...), c.ID...), `","state":"`...)
	b = append(append(append(b, c.State...), `","policy":"`...), c.Policy...)
	b = append(b, `","with":`...)
	if c.With == nil {
		b = append(b, "null"...)
	} else {
		b = appendRef(b, *c.With)
	}
	b = append(append(append(b, `,"ref":"`...), c.Ref...), `",`...)
	b = appendWindow(b, c.Window)
	b = append(b, `,"min_distance_m":`...)
	var ok bool
	if c.MinDistanceM == nil {
		b = append(b, "null"...)
	} else if b, ok = AppendFloat(b, *c.MinDistanceM); !ok {
		return appendMarshal(b[:start], c)
	}
	if b, ok = appendRegion(b, c.Region); !ok {
		return appendMarshal(b[:start], c)
	}
	return append(b, '}'), nil
}

// ConflictRecord returns c, a conflict as stored, as json.Marshal writes it.
func ConflictRecord(c deconflict.ConflictRecord) ([]byte, error) {
	if !Plain(c.ID) || !Plain(string(c.State)) || !Plain(string(c.Policy)) || !plainRef(c.A) || !plainRef(c.B) ||
		!Plain(c.ClosedReason) || !EncodableTime(c.Window.Start) || !EncodableTime(c.Window.End) ||
		!EncodableTime(c.OpenedAt) || !EncodableTime(c.UpdatedAt) {
		return json.Marshal(c)
	}
	b := make([]byte, 0, 576) // room for a typical one (about 520 bytes)
	b = append(append(append(b, `{"id":"`...), c.ID...), `","state":"`...)
	b = append(append(append(b, c.State...), `","policy":"`...), c.Policy...)
	b = appendRef(append(b, `","a":`...), c.A)
	b = appendRef(append(b, `,"b":`...), c.B)
	b = appendWindow(append(b, ','), c.Window)
	b = append(b, `,"min_distance_m":`...)
	var ok bool
	if b, ok = AppendFloat(b, c.MinDistanceM); !ok {
		return json.Marshal(c)
	}
	if b, ok = appendRegion(b, c.Region); !ok {
		return json.Marshal(c)
	}
	b = c.OpenedAt.AppendFormat(append(b, `,"opened_at":"`...), time.RFC3339Nano)
	b = c.UpdatedAt.AppendFormat(append(b, `","updated_at":"`...), time.RFC3339Nano)
	b = append(b, '"')
	if c.ClosedReason != "" {
		b = append(append(append(b, `,"closed_reason":"`...), c.ClosedReason...), '"')
	}
	return append(b, '}'), nil
}

// appendMarshal appends json.Marshal's encoding of v to b.
func appendMarshal(b []byte, v any) ([]byte, error) {
	js, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, js...), nil
}

func plainRef(r deconflict.ObjectRef) bool {
	return Plain(string(r.Kind)) && Plain(r.Party) && Plain(r.ID)
}

// appendRef appends r, whose strings are plain.
func appendRef(b []byte, r deconflict.ObjectRef) []byte {
	b = append(append(append(b, `{"kind":"`...), r.Kind...), `","party":"`...)
	b = append(append(append(b, r.Party...), `","id":"`...), r.ID...)
	b = strconv.AppendInt(append(b, `","version":`...), r.Version, 10)
	return append(b, '}')
}

// appendWindow appends `"window":{...}`, for encodable times.
func appendWindow(b []byte, w deconflict.Window) []byte {
	b = w.Start.AppendFormat(append(b, `"window":{"start":"`...), time.RFC3339Nano)
	b = w.End.AppendFormat(append(b, `","end":"`...), time.RFC3339Nano)
	return append(b, `"}`...)
}

// appendRegion appends `,"region":[...]`; false when a number is one JSON
// cannot hold.
func appendRegion(b []byte, r [4]float64) ([]byte, bool) {
	b = append(b, `,"region":[`...)
	for i, x := range r {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = AppendFloat(b, x); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}

// Plain reports whether encoding/json writes s as it is, between quotes.
func Plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// EncodableTime reports whether t is in the years time.Time.MarshalJSON
// writes (it refuses the others) with a UTC offset of whole minutes.
func EncodableTime(t time.Time) bool {
	if y := t.Year(); y < 0 || y > 9999 {
		return false
	}
	_, off := t.Zone()
	return off%60 == 0
}

// AppendFloat appends x as encoding/json writes a float64; false for NaN and
// infinities, which it refuses.
func AppendFloat(b []byte, x float64) ([]byte, bool) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return b, false
	}
	format := byte('f')
	if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, x, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}
