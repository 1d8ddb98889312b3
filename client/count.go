package client

import (
	"context"
	"errors"
	"net/http"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/jsonscan"
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
// value of key in the JSON object doc (the last, if the key repeats, as in
// encoding/json), passing over every other value without decoding it. The
// whole document is checked as JSON (package jsonscan).
func countMembers(doc []byte, key string) (int, error) {
	s := jsonscan.Scanner{B: doc}
	s.WS()
	if !s.Eat('{') {
		return 0, errNotJSON
	}
	count, found := 0, false
	for first := true; ; first = false {
		s.WS()
		if s.Eat('}') {
			if s.WS(); !found || s.I != len(s.B) {
				return 0, errNotJSON // the key is missing, or more follows
			}
			return count, nil
		}
		if !first {
			if !s.Eat(',') {
				return 0, errNotJSON
			}
			s.WS()
		}
		name, err := s.Str()
		if err != nil {
			return 0, err
		}
		isKey := string(name) == key
		if s.WS(); !s.Eat(':') {
			return 0, errNotJSON
		}
		s.WS()
		if !isKey {
			if err := s.SkipValue(0); err != nil {
				return 0, err
			}
			continue
		}
		if !s.Eat('[') {
			return 0, errNotJSON
		}
		count, found = 0, true
		for {
			s.WS()
			if s.Eat(']') {
				break
			}
			if count > 0 {
				if !s.Eat(',') {
					return 0, errNotJSON
				}
				s.WS()
			}
			if err := s.SkipValue(0); err != nil {
				return 0, err
			}
			count++
		}
	}
}
