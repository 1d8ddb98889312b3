package api

import (
	"net/http"
	"sync"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/jsonenc"
)

// checkBody is POST /v1/conflicts:check: volumes as an operation would have
// them, and the sharing it would have (which decides what its owners see).
type checkBody struct {
	Volumes   []volumeBody `json:"volumes"`
	ShareWith []string     `json:"share_with"`
}

// decodeCheck decodes a check body; its volumes follow the rules of an
// operation's (altitudes, start and end required).
func decodeCheck(data []byte, lim deconflict.Limits) ([]deconflict.Volume, []string, error) {
	var b checkBody
	if err := decodeStrict(data, "", &b); err != nil {
		return nil, nil, err
	}
	var f deconflict.FieldErrors
	vs := toVolumes(b.Volumes, true, &f)
	if err := f.Err(); err != nil {
		return nil, nil, err
	}
	// An operation that exists only for the check: its Validate holds the
	// rules for volumes and share_with, with the same paths.
	probe := deconflict.Operation{ID: "check", State: deconflict.StatePlanned, Volumes: vs, ShareWith: b.ShareWith}
	if err := probe.Validate(lim); err != nil {
		return nil, nil, err
	}
	return vs, b.ShareWith, nil
}

func (s *Server) checkConflicts(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	if _, err := query(r); err != nil {
		return err
	}
	data, err := s.readBody(w, r, mediaJSON)
	if err != nil {
		return err
	}
	vs, shareWith, err := decodeCheck(data, s.limits)
	if err != nil {
		return err
	}
	cs, err := s.cfg.Conflicts.CheckConflicts(r.Context(), c, vs, shareWith)
	if err != nil {
		return err
	}
	writeConflicts(w, cs)
	return nil
}

func (s *Server) listConflicts(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	q, err := query(r, "state")
	if err != nil {
		return err
	}
	var state deconflict.ConflictState
	if q.Has("state") {
		switch st := deconflict.ConflictState(q.Get("state")); st {
		case deconflict.ConflictOpen, deconflict.ConflictClosed:
			state = st
		default:
			return deconflict.Invalid("state: must be open or closed",
				deconflict.FieldError{Field: "state", Message: "must be open or closed, or left out for all (got " + quote(string(st)) + ")"})
		}
	}
	cs, err := s.cfg.Conflicts.Conflicts(r.Context(), c, state)
	if err != nil {
		return err
	}
	writeConflicts(w, cs)
	return nil
}

// writeConflicts answers 200 with {"conflicts": cs}, encoded without
// reflection (package jsonenc) into a pooled buffer: every check answers
// with such a list.
func writeConflicts(w http.ResponseWriter, cs []deconflict.Conflict) {
	bp, _ := answerBufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	b := append((*bp)[:0], `{"conflicts":[`...)
	defer func() {
		if cap(b) <= 64<<10 { // a long listing's buffer is not kept
			*bp = b[:0]
			answerBufs.Put(bp)
		}
	}()
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = jsonenc.AppendConflict(b, c); err != nil {
			writeJSON(w, http.StatusOK, map[string]any{"conflicts": orEmpty(cs)})
			return
		}
	}
	b = append(b, "]}\n"...)
	writeBytes(w, http.StatusOK, "application/json", b)
}

// answerBufs holds *[]byte for answers encoded by hand; Write has copied or
// sent a body by the time it returns, so the buffer serves the next answer.
var answerBufs sync.Pool
