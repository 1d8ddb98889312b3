package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
)

// Config is what a Server needs: the services it calls and the limits it
// enforces.
type Config struct {
	Accounts   deconflict.AccountService
	Operations deconflict.OperationService
	Zones      deconflict.ZoneService
	Conflicts  deconflict.ConflictService
	Events     deconflict.EventService
	Ledger     deconflict.LedgerService
	Live       LiveService                     // tracks and alerts; nil = 503 on those routes
	Ready      func(ctx context.Context) error // readiness (store ping); nil = always ready
	Settings   deconflict.Settings             // limits (body size, vertices, ...)
	Logger     *slog.Logger                    // nil = discard
	// Metrics, when set, appends series of other parts of the server (the
	// live picture, feeds) to GET /metrics, in the text exposition format.
	Metrics func(w io.Writer)
}

// Server is the HTTP API. It is an http.Handler, safe for concurrent use.
type Server struct {
	cfg     Config
	limits  deconflict.Limits
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *metrics
}

// NewServer returns the API over the services of cfg. Limits left zero in
// cfg.Settings take the defaults of SPEC §6.
func NewServer(cfg Config) *Server {
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), metrics: newMetrics()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.limits = withDefaults(cfg.Settings.Limits)
	for _, rt := range routes {
		s.mux.Handle(rt.method+" "+rt.path, s.handle(rt))
	}
	s.mux.HandleFunc("/", s.unrouted)
	return s
}

func withDefaults(l deconflict.Limits) deconflict.Limits {
	d := deconflict.DefaultSettings().Limits
	if l.MaxVertices == 0 {
		l.MaxVertices = d.MaxVertices
	}
	if l.MaxVolumes == 0 {
		l.MaxVolumes = d.MaxVolumes
	}
	if l.MaxWindow == 0 {
		l.MaxWindow = d.MaxWindow
	}
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	if l.MaxShareWith == 0 {
		l.MaxShareWith = d.MaxShareWith
	}
	return l
}

// ServeHTTP answers one request. A panic below is answered 500 and logged;
// it never takes the server down.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.metrics.inFlight.Add(1)
	rec := &recorder{ResponseWriter: w, route: "unmatched"}
	defer func() {
		p := recover()
		if p != nil && p != http.ErrAbortHandler {
			s.log.ErrorContext(r.Context(), "panic in handler", slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			if !rec.wroteHeader {
				s.fail(rec, r, fmt.Errorf("panic: %v", p))
			}
		}
		s.metrics.inFlight.Add(-1)
		s.metrics.observe(r.Method, rec.route, rec.statusCode(), time.Since(start))
		if p == http.ErrAbortHandler {
			panic(p)
		}
	}()
	s.mux.ServeHTTP(rec, r)
}

// handle wraps a route's handler: it names the route for the metrics,
// authenticates, and answers a returned error as a problem.
func (s *Server) handle(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec, ok := w.(*recorder); ok {
			rec.route = rt.path
		}
		var c deconflict.Caller
		if rt.access != public {
			var err error
			if c, err = s.authenticate(r, rt.access); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if err := rt.handler(s, w, r, c); err != nil {
			s.fail(w, r, err)
		}
	})
}

// unrouted answers what no route matches: 405 with Allow when the path is
// served for other methods, 404 otherwise.
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "PUT", "POST", "DELETE"} {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host}
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		s.fail(w, r, deconflict.Errorf(deconflict.ENOTFOUND, "no such route: %s %s", r.Method, clip(r.URL.Path)))
		return
	}
	if slices.Contains(allow, "GET") {
		allow = append(allow, "HEAD")
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	s.fail(w, r, deconflict.Errorf(codeMethodNotAllowed, "%s is not allowed on %s; allowed: %s", r.Method, clip(r.URL.Path), strings.Join(allow, ", ")))
}

// recorder remembers the status and route of an answer for the metrics.
type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	route       string
}

func (rec *recorder) WriteHeader(code int) {
	if !rec.wroteHeader {
		rec.status, rec.wroteHeader = code, true
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if !rec.wroteHeader {
		rec.WriteHeader(http.StatusOK)
	}
	return rec.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushing, deadlines).
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

func (rec *recorder) statusCode() int {
	if !rec.wroteHeader {
		return http.StatusOK
	}
	return rec.status
}
