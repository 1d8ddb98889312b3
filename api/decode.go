package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deconflict/deconflict"
)

// The strict decoder below walks the JSON tokens alongside the Go type of the
// destination, so that every fault carries the JSON path where it is
// (volumes[2].buffer_m) and so that it can be stricter than encoding/json:
// member names match exactly (encoding/json matches them case-insensitively,
// which would let a GeoJSON property NAME fill name), a member given twice is
// refused (two parsers could otherwise disagree on which one counts), null is
// refused where no value is optional, and nesting is bounded.

// maxDepth bounds the nesting of objects and arrays in a request body. The
// deepest legitimate body (a MultiPolygon inside a volume inside an operation)
// nests 7 levels.
const maxDepth = 32

// maxFaults bounds how many faults one problem lists; a body that is wrong
// everywhere is refused with the first ones.
const maxFaults = 50

// openObject marks wire types whose JSON objects may carry members the type
// does not name: GeoJSON foreign members and feature properties. Such members
// are skipped, not refused.
type openObject interface{ foreignMembersAllowed() }

// stringList is a list of strings given either as a JSON array of strings or
// as one comma-separated string (GeoJSON properties written by tools that
// only know flat values).
type stringList []string

var (
	timeType       = reflect.TypeFor[time.Time]()
	rawType        = reflect.TypeFor[json.RawMessage]()
	openType       = reflect.TypeFor[openObject]()
	stringListType = reflect.TypeFor[stringList]()
)

// errTooManyFaults stops decoding once maxFaults are recorded.
var errTooManyFaults = errors.New("too many faults")

type strictDecoder struct {
	dec    *tokenReader
	faults deconflict.FieldErrors
}

// decodeStrict decodes data, which must be exactly one JSON object, into dst
// (a pointer to a struct). Paths of faults start at base ("" for the body,
// "features[3].properties" for a nested document). It returns nil or an
// EINVALID *deconflict.Error.
func decodeStrict(data []byte, base string, dst any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return deconflict.Invalid("request body is empty; send a JSON object")
	}
	d := &strictDecoder{dec: newTokenReader(data)}
	tok, err := d.dec.Token()
	if err != nil {
		return syntaxFault(base, err)
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		if base == "" {
			return deconflict.Invalid("the request body must be a JSON object, not " + describeToken(tok))
		}
		return deconflict.Invalid(base+": must be an object", deconflict.FieldError{Field: base, Message: "must be an object, not " + describeToken(tok)})
	}
	v := reflect.ValueOf(dst).Elem()
	if err := d.object(v, base, 1); err != nil && err != errTooManyFaults {
		return err
	}
	if len(d.faults) > 0 {
		return d.faults.Err()
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return deconflict.Invalid("the request body has data after the JSON object; send exactly one object")
	}
	return nil
}

// syntaxFault reports JSON text that cannot be read, at the path where
// reading stopped.
func syntaxFault(path string, err error) error {
	msg := err.Error()
	var se *syntaxError
	if errors.As(err, &se) {
		msg = fmt.Sprintf("%s (at byte %d)", se.Error(), se.offset+1)
	} else if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
		msg = "the JSON text ends too early"
	}
	msg = "is not valid JSON: " + strings.TrimPrefix(msg, "json: ")
	if path == "" {
		return deconflict.Invalid("the request body " + msg)
	}
	return deconflict.Invalid(path+": "+msg, deconflict.FieldError{Field: path, Message: msg})
}

func (d *strictDecoder) fault(path, format string, args ...any) error {
	if path == "" {
		path = "(body)"
	}
	d.faults.Add(path, format, args...)
	if len(d.faults) >= maxFaults {
		return errTooManyFaults
	}
	return nil
}

// next decodes the next value of the stream into v.
func (d *strictDecoder) next(v reflect.Value, path string, depth int) error {
	if v.Type() == rawType {
		raw, err := d.raw(path, depth)
		if err != nil {
			return err
		}
		if !bytes.Equal(raw, []byte("null")) {
			// A copy, so that what is kept of it does not keep the body.
			v.SetBytes(bytes.Clone(raw))
		}
		return nil
	}
	tok, err := d.dec.Token()
	if err != nil {
		return syntaxFault(path, err)
	}
	return d.fill(v, path, depth, tok)
}

// raw reads the next value whole, checking only its syntax and nesting: the
// fast path for GeoJSON coordinates and skipped members.
func (d *strictDecoder) raw(path string, depth int) (json.RawMessage, error) {
	raw, err := d.dec.Raw()
	if err != nil {
		return nil, syntaxFault(path, err)
	}
	if n := nesting(raw); depth+n > maxDepth {
		return nil, deconflict.Invalid(fmt.Sprintf("%s: nests arrays or objects deeper than %d levels", orBody(path), maxDepth),
			deconflict.FieldError{Field: orBody(path), Message: fmt.Sprintf("nests arrays or objects deeper than %d levels", maxDepth)})
	}
	return raw, nil
}

func orBody(path string) string {
	if path == "" {
		return "(body)"
	}
	return path
}

// nesting returns the deepest nesting of arrays and objects in valid JSON.
func nesting(raw []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// fill decodes the value that starts with tok into v.
func (d *strictDecoder) fill(v reflect.Value, path string, depth int, tok json.Token) error {
	t := v.Type()
	if tok == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			v.SetZero()
			return nil
		}
		return d.fault(path, "must be %s, not null", describeType(t))
	}
	if _, ok := tok.(json.Delim); ok && depth >= maxDepth {
		return deconflict.Invalid(fmt.Sprintf("%s: nests arrays or objects deeper than %d levels", orBody(path), maxDepth),
			deconflict.FieldError{Field: orBody(path), Message: fmt.Sprintf("nests arrays or objects deeper than %d levels", maxDepth)})
	}
	switch {
	case t.Kind() == reflect.Pointer:
		nv := reflect.New(t.Elem())
		before := len(d.faults)
		if err := d.fill(nv.Elem(), path, depth, tok); err != nil {
			return err
		}
		if len(d.faults) == before {
			v.Set(nv)
		}
		return nil
	case t == timeType:
		s, ok := tok.(string)
		if !ok {
			return d.mismatch(v, path, depth, tok)
		}
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return d.fault(path, "must be an RFC 3339 time such as 2026-11-24T07:20:00Z (got %q)", clip(s))
		}
		v.Set(reflect.ValueOf(tm))
		return nil
	case t == stringListType:
		if s, ok := tok.(string); ok {
			var list stringList
			for _, part := range strings.Split(s, ",") {
				if part = strings.TrimSpace(part); part != "" {
					list = append(list, part)
				}
			}
			v.Set(reflect.ValueOf(list))
			return nil
		}
		return d.array(v, path, depth, tok)
	}
	switch t.Kind() {
	case reflect.Struct:
		if tok != json.Delim('{') {
			return d.mismatch(v, path, depth, tok)
		}
		return d.object(v, path, depth+1)
	case reflect.Slice:
		return d.array(v, path, depth, tok)
	case reflect.String:
		s, ok := tok.(string)
		if !ok {
			return d.mismatch(v, path, depth, tok)
		}
		v.SetString(s)
		return nil
	case reflect.Float64, reflect.Float32:
		n, ok := tok.(json.Number)
		if !ok {
			return d.mismatch(v, path, depth, tok)
		}
		f, err := strconv.ParseFloat(string(n), t.Bits())
		if err != nil {
			return d.fault(path, "is out of range (got %s)", clip(string(n)))
		}
		v.SetFloat(f)
		return nil
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, ok := tok.(json.Number)
		if !ok {
			return d.mismatch(v, path, depth, tok)
		}
		i, err := strconv.ParseInt(string(n), 10, t.Bits())
		if err != nil {
			return d.fault(path, "must be a whole number within range (got %s)", clip(string(n)))
		}
		v.SetInt(i)
		return nil
	case reflect.Bool:
		b, ok := tok.(bool)
		if !ok {
			return d.mismatch(v, path, depth, tok)
		}
		v.SetBool(b)
		return nil
	}
	return fmt.Errorf("api: strict decoder cannot fill %s", t)
}

// mismatch records a value of the wrong JSON type and skips the rest of it.
func (d *strictDecoder) mismatch(v reflect.Value, path string, depth int, tok json.Token) error {
	if err := d.fault(path, "must be %s, not %s", describeType(v.Type()), describeToken(tok)); err != nil {
		return err
	}
	return d.skipRest(path, depth, tok)
}

// skipRest consumes the rest of a value whose first token was tok.
func (d *strictDecoder) skipRest(path string, depth int, tok json.Token) error {
	if _, ok := tok.(json.Delim); !ok {
		return nil
	}
	open := 1
	for open > 0 {
		t, err := d.dec.Token()
		if err != nil {
			return syntaxFault(path, err)
		}
		if delim, ok := t.(json.Delim); ok {
			switch delim {
			case '{', '[':
				open++
				if depth+open > maxDepth {
					return deconflict.Invalid(fmt.Sprintf("%s: nests arrays or objects deeper than %d levels", orBody(path), maxDepth),
						deconflict.FieldError{Field: orBody(path), Message: fmt.Sprintf("nests arrays or objects deeper than %d levels", maxDepth)})
				}
			default:
				open--
			}
		}
	}
	return nil
}

func (d *strictDecoder) array(v reflect.Value, path string, depth int, tok json.Token) error {
	if tok != json.Delim('[') {
		return d.mismatch(v, path, depth, tok)
	}
	t := v.Type()
	out := reflect.MakeSlice(t, 0, 0)
	for i := 0; d.dec.More(); i++ {
		elem := reflect.New(t.Elem()).Elem()
		if err := d.next(elem, deconflict.Path(path, i), depth+1); err != nil {
			return err
		}
		out = reflect.Append(out, elem)
	}
	if _, err := d.dec.Token(); err != nil {
		return syntaxFault(path, err)
	}
	v.Set(out)
	return nil
}

// object decodes the members of an object whose '{' was read into struct v.
func (d *strictDecoder) object(v reflect.Value, path string, depth int) error {
	t := v.Type()
	info := structFields(t)
	open := t.Implements(openType) || reflect.PointerTo(t).Implements(openType)
	var seen []string
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return syntaxFault(path, err)
		}
		key, _ := tok.(string)
		p := deconflict.Path(path, key)
		dup := false
		for _, s := range seen {
			dup = dup || s == key
		}
		seen = append(seen, key)
		idx, known := info.byName[key]
		switch {
		case dup:
			if err := d.fault(p, "is given twice; give each member once"); err != nil {
				return err
			}
			if _, err := d.raw(p, depth); err != nil {
				return err
			}
		case !known && open:
			if _, err := d.raw(p, depth); err != nil {
				return err
			}
		case !known:
			if err := d.fault(p, "is not a known member; known members here: %s", strings.Join(info.names, ", ")); err != nil {
				return err
			}
			if _, err := d.raw(p, depth); err != nil {
				return err
			}
		default:
			if err := d.next(v.FieldByIndex(idx), p, depth); err != nil {
				return err
			}
		}
	}
	if _, err := d.dec.Token(); err != nil {
		return syntaxFault(path, err)
	}
	return nil
}

type fieldInfo struct {
	byName map[string][]int
	names  []string
}

var fieldCache sync.Map // reflect.Type -> *fieldInfo

// structFields maps the JSON member names of a struct to its fields.
func structFields(t reflect.Type) *fieldInfo {
	if fi, ok := fieldCache.Load(t); ok {
		return fi.(*fieldInfo)
	}
	fi := &fieldInfo{byName: map[string][]int{}}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fi.byName[name] = f.Index
		fi.names = append(fi.names, name)
	}
	sort.Strings(fi.names)
	fieldCache.Store(t, fi)
	return fi
}

func describeType(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return "an RFC 3339 time string"
	case t == rawType:
		return "a JSON value"
	case t == stringListType:
		return "an array of strings or one comma-separated string"
	}
	switch t.Kind() {
	case reflect.Struct:
		return "an object"
	case reflect.Slice:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	}
	return t.String()
}

func describeToken(tok json.Token) string {
	switch tok := tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		if tok == '{' {
			return "an object"
		}
		return "an array"
	case string:
		return fmt.Sprintf("a string (%q)", clip(tok))
	case json.Number:
		return "a number (" + clip(string(tok)) + ")"
	case bool:
		return strconv.FormatBool(tok)
	}
	return "a JSON value"
}

// clip shortens s for a message, so that a huge value is not echoed back.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// quote quotes s, clipped, for a message.
func quote(s string) string { return strconv.Quote(clip(s)) }
