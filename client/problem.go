package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/deconflict/deconflict"
)

// Problem is an error answer of the server: an RFC 9457 problem document,
// with the field faults of a validation failure and the blocking conflicts
// of a 409. An answer that is not a problem document (a proxy's HTML page,
// say) becomes a Problem with Status and Title from the HTTP status and the
// start of the body as Detail.
type Problem struct {
	Type      string                  `json:"type"`
	Title     string                  `json:"title"`
	Status    int                     `json:"status"`
	Detail    string                  `json:"detail"`
	Errors    []deconflict.FieldError `json:"errors,omitempty"`
	Conflicts []deconflict.Blocking   `json:"conflicts,omitempty"`
}

// Error renders the problem on one line: status, title, detail and every
// field fault, so that a log line or a CLI message says what to fix.
func (p *Problem) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", p.Status, p.Title)
	if p.Detail != "" && p.Detail != p.Title {
		b.WriteString(": ")
		b.WriteString(p.Detail)
	}
	for i, f := range p.Errors {
		if i == 0 && p.Detail == f.Field+": "+f.Message {
			continue // the detail already is the first fault
		}
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if n := len(p.Conflicts); n > 0 {
		fmt.Fprintf(&b, " (%d blocking conflict", n)
		if n > 1 {
			b.WriteString("s")
		}
		b.WriteString(")")
	}
	return b.String()
}

// newProblem decodes an error answer.
func newProblem(resp *http.Response, body []byte) *Problem {
	p := &Problem{}
	if err := json.Unmarshal(body, p); err != nil || p.Status == 0 && p.Title == "" {
		p = &Problem{Detail: strings.TrimSpace(truncate(string(body), 200))}
	}
	if p.Status == 0 {
		p.Status = resp.StatusCode
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	return p
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// StatusOf returns the HTTP status of a Problem in err's chain, or 0 when
// err is nil or not an answer of the server (a network failure, say).
func StatusOf(err error) int {
	var p *Problem
	if errors.As(err, &p) {
		return p.Status
	}
	return 0
}

// AwareOf returns the aware_of entries that acknowledge every blocking
// conflict of a 409 that can be acknowledged: the other object at the
// version shown when the caller may see it, else its opaque ref. Conflicts
// denied by a zone are left out: no aware_of entry lifts them.
func (p *Problem) AwareOf() []deconflict.AwareOf {
	var out []deconflict.AwareOf
	for _, c := range p.Conflicts {
		if c.Reason == deconflict.ReasonDenied {
			continue
		}
		out = append(out, AwareOfConflict(c.Conflict))
	}
	return out
}

// AwareOfConflict returns the aware_of entry that names the other side of c.
func AwareOfConflict(c deconflict.Conflict) deconflict.AwareOf {
	if c.With != nil {
		return deconflict.AwareOf{Kind: c.With.Kind, Party: c.With.Party, ID: c.With.ID, Version: c.With.Version}
	}
	return deconflict.AwareOf{Ref: c.Ref}
}
