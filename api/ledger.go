package api

import (
	"net/http"

	"github.com/deconflict/deconflict"
)

// ledgerCheckpoint is GET /v1/ledger/checkpoint: the latest signed note.
func (s *Server) ledgerCheckpoint(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	if _, err := query(r); err != nil {
		return err
	}
	note, err := s.cfg.Ledger.Checkpoint(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(note) //nolint:errcheck // the client has gone
	return nil
}

// ledgerKey is GET /v1/ledger/key: the verifier key to pin.
func (s *Server) ledgerKey(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	if _, err := query(r); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"verifier_key": s.cfg.Ledger.VerifierKey()})
	return nil
}

func (s *Server) ledgerEntries(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	q, err := query(r, "start", "end")
	if err != nil {
		return err
	}
	var f deconflict.FieldErrors
	start, end := int64(0), int64(-1)
	if q.Has("start") {
		start = parseInt64(q.Get("start"), "start", &f)
	}
	if q.Has("end") {
		end = parseInt64(q.Get("end"), "end", &f)
	} else {
		f.Add("end", "is required: the index after the last entry wanted")
	}
	if err := f.Err(); err != nil {
		return err
	}
	es, err := s.cfg.Ledger.Entries(r.Context(), c, start, end)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": es})
	return nil
}

func (s *Server) inclusionProof(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	q, err := query(r, "index", "size")
	if err != nil {
		return err
	}
	var f deconflict.FieldErrors
	index := parseInt64(q.Get("index"), "index", &f)
	size := parseInt64(q.Get("size"), "size", &f)
	if err := f.Err(); err != nil {
		return err
	}
	p, err := s.cfg.Ledger.InclusionProof(r.Context(), index, size)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"index": index, "size": size, "proof": orEmpty(p)})
	return nil
}

func (s *Server) consistencyProof(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	q, err := query(r, "from", "to")
	if err != nil {
		return err
	}
	var f deconflict.FieldErrors
	from := parseInt64(q.Get("from"), "from", &f)
	to := parseInt64(q.Get("to"), "to", &f)
	if err := f.Err(); err != nil {
		return err
	}
	p, err := s.cfg.Ledger.ConsistencyProof(r.Context(), from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "proof": orEmpty(p)})
	return nil
}
