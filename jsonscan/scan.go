// Package jsonscan reads JSON text in place, value by value, without
// decoding it into Go values: the track readers (package feed) parse each
// report line with it, field by field, and the client counts the conflicts
// of an answer with it. It is strict where encoding/json is lenient
// (invalid UTF-8 and lone surrogates are refused, not replaced).
package jsonscan

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Scanner reads JSON values from text held in memory: B, from byte I on.
// It is strict so that a line means one thing to every reader of the
// ledger. A Scanner may be reused for another text by setting B and I.
type Scanner struct {
	B   []byte
	I   int
	tmp []byte // unescaped string contents, reused
}

// MaxNesting bounds arrays and objects inside a value that is skipped.
const MaxNesting = 32

func (s *Scanner) WS() {
	for s.I < len(s.B) && isSpace(s.B[s.I]) {
		s.I++
	}
}

func (s *Scanner) Eat(c byte) bool {
	if s.I < len(s.B) && s.B[s.I] == c {
		s.I++
		return true
	}
	return false
}

// what describes the value at the cursor for messages: "a string", "null".
func (s *Scanner) What() string {
	if s.I >= len(s.B) {
		return "the end of the line"
	}
	switch c := s.B[s.I]; {
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

var ErrEnds = errors.New("the JSON text ends too early")

// str reads a string at the cursor. The contents alias the line when the
// string has no escapes, else s.tmp; either way they are valid until the
// next call.
func (s *Scanner) Str() ([]byte, error) {
	if !s.Eat('"') {
		return nil, fmt.Errorf("expected a string, found %s", s.What())
	}
	start := s.I
	ascii := true
	for s.I < len(s.B) {
		c := s.B[s.I]
		switch {
		case c == '"':
			v := s.B[start:s.I]
			s.I++
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
		s.I++
	}
	return nil, ErrEnds
}

// escaped finishes a string that holds escapes, from its first byte at start.
func (s *Scanner) escaped(start int) ([]byte, error) {
	out := append(s.tmp[:0], s.B[start:s.I]...)
	for s.I < len(s.B) {
		c := s.B[s.I]
		switch {
		case c == '"':
			s.I++
			s.tmp = out
			if !utf8.Valid(out) {
				return nil, errors.New("a string is not valid UTF-8")
			}
			return out, nil
		case c < 0x20:
			return nil, errors.New("a string holds a control character; escape it")
		case c != '\\':
			out = append(out, c)
			s.I++
			continue
		}
		if s.I+1 >= len(s.B) {
			return nil, ErrEnds
		}
		e := s.B[s.I+1]
		s.I += 2
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
				if s.I+1 < len(s.B) && s.B[s.I] == '\\' && s.B[s.I+1] == 'u' {
					s.I += 2
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
	return nil, ErrEnds
}

func (s *Scanner) hex4() (rune, bool) {
	if s.I+4 > len(s.B) {
		return 0, false
	}
	var r rune
	for _, c := range s.B[s.I : s.I+4] {
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
	s.I += 4
	return r, true
}

// number reads a number at the cursor, by the JSON grammar (no NaN, no
// Infinity, no leading zeros or plus signs, no hex).
func (s *Scanner) Number() (float64, error) {
	start := s.I
	s.Eat('-')
	switch {
	case s.Eat('0'):
	case s.I < len(s.B) && s.B[s.I] >= '1' && s.B[s.I] <= '9':
		s.digits()
	default:
		s.I = start
		return 0, fmt.Errorf("expected a number, found %s", s.What())
	}
	if s.Eat('.') {
		if s.digits() == 0 {
			return 0, errors.New("a number needs digits after its decimal point")
		}
	}
	if s.Eat('e') || s.Eat('E') {
		if !s.Eat('+') {
			s.Eat('-')
		}
		if s.digits() == 0 {
			return 0, errors.New("a number needs digits in its exponent")
		}
	}
	v, err := strconv.ParseFloat(string(s.B[start:s.I]), 64)
	if err != nil {
		return 0, fmt.Errorf("the number %s is out of range", s.B[start:s.I])
	}
	return v, nil
}

func (s *Scanner) digits() int {
	n := 0
	for s.I < len(s.B) && isDigit(s.B[s.I]) {
		s.I++
		n++
	}
	return n
}

// literal reads true, false or null if one is at the cursor.
func (s *Scanner) Literal(word string) bool {
	if len(s.B)-s.I >= len(word) && string(s.B[s.I:s.I+len(word)]) == word {
		s.I += len(word)
		return true
	}
	return false
}

// skipValue reads over one value of any kind, checking its syntax.
func (s *Scanner) SkipValue(depth int) error {
	if s.I >= len(s.B) {
		return ErrEnds
	}
	switch s.B[s.I] {
	case '"':
		_, err := s.Str()
		return err
	case 't':
		if s.Literal("true") {
			return nil
		}
	case 'f':
		if s.Literal("false") {
			return nil
		}
	case 'n':
		if s.Literal("null") {
			return nil
		}
	case '[', '{':
		if depth >= MaxNesting {
			return fmt.Errorf("arrays and objects nest deeper than %d levels", MaxNesting)
		}
		closer := byte(']')
		if s.B[s.I] == '{' {
			closer = '}'
		}
		s.I++
		s.WS()
		if s.Eat(closer) {
			return nil
		}
		for {
			s.WS()
			if closer == '}' {
				if _, err := s.Str(); err != nil {
					return err
				}
				s.WS()
				if !s.Eat(':') {
					return fmt.Errorf("expected ':' after a member name, found %s", s.What())
				}
				s.WS()
			}
			if err := s.SkipValue(depth + 1); err != nil {
				return err
			}
			s.WS()
			if s.Eat(closer) {
				return nil
			}
			if !s.Eat(',') {
				return fmt.Errorf("expected ',' or '%c', found %s", closer, s.What())
			}
		}
	default:
		_, err := s.Number()
		return err
	}
	return fmt.Errorf("expected a value, found %s", s.What())
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
