package api

import (
	"encoding/json"
	"fmt"
	"io"
)

// tokenReader reads the JSON tokens of a body held in memory exactly as
// encoding/json's Decoder does with UseNumber — Token, More, and Raw in place
// of Decode into a json.RawMessage — at a fraction of its cost: the Decoder
// allocates an error for every value it reads (the way its scanner finds a
// value's end) and copies the body through a buffer. Every request body the
// API decodes goes through it. It accepts and refuses the same texts as the
// Decoder and yields the same tokens (a differential fuzz test holds it to
// that); only the wording of syntax errors differs.
type tokenReader struct {
	b     []byte
	i     int
	state tokenState
	stack []tokenState // the states to return to as containers close
}

type tokenState uint8

// The states of json.Decoder's token reader, by the same names.
const (
	tokenTopValue tokenState = iota
	tokenArrayStart
	tokenArrayValue
	tokenArrayComma
	tokenObjectStart
	tokenObjectKey
	tokenObjectColon
	tokenObjectValue
	tokenObjectComma
)

func newTokenReader(b []byte) *tokenReader { return &tokenReader{b: b} }

// syntaxError is a fault of JSON syntax at byte offset (counted from 0).
type syntaxError struct {
	msg    string
	offset int
}

func (e *syntaxError) Error() string { return e.msg }

func (r *tokenReader) fail(format string, args ...any) error {
	return &syntaxError{msg: fmt.Sprintf(format, args...), offset: r.i}
}

// eof is what running out of text means: the end of the stream between
// top-level values, too early inside one.
func (r *tokenReader) eof() error {
	if r.state == tokenTopValue && len(r.stack) == 0 {
		return io.EOF
	}
	return io.ErrUnexpectedEOF
}

func (r *tokenReader) skipSpace() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *tokenReader) valueAllowed() bool {
	switch r.state {
	case tokenTopValue, tokenArrayStart, tokenArrayValue, tokenObjectValue:
		return true
	}
	return false
}

func (r *tokenReader) valueEnd() {
	switch r.state {
	case tokenArrayStart, tokenArrayValue:
		r.state = tokenArrayComma
	case tokenObjectValue:
		r.state = tokenObjectComma
	}
}

// context names where the reader is, for messages.
func (r *tokenReader) context() string {
	switch r.state {
	case tokenArrayComma:
		return "after array element"
	case tokenObjectKey:
		return "looking for beginning of object key string"
	case tokenObjectColon:
		return "after object key"
	case tokenObjectComma:
		return "after object key:value pair"
	}
	return "looking for beginning of value"
}

func (r *tokenReader) unexpected(c byte) error {
	return r.fail("invalid character %s %s", quoteByte(c), r.context())
}

func quoteByte(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := fmt.Sprintf("%q", c)
	return "'" + s[1:len(s)-1] + "'"
}

// More reports whether the current array or object has another element.
func (r *tokenReader) More() bool {
	r.skipSpace()
	return r.i < len(r.b) && r.b[r.i] != ']' && r.b[r.i] != '}'
}

// Token returns the next token: json.Delim for brackets and braces, string,
// json.Number, bool, or nil for null; commas and colons are checked and
// passed over. At the end of the text it returns io.EOF.
func (r *tokenReader) Token() (json.Token, error) {
	for {
		r.skipSpace()
		if r.i >= len(r.b) {
			return nil, r.eof()
		}
		c := r.b[r.i]
		switch c {
		case '[', '{':
			if !r.valueAllowed() {
				return nil, r.unexpected(c)
			}
			r.i++
			r.stack = append(r.stack, r.state)
			r.state = tokenArrayStart
			if c == '{' {
				r.state = tokenObjectStart
			}
			return json.Delim(c), nil
		case ']', '}':
			// A container closes right after it opens or after a value.
			start, comma := tokenArrayStart, tokenArrayComma
			if c == '}' {
				start, comma = tokenObjectStart, tokenObjectComma
			}
			if r.state != start && r.state != comma {
				return nil, r.unexpected(c)
			}
			r.i++
			r.close()
			return json.Delim(c), nil
		case ':':
			if r.state != tokenObjectColon {
				return nil, r.unexpected(c)
			}
			r.i++
			r.state = tokenObjectValue
			continue
		case ',':
			switch r.state {
			case tokenArrayComma:
				r.state = tokenArrayValue
			case tokenObjectComma:
				r.state = tokenObjectKey
			default:
				return nil, r.unexpected(c)
			}
			r.i++
			continue
		case '"':
			if r.state == tokenObjectStart || r.state == tokenObjectKey {
				s, err := r.str()
				if err != nil {
					return nil, err
				}
				r.state = tokenObjectColon
				return s, nil
			}
		}
		if !r.valueAllowed() {
			return nil, r.unexpected(c)
		}
		v, err := r.scalar()
		if err != nil {
			return nil, err
		}
		r.valueEnd()
		return v, nil
	}
}

// close ends the container being read.
func (r *tokenReader) close() {
	r.state = r.stack[len(r.stack)-1]
	r.stack = r.stack[:len(r.stack)-1]
	r.valueEnd()
}

// Raw reads the next value whole and returns its text, as Decode into a
// json.RawMessage does (but without copying it).
func (r *tokenReader) Raw() (json.RawMessage, error) {
	r.skipSpace()
	switch r.state {
	case tokenArrayComma:
		if r.i >= len(r.b) {
			return nil, io.ErrUnexpectedEOF
		}
		if r.b[r.i] != ',' {
			return nil, r.fail("invalid character %s after array element", quoteByte(r.b[r.i]))
		}
		r.i++
		r.state = tokenArrayValue
	case tokenObjectColon:
		if r.i >= len(r.b) {
			return nil, io.ErrUnexpectedEOF
		}
		if r.b[r.i] != ':' {
			return nil, r.fail("invalid character %s after object key", quoteByte(r.b[r.i]))
		}
		r.i++
		r.state = tokenObjectValue
	}
	if !r.valueAllowed() {
		return nil, r.fail("not at beginning of value")
	}
	r.skipSpace()
	start := r.i
	if err := r.skipValue(); err != nil {
		return nil, err
	}
	r.valueEnd()
	return json.RawMessage(r.b[start:r.i:r.i]), nil
}

// skipValue passes over one value, checking its syntax. It keeps its own
// stack of open containers, so that no nesting exhausts the goroutine's.
func (r *tokenReader) skipValue() error {
	var open []byte // ']' or '}' for each open container
	for {
		// A value.
		r.skipSpace()
		if r.i >= len(r.b) {
			return io.ErrUnexpectedEOF
		}
		switch c := r.b[r.i]; c {
		case '[', '{':
			r.i++
			r.skipSpace()
			close := byte(']')
			if c == '{' {
				close = '}'
			}
			if r.i < len(r.b) && r.b[r.i] == close {
				r.i++
				break // an empty container is a whole value
			}
			open = append(open, close)
			if close == '}' {
				if err := r.member(); err != nil {
					return err
				}
			}
			continue
		case '"':
			if err := r.skipString(); err != nil {
				return err
			}
		case 't':
			if err := r.literal("true"); err != nil {
				return err
			}
		case 'f':
			if err := r.literal("false"); err != nil {
				return err
			}
		case 'n':
			if err := r.literal("null"); err != nil {
				return err
			}
		default:
			if c != '-' && (c < '0' || c > '9') {
				return r.unexpected(c)
			}
			if err := r.skipNumber(); err != nil {
				return err
			}
		}
		// After a value: close containers, or go on to the next element.
		for {
			if len(open) == 0 {
				return nil
			}
			r.skipSpace()
			if r.i >= len(r.b) {
				return io.ErrUnexpectedEOF
			}
			last := open[len(open)-1]
			c := r.b[r.i]
			if c == last {
				r.i++
				open = open[:len(open)-1]
				continue
			}
			if c != ',' {
				if last == ']' {
					return r.fail("invalid character %s after array element", quoteByte(c))
				}
				return r.fail("invalid character %s after object key:value pair", quoteByte(c))
			}
			r.i++
			if last == '}' {
				if err := r.member(); err != nil {
					return err
				}
			}
			break
		}
	}
}

// member reads an object member's key and colon, up to its value.
func (r *tokenReader) member() error {
	r.skipSpace()
	if r.i >= len(r.b) {
		return io.ErrUnexpectedEOF
	}
	if r.b[r.i] != '"' {
		return r.fail("invalid character %s looking for beginning of object key string", quoteByte(r.b[r.i]))
	}
	if err := r.skipString(); err != nil {
		return err
	}
	r.skipSpace()
	if r.i >= len(r.b) {
		return io.ErrUnexpectedEOF
	}
	if r.b[r.i] != ':' {
		return r.fail("invalid character %s after object key", quoteByte(r.b[r.i]))
	}
	r.i++
	return nil
}

// scalar reads a string, number, true, false or null.
func (r *tokenReader) scalar() (json.Token, error) {
	c := r.b[r.i]
	switch {
	case c == '"':
		return r.str()
	case c == '-' || (c >= '0' && c <= '9'):
		start := r.i
		if err := r.skipNumber(); err != nil {
			return nil, err
		}
		return json.Number(r.b[start:r.i]), nil
	case c == 't':
		return true, r.literal("true")
	case c == 'f':
		return false, r.literal("false")
	case c == 'n':
		return nil, r.literal("null")
	}
	return nil, r.unexpected(c)
}

func (r *tokenReader) literal(word string) error {
	for k := 0; k < len(word); k++ {
		if r.i >= len(r.b) {
			return io.ErrUnexpectedEOF
		}
		if r.b[r.i] != word[k] {
			return r.fail("invalid character %s in literal %s (expecting %s)", quoteByte(r.b[r.i]), word, quoteByte(word[k]))
		}
		r.i++
	}
	return nil
}

// skipNumber passes over a number as JSON writes it:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *tokenReader) skipNumber() error {
	digits := func() int {
		n := 0
		for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
			r.i++
			n++
		}
		return n
	}
	need := func(what string) error {
		if r.i >= len(r.b) {
			return io.ErrUnexpectedEOF
		}
		return r.fail("invalid character %s %s", quoteByte(r.b[r.i]), what)
	}
	if r.b[r.i] == '-' {
		r.i++
	}
	switch {
	case r.i < len(r.b) && r.b[r.i] == '0':
		r.i++
	case digits() == 0:
		return need("in numeric literal")
	}
	if r.i < len(r.b) && r.b[r.i] == '.' {
		r.i++
		if digits() == 0 {
			return need("after decimal point in numeric literal")
		}
	}
	if r.i < len(r.b) && (r.b[r.i] == 'e' || r.b[r.i] == 'E') {
		r.i++
		if r.i < len(r.b) && (r.b[r.i] == '+' || r.b[r.i] == '-') {
			r.i++
		}
		if digits() == 0 {
			return need("in exponent of numeric literal")
		}
	}
	return nil
}

// skipString passes over a string (see scanString).
func (r *tokenReader) skipString() error {
	_, err := r.scanString()
	return err
}

// scanString passes over a string, checking its escapes and that it holds no
// control character (encoding/json takes any other byte, valid UTF-8 or
// not). plain says that it has no escapes and only printable ASCII, so that
// its value is its text.
func (r *tokenReader) scanString() (plain bool, err error) {
	r.i++ // the opening quote
	plain = true
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return plain, nil
		case c < 0x20:
			return false, r.fail("invalid character %s in string literal", quoteByte(c))
		case c == '\\':
			plain = false
			r.i++
			if r.i >= len(r.b) {
				return false, io.ErrUnexpectedEOF
			}
			switch r.b[r.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				r.i++
			case 'u':
				r.i++
				for k := 0; k < 4; k++ {
					if r.i >= len(r.b) {
						return false, io.ErrUnexpectedEOF
					}
					if !isHex(r.b[r.i]) {
						return false, r.fail("invalid character %s in \\u hexadecimal character escape", quoteByte(r.b[r.i]))
					}
					r.i++
				}
			default:
				return false, r.fail("invalid character %s in string escape code", quoteByte(r.b[r.i]))
			}
		default:
			if c >= 0x7f {
				plain = false
			}
			r.i++
		}
	}
	return false, io.ErrUnexpectedEOF
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// str reads a string and returns its value: as written when it is plain
// ASCII without escapes, else unquoted by encoding/json itself, so that
// escapes, invalid UTF-8 and lone surrogates come out exactly as they would
// there (replaced by U+FFFD).
func (r *tokenReader) str() (string, error) {
	start := r.i
	plain, err := r.scanString()
	if err != nil {
		return "", err
	}
	if plain {
		return string(r.b[start+1 : r.i-1]), nil
	}
	var s string
	if err := json.Unmarshal(r.b[start:r.i], &s); err != nil {
		return "", r.fail("%s", err.Error())
	}
	return s, nil
}
