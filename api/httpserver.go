package api

import (
	"net/http"
	"time"
)

// Timeouts of NewHTTPServer. There is no write timeout: the event stream
// (SSE) keeps answers open for hours, and each handler bounds its own work.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
)

// NewHTTPServer returns an http.Server for h on addr with timeouts that keep
// a slow or silent client from holding a connection forever (slowloris).
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}
