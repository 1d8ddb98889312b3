package journal

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/deconflict/deconflict"
)

// eventBody returns e exactly as json.Marshal writes it, given that e.Data
// is itself the output of json.Marshal, as every event the journal writes
// has (the kind's body: a conflict, an alert, a message, an ack). It copies
// Data where json.Marshal would check and compact it again, and needs no
// reflection: the journal encodes every event it records, inside the
// single writer, to hash it. The tests hold it to json.Marshal.
func eventBody(e deconflict.Event) []byte {
	b := make([]byte, 0, 96+len(e.Kind)+len(e.Data))
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, `,"kind":"`...)
	b = append(b, e.Kind...) // a constant of a-z and dots: nothing to escape
	b = append(b, `","time":"`...)
	b = e.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","needs_ack":`...)
	b = strconv.AppendBool(b, e.NeedsAck)
	b = append(b, `,"data":`...)
	b = append(b, e.Data...)
	return append(b, '}')
}

// conflictJSON returns c exactly as json.Marshal writes it, without
// reflection: the journal encodes one conflict for every party of every
// conflict a change opens, updates or closes. A string that JSON would
// escape sends the whole conflict to json.Marshal. The tests hold it to
// json.Marshal.
func conflictJSON(c deconflict.Conflict) ([]byte, error) {
	if !plain(c.ID) || !plain(string(c.State)) || !plain(string(c.Policy)) || !plain(c.Ref) ||
		(c.With != nil && (!plain(string(c.With.Kind)) || !plain(c.With.Party) || !plain(c.With.ID))) ||
		!encodableTime(c.Window.Start) || !encodableTime(c.Window.End) {
		return json.Marshal(c)
	}
	b := make([]byte, 0, 320)
	b = append(append(append(b, `{"id":"`...), c.ID...), `","state":"`...)
	b = append(append(append(b, c.State...), `","policy":"`...), c.Policy...)
	b = append(b, `","with":`...)
	if c.With == nil {
		b = append(b, "null"...)
	} else {
		b = append(append(append(b, `{"kind":"`...), c.With.Kind...), `","party":"`...)
		b = append(append(append(b, c.With.Party...), `","id":"`...), c.With.ID...)
		b = strconv.AppendInt(append(b, `","version":`...), c.With.Version, 10)
		b = append(b, '}')
	}
	b = append(append(append(b, `,"ref":"`...), c.Ref...), `","window":{"start":"`...)
	b = c.Window.Start.AppendFormat(b, time.RFC3339Nano)
	b = c.Window.End.AppendFormat(append(b, `","end":"`...), time.RFC3339Nano)
	b = append(b, `"},"min_distance_m":`...)
	var ok bool
	if c.MinDistanceM == nil {
		b = append(b, "null"...)
	} else if b, ok = appendFloat(b, *c.MinDistanceM); !ok {
		return json.Marshal(c)
	}
	b = append(b, `,"region":[`...)
	for i, x := range c.Region {
		if i > 0 {
			b = append(b, ',')
		}
		if b, ok = appendFloat(b, x); !ok {
			return json.Marshal(c)
		}
	}
	return append(b, "]}"...), nil
}

// plain reports whether JSON writes s as it is, between quotes.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// encodableTime reports whether t is in the years time.Time.MarshalJSON
// writes (it refuses the others) with a UTC offset of whole minutes.
func encodableTime(t time.Time) bool {
	if y := t.Year(); y < 0 || y > 9999 {
		return false
	}
	_, off := t.Zone()
	return off%60 == 0
}

// appendFloat appends x as encoding/json writes a float64; false for NaN and
// infinities, which it refuses.
func appendFloat(b []byte, x float64) ([]byte, bool) {
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
