package feed

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads JSON values from one line held in memory. It is strict where
// encoding/json is lenient (invalid UTF-8 and lone surrogates are refused,
// not replaced) so that a line means one thing to every reader of the ledger.
type scanner struct {
	b   []byte
	i   int
	tmp []byte // unescaped string contents, reused
}

// maxNesting bounds arrays and objects inside a value that is skipped.
const maxNesting = 32

func (s *scanner) ws() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// what describes the value at the cursor for messages: "a string", "null".
func (s *scanner) what() string {
	if s.i >= len(s.b) {
		return "the end of the line"
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || isDigit(c):
		return "a number"
	default:
		return fmt.Sprintf("%q", rune(c))
	}
}

var errEnds = errors.New("the JSON text ends too early")

// str reads a string at the cursor. The contents alias the line when the
// string has no escapes, else s.tmp; either way they are valid until the
// next call.
func (s *scanner) str() ([]byte, error) {
	if !s.eat('"') {
		return nil, fmt.Errorf("expected a string, found %s", s.what())
	}
	start := s.i
	ascii := true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			if !ascii && !utf8.Valid(v) {
				return nil, errors.New("a string is not valid UTF-8")
			}
			return v, nil
		case c == '\\':
			return s.escaped(start)
		case c < 0x20:
			return nil, errors.New("a string holds a control character; escape it")
		case c >= 0x80:
			ascii = false
		}
		s.i++
	}
	return nil, errEnds
}

// escaped finishes a string that holds escapes, from its first byte at start.
func (s *scanner) escaped(start int) ([]byte, error) {
	out := append(s.tmp[:0], s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			s.tmp = out
			if !utf8.Valid(out) {
				return nil, errors.New("a string is not valid UTF-8")
			}
			return out, nil
		case c < 0x20:
			return nil, errors.New("a string holds a control character; escape it")
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			return nil, errEnds
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return nil, errors.New(`a \u escape needs four hex digits`)
			}
			if utf16.IsSurrogate(r) {
				var r2 rune = -1
				if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					s.i += 2
					r2, ok = s.hex4()
					if !ok {
						return nil, errors.New(`a \u escape needs four hex digits`)
					}
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return nil, errors.New("a string holds a lone UTF-16 surrogate")
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, fmt.Errorf("a string holds the unknown escape \\%c", e)
		}
	}
	s.tmp = out
	return nil, errEnds
}

func (s *scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		switch {
		case isDigit(c):
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	s.i += 4
	return r, true
}

// number reads a number at the cursor, by the JSON grammar (no NaN, no
// Infinity, no leading zeros or plus signs, no hex).
func (s *scanner) number() (float64, error) {
	start := s.i
	s.eat('-')
	switch {
	case s.eat('0'):
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		s.i = start
		return 0, fmt.Errorf("expected a number, found %s", s.what())
	}
	if s.eat('.') {
		if s.digits() == 0 {
			return 0, errors.New("a number needs digits after its decimal point")
		}
	}
	if s.eat('e') || s.eat('E') {
		if !s.eat('+') {
			s.eat('-')
		}
		if s.digits() == 0 {
			return 0, errors.New("a number needs digits in its exponent")
		}
	}
	v, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
	if err != nil {
		return 0, fmt.Errorf("the number %s is out of range", s.b[start:s.i])
	}
	return v, nil
}

func (s *scanner) digits() int {
	n := 0
	for s.i < len(s.b) && isDigit(s.b[s.i]) {
		s.i++
		n++
	}
	return n
}

// literal reads true, false or null if one is at the cursor.
func (s *scanner) literal(word string) bool {
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

// skipValue reads over one value of any kind, checking its syntax.
func (s *scanner) skipValue(depth int) error {
	if s.i >= len(s.b) {
		return errEnds
	}
	switch s.b[s.i] {
	case '"':
		_, err := s.str()
		return err
	case 't':
		if s.literal("true") {
			return nil
		}
	case 'f':
		if s.literal("false") {
			return nil
		}
	case 'n':
		if s.literal("null") {
			return nil
		}
	case '[', '{':
		if depth >= maxNesting {
			return fmt.Errorf("arrays and objects nest deeper than %d levels", maxNesting)
		}
		closer := byte(']')
		if s.b[s.i] == '{' {
			closer = '}'
		}
		s.i++
		s.ws()
		if s.eat(closer) {
			return nil
		}
		for {
			s.ws()
			if closer == '}' {
				if _, err := s.str(); err != nil {
					return err
				}
				s.ws()
				if !s.eat(':') {
					return fmt.Errorf("expected ':' after a member name, found %s", s.what())
				}
				s.ws()
			}
			if err := s.skipValue(depth + 1); err != nil {
				return err
			}
			s.ws()
			if s.eat(closer) {
				return nil
			}
			if !s.eat(',') {
				return fmt.Errorf("expected ',' or '%c', found %s", closer, s.what())
			}
		}
	default:
		_, err := s.number()
		return err
	}
	return fmt.Errorf("expected a value, found %s", s.what())
}
