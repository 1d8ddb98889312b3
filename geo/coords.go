package geo

import (
	"fmt"
	"math"
	"strconv"

	"github.com/deconflict/deconflict"
)

// position is one GeoJSON position in degrees; the altitude is dropped.
type position struct{ lon, lat float64 }

// maxFaults bounds the faults reported for one geometry: a body with a
// million bad numbers gets a readable answer, not a million lines.
const maxFaults = 20

// coordReader decodes the "coordinates" member straight from its JSON bytes,
// one position at a time, so that a geometry over the vertex limit is refused
// after reading limit+1 positions, before any slice of the whole or any S2
// structure is built. It also names the JSON path of every fault, which a
// generic decoder into [][][]float64 cannot.
type coordReader struct {
	src    []byte
	pos    int
	base   string // "volumes[2].geometry.coordinates"
	idx    []int  // indices below base of the value being read
	limit  int    // vertices allowed, 0 for no limit
	count  int    // vertices read so far (ring closings not counted)
	faults *deconflict.FieldErrors
	stop   bool // too many vertices, too many faults or broken JSON
}

func newCoordReader(src []byte, base string, limit int, faults *deconflict.FieldErrors) *coordReader {
	return &coordReader{src: src, base: base, limit: limit, faults: faults, idx: make([]int, 0, 4)}
}

// path renders the JSON path of the current value, plus extra indices.
func (r *coordReader) path(extra ...int) string {
	parts := make([]any, 0, len(r.idx)+len(extra))
	for _, i := range r.idx {
		parts = append(parts, i)
	}
	for _, i := range extra {
		parts = append(parts, i)
	}
	return deconflict.Path(r.base, parts...)
}

func (r *coordReader) fault(path, format string, args ...any) {
	r.faults.Add(path, format, args...)
	if len(*r.faults) >= maxFaults {
		r.stop = true
	}
}

func (r *coordReader) ws() {
	for r.pos < len(r.src) {
		switch r.src[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *coordReader) peek() byte {
	r.ws()
	if r.pos >= len(r.src) {
		return 0
	}
	return r.src[r.pos]
}

// syntax reports malformed JSON once and stops reading.
func (r *coordReader) syntax() {
	if r.stop {
		return
	}
	if r.pos >= len(r.src) {
		r.fault(r.path(), "is cut short: the JSON ends inside the coordinates")
	} else {
		r.fault(r.path(), "is not valid JSON at byte %d of the coordinates (unexpected %q)", r.pos, r.src[r.pos])
	}
	r.stop = true
}

// kind names the JSON value starting at the current byte, for messages.
func (r *coordReader) kind() string {
	switch r.peek() {
	case '[':
		return "an array"
	case '{':
		return "an object"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case 0:
		return "nothing"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	}
	end := r.pos
	for end < len(r.src) && end-r.pos < 24 && !isDelim(r.src[end]) {
		end++
	}
	return fmt.Sprintf("%q, which is not a JSON value", r.src[r.pos:end])
}

// array reads a JSON array, calling elem for each element with its index
// pushed on the path. A value that is not an array is reported with what,
// the description of what was expected, and skipped.
func (r *coordReader) array(what string, elem func(i int)) bool {
	if r.peek() != '[' {
		r.fault(r.path(), "must be %s, got %s", what, r.kind())
		r.skipValue()
		return false
	}
	r.pos++
	if r.peek() == ']' {
		r.pos++
		return true
	}
	for i := 0; ; i++ {
		r.idx = append(r.idx, i)
		elem(i)
		r.idx = r.idx[:len(r.idx)-1]
		if r.stop {
			return false
		}
		switch r.peek() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return true
		default:
			r.syntax()
			return false
		}
	}
}

// number reads a JSON number; anything else is a fault at the current path.
func (r *coordReader) number() (float64, bool) {
	c := r.peek()
	if c != '-' && (c < '0' || c > '9') {
		r.fault(r.path(), "must be a number, got %s", r.kind())
		r.skipValue()
		return 0, false
	}
	start := r.pos
	end := scanNumber(r.src, start)
	if end < 0 {
		r.syntax()
		return 0, false
	}
	r.pos = end
	x, err := strconv.ParseFloat(string(r.src[start:end]), 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		r.fault(r.path(), "%s is out of range: must be a finite number", r.src[start:end])
		return 0, false
	}
	return x, true
}

// scanNumber returns the end of the JSON number starting at i, or -1 when the
// bytes there are not one (strconv alone would take "Inf", "0x1p3" or "1_0").
func scanNumber(b []byte, i int) int {
	digits := func() bool {
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > s
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		digits()
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return -1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return -1
		}
	}
	return i
}

// skipValue skips one JSON value of any kind without recursion, so that
// deeply nested junk cannot exhaust the stack.
func (r *coordReader) skipValue() {
	depth := 0
	for {
		c := r.peek()
		switch {
		case c == 0:
			r.syntax()
			return
		case c == '[' || c == '{':
			depth++
			r.pos++
		case c == ']' || c == '}':
			if depth == 0 {
				r.syntax()
				return
			}
			depth--
			r.pos++
		case c == ',' || c == ':':
			if depth == 0 {
				r.syntax()
				return
			}
			r.pos++
			continue
		case c == '"':
			r.pos++
			for r.pos < len(r.src) && r.src[r.pos] != '"' {
				if r.src[r.pos] == '\\' {
					r.pos++
				}
				r.pos++
			}
			if r.pos >= len(r.src) {
				r.syntax()
				return
			}
			r.pos++
		default:
			s := r.pos
			for r.pos < len(r.src) && !isDelim(r.src[r.pos]) {
				r.pos++
			}
			if r.pos == s {
				r.syntax()
				return
			}
		}
		if depth == 0 {
			return
		}
	}
}

func isDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', ']', '}', ':', '[', '{', '"':
		return true
	}
	return false
}

// position reads one [lon, lat] or [lon, lat, alt]. counted says whether the
// position is a vertex of its own (a ring's closing position is not).
func (r *coordReader) position(counted bool) (position, bool) {
	if counted {
		r.count++
		if r.limit > 0 && r.count > r.limit {
			// Replace whatever was found so far: the one thing to fix is the size.
			*r.faults = (*r.faults)[:0]
			r.faults.Add(r.base, "has more than %d vertices, the limit for one geometry: simplify it or split it into several volumes", r.limit)
			r.stop = true
			return position{}, false
		}
	}
	var v [3]float64
	n, ok := 0, true
	done := r.array("a position [longitude, latitude]", func(i int) {
		x, good := r.number()
		if i < 3 {
			v[i] = x
		}
		n++
		ok = ok && good
	})
	if !done {
		return position{}, false
	}
	if n < 2 || n > 3 {
		r.fault(r.path(), "must have 2 or 3 numbers ([longitude, latitude] or [longitude, latitude, altitude]), got %d", n)
		return position{}, false
	}
	if !ok {
		return position{}, false
	}
	if v[0] < -180 || v[0] > 180 {
		r.fault(r.path(0), "longitude %g is outside [-180, 180] (positions are [longitude, latitude])", v[0])
		ok = false
	}
	if v[1] < -90 || v[1] > 90 {
		r.fault(r.path(1), "latitude %g is outside [-90, 90] (positions are [longitude, latitude])", v[1])
		ok = false
	}
	return position{lon: v[0], lat: v[1]}, ok
}

// positions reads an array of positions; the first is not counted as a
// vertex when it closes a ring.
func (r *coordReader) positions(ring bool) ([]position, bool) {
	var ps []position
	ok := true
	what := "an array of positions"
	if ring {
		what = "a linear ring (an array of positions)"
	}
	done := r.array(what, func(i int) {
		p, good := r.position(!ring || i > 0)
		ps = append(ps, p)
		ok = ok && good
	})
	return ps, done && ok
}

// rings reads a polygon's array of linear rings.
func (r *coordReader) rings() ([][]position, bool) {
	var rs [][]position
	ok := true
	done := r.array("an array of linear rings", func(int) {
		ring, good := r.positions(true)
		rs = append(rs, ring)
		ok = ok && good
	})
	return rs, done && ok
}

// polygons reads a MultiPolygon's array of polygons.
func (r *coordReader) polygons() ([][][]position, bool) {
	var ps [][][]position
	ok := true
	done := r.array("an array of polygons", func(int) {
		p, good := r.rings()
		ps = append(ps, p)
		ok = ok && good
	})
	return ps, done && ok
}

// end checks that nothing but whitespace follows the coordinates.
func (r *coordReader) end() {
	if r.stop {
		return
	}
	if r.peek() != 0 {
		r.fault(r.base, "has trailing data after the coordinates")
	}
}

func describePosition(p position) string {
	return fmt.Sprintf("[%g, %g]", p.lon, p.lat)
}
