package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/deconflict/deconflict"
)

// CheckConflictsCount is CheckConflicts for a caller that needs only how
// many conflicts there would be (a load generator, a probe): the answer's
// conflicts are counted, not decoded. Decoding a dozen conflicts costs a
// client about half of what the server spends judging them, which on a
// machine the two share is the server's loss.
func (c *Client) CheckConflictsCount(ctx context.Context, volumes []deconflict.Volume, shareWith []string) (int, error) {
	body, err := jsonBody(struct {
		Volumes   []deconflict.Volume `json:"volumes"`
		ShareWith []string            `json:"share_with,omitempty"`
	}{volumes, shareWith})
	if err != nil {
		return 0, err
	}
	var data []byte
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/conflicts:check", body: body, out: &data}); err != nil {
		return 0, err
	}
	n, err := countMembers(data, "conflicts")
	if err != nil {
		return 0, errors.New("POST /v1/conflicts:check: the answer is not {\"conflicts\": [...]}: " + err.Error())
	}
	return n, nil
}

var errNotJSON = errors.New("not the JSON expected")

// countMembers returns the number of elements of the array that is the
// value of key in the JSON object doc, skipping every value without
// decoding it. It checks the structure it walks (brackets, strings and
// their escapes, separators), not the spelling of numbers and literals.
func countMembers(doc []byte, key string) (int, error) {
	s := scanner{b: doc}
	if !s.consume('{') {
		return 0, errNotJSON
	}
	count, found := 0, false
	for first := true; ; first = false {
		if s.consume('}') {
			if s.space(); !found || s.i != len(s.b) {
				return 0, errNotJSON // the key is missing, or more follows
			}
			return count, nil
		}
		if !first && !s.consume(',') {
			return 0, errNotJSON
		}
		name, ok := s.str()
		if !ok || !s.consume(':') {
			return 0, errNotJSON
		}
		if !sameKey(name, key) {
			if !s.skip(0) {
				return 0, errNotJSON
			}
			continue
		}
		// The last of repeated keys counts, as in encoding/json.
		if !s.consume('[') {
			return 0, errNotJSON
		}
		count, found = 0, true
		for !s.consume(']') {
			if count > 0 && !s.consume(',') {
				return 0, errNotJSON
			}
			if !s.skip(0) {
				return 0, errNotJSON
			}
			count++
		}
	}
}

// sameKey reports whether the raw text of a member's name spells key.
func sameKey(raw []byte, key string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == key
	}
	var name string
	return json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &name) == nil && name == key
}

// scanner walks JSON text.
type scanner struct {
	b []byte
	i int
}

// maxDepth bounds nesting, so that no input exhausts the stack.
const maxDepth = 64

func (s *scanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// consume skips white space and c, reporting whether c was there.
func (s *scanner) consume(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string, returning its text with escapes left as they are.
func (s *scanner) str() ([]byte, bool) {
	if !s.consume('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\':
			s.i += 2
		case c < 0x20:
			return nil, false
		default:
			s.i++
		}
	}
	return nil, false
}

// skip passes over one value of any kind.
func (s *scanner) skip(depth int) bool {
	if depth > maxDepth {
		return false
	}
	s.space()
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"':
		_, ok := s.str()
		return ok
	case '{':
		s.i++
		for n := 0; !s.consume('}'); n++ {
			if n > 0 && !s.consume(',') {
				return false
			}
			if _, ok := s.str(); !ok || !s.consume(':') || !s.skip(depth+1) {
				return false
			}
		}
		return true
	case '[':
		s.i++
		for n := 0; !s.consume(']'); n++ {
			if (n > 0 && !s.consume(',')) || !s.skip(depth+1) {
				return false
			}
		}
		return true
	default: // a number, true, false or null: up to the next delimiter
		start := s.i
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return s.i > start
			case '"', '{', '[', ':':
				return false
			}
			s.i++
		}
		return s.i > start
	}
}
