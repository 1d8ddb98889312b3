package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/deconflict/deconflict"
)

// readyTimeout bounds a readiness check, so that a stuck store makes the
// probe fail rather than hang.
const readyTimeout = 2 * time.Second

type statusAnswer struct {
	Status string `json:"status"`
}

// healthz answers while the process serves HTTP at all (liveness).
func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ deconflict.Caller) error {
	writeJSON(w, http.StatusOK, statusAnswer{Status: "ok"})
	return nil
}

// readyz answers 200 when the store can serve, 503 otherwise; the cause is
// logged, not shown (it may name files or hosts).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ deconflict.Caller) error {
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			s.log.WarnContext(r.Context(), "not ready", slog.Any("error", err))
			return deconflict.Errorf(deconflict.EUNAVAILABLE, "the store is not ready; retry later")
		}
	}
	writeJSON(w, http.StatusOK, statusAnswer{Status: "ok"})
	return nil
}
