package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/exchange"
	"github.com/deconflict/deconflict/sqlite"
	"github.com/deconflict/deconflict/strategic"
)

// dbFile is the SQLite file's name inside the data folder.
const dbFile = "deconflict.sqlite"

// serveConfig is everything `serve` runs with.
type serveConfig struct {
	addr       string
	data       string
	tlsCert    string
	tlsKey     string
	adminToken string // from DECONFLICT_ADMIN_TOKEN; "" = keep or generate
	settings   deconflict.Settings
	cacheSize  int
	sweepEvery time.Duration
	pprofAddr  string // "" = no profiling endpoint
	sbsListen  string // "" = no SBS-1 listener
	sbsParty   string // the party SBS-1 reports are attributed to
	// unrecorded: no events or ledger entries for strategic changes; only
	// bench --compare-record sets it (see exchange.Config.Unrecorded).
	unrecorded bool
}

// stack is the exchange on its store, and the SBS-1 counters.
type stack struct {
	*exchange.Exchange
	sbs *sbsCounters
}

// openStack opens the store in cfg.data and builds the exchange on it. A
// newly generated admin token is in the result, to be shown once.
func openStack(ctx context.Context, cfg serveConfig, log *slog.Logger) (*stack, error) {
	if err := os.MkdirAll(cfg.data, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	store, err := sqlite.Open(filepath.Join(cfg.data, dbFile))
	if err != nil {
		return nil, fmt.Errorf("opening the store in %s: %w", cfg.data, err)
	}
	sbs := &sbsCounters{}
	x, err := exchange.New(ctx, store, exchange.Config{
		KeyDir:     cfg.data,
		Origin:     ledgerOrigin,
		AdminToken: cfg.adminToken,
		Settings:   cfg.settings,
		Strategy:   strategic.Config{CacheSize: cfg.cacheSize},
		Logger:     log,
		Metrics:    sbs.write,
		Unrecorded: cfg.unrecorded,
	})
	if err != nil {
		store.Close()
		return nil, err
	}
	log.Info("ledger checkpoints are signed for", "verifier_key", x.VerifierKey)
	return &stack{Exchange: x, sbs: sbs}, nil
}

// Close stops the exchange (writing the alert events still queued), then
// closes the store.
func (s *stack) Close() error {
	return errors.Join(s.Exchange.Close(), s.Store.Close())
}

// ledgerOrigin names this exchange's log in its checkpoints.
const ledgerOrigin = "deconflict"

func runServe(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "serve", "")
	def := deconflict.DefaultSettings()
	cfg := serveConfig{settings: def}
	addr := f.String("addr", "DECONFLICT_ADDR", "127.0.0.1:8080", "address to listen on (port 0: any free port, logged)")
	data := f.String("data", "DECONFLICT_DATA", "./deconflict-data", "data folder; the SQLite file "+dbFile+" lives in it")
	tlsCert := f.String("tls-cert", "DECONFLICT_TLS_CERT", "", "PEM certificate file: serve https")
	tlsKey := f.String("tls-key", "DECONFLICT_TLS_KEY", "", "PEM private key file of --tls-cert")
	s := &cfg.settings
	latMin := f.Float("lateral-min-m", "DECONFLICT_LATERAL_MIN_M", def.OperationMinima.LateralM, "lateral minimum between operations, and between live aircraft, metres")
	vertMin := f.Float("vertical-min-m", "DECONFLICT_VERTICAL_MIN_M", def.OperationMinima.VerticalM, "vertical minimum between operations, and between live aircraft, metres")
	zLatMin := f.Float("zone-lateral-min-m", "DECONFLICT_ZONE_LATERAL_MIN_M", def.ZoneMinima.LateralM, "lateral minimum to zones without their own, metres")
	zVertMin := f.Float("zone-vertical-min-m", "DECONFLICT_ZONE_VERTICAL_MIN_M", def.ZoneMinima.VerticalM, "vertical minimum to zones without their own, metres")
	timeBuf := f.Duration("time-buffer", "DECONFLICT_TIME_BUFFER", def.TimeBuffer, "time buffer added on both sides of a submitted window")
	maxVert := f.Int("max-vertices", "DECONFLICT_MAX_VERTICES", def.Limits.MaxVertices, "most vertices a geometry may have")
	maxVol := f.Int("max-volumes", "DECONFLICT_MAX_VOLUMES", def.Limits.MaxVolumes, "most volumes an operation or zone may have")
	maxWin := f.Duration("max-window", "DECONFLICT_MAX_WINDOW", def.Limits.MaxWindow, "longest window of an operation volume")
	maxBody := f.Int64("max-body-bytes", "DECONFLICT_MAX_BODY_BYTES", def.Limits.MaxBodyBytes, "largest request body, bytes")
	maxShare := f.Int("max-share-with", "DECONFLICT_MAX_SHARE_WITH", def.Limits.MaxShareWith, "most entries in share_with and aware_of")
	cacheSize := f.Int("cache-size", "DECONFLICT_CACHE_SIZE", 0, "compiled objects kept in memory (0: the service's default)")
	sweep := f.Duration("sweep-interval", "DECONFLICT_SWEEP_INTERVAL", time.Minute, "how often conflicts whose window has ended are closed")
	memLimit := f.Int64("memory-limit-mib", "DECONFLICT_MEMORY_LIMIT_MIB", 900, "soft limit of the Go heap, MiB: the garbage collector works harder near it (0: none; GOMEMLIMIT, when set, wins)")
	pprofAddr := f.String("pprof", "DECONFLICT_PPROF", "", "serve Go profiles (net/http/pprof) on this loopback address, for performance work")
	sbsListen := f.String("sbs-listen", "DECONFLICT_SBS_LISTEN", "", "address to take SBS-1 BaseStation text on (TCP, as dump1090/readsb publish on port 30003); needs --sbs-party")
	sbsParty := f.String("sbs-party", "DECONFLICT_SBS_PARTY", "", "the party whose aircraft the SBS-1 reports are (it must exist)")
	logLevel := f.String("log-level", "DECONFLICT_LOG_LEVEL", "info", "log level: debug, info, warn, error")
	logFormat := f.String("log-format", "DECONFLICT_LOG_FORMAT", "text", "log format: text or json")
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	log, err := newLogger(e.stderr, *logLevel, *logFormat)
	if err != nil {
		return err
	}
	cfg.addr, cfg.data, cfg.tlsCert, cfg.tlsKey = *addr, *data, *tlsCert, *tlsKey
	cfg.adminToken = strings.TrimSpace(e.getenv("DECONFLICT_ADMIN_TOKEN"))
	s.OperationMinima = deconflict.Minima{LateralM: *latMin, VerticalM: *vertMin}
	s.ZoneMinima = deconflict.Minima{LateralM: *zLatMin, VerticalM: *zVertMin}
	s.TimeBuffer = *timeBuf
	s.Limits = deconflict.Limits{MaxVertices: *maxVert, MaxVolumes: *maxVol, MaxWindow: *maxWin, MaxBodyBytes: *maxBody, MaxShareWith: *maxShare}
	cfg.cacheSize, cfg.sweepEvery, cfg.pprofAddr = *cacheSize, *sweep, *pprofAddr
	cfg.sbsListen, cfg.sbsParty = *sbsListen, *sbsParty
	if err := checkServeConfig(cfg); err != nil {
		return err
	}
	// The index and compiled objects of 100,000 operations hold about half a
	// GiB; without a limit the collector lets the heap grow to twice what is
	// live before it runs.
	if *memLimit > 0 && e.getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(*memLimit << 20)
	}
	return serve(ctx, cfg, log, e.stdout)
}

// checkServeConfig refuses settings that would make the server misbehave
// rather than start with them.
func checkServeConfig(cfg serveConfig) error {
	s := cfg.settings
	for _, m := range []struct {
		name string
		v    float64
	}{{"--lateral-min-m", s.OperationMinima.LateralM}, {"--vertical-min-m", s.OperationMinima.VerticalM},
		{"--zone-lateral-min-m", s.ZoneMinima.LateralM}, {"--zone-vertical-min-m", s.ZoneMinima.VerticalM}} {
		if m.v < 0 || m.v != m.v || m.v > deconflict.MaxBufferM {
			return usagef("%s %g: want 0 to %g metres", m.name, m.v, float64(deconflict.MaxBufferM))
		}
	}
	if s.TimeBuffer < 0 {
		return usagef("--time-buffer must not be negative")
	}
	l := s.Limits
	if l.MaxVertices < 1 || l.MaxVolumes < 1 || l.MaxWindow <= 0 || l.MaxBodyBytes < 1024 || l.MaxShareWith < 1 {
		return usagef("limits must be positive (and --max-body-bytes at least 1024)")
	}
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	if cfg.pprofAddr != "" {
		host, _, err := net.SplitHostPort(cfg.pprofAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return usagef("--pprof %q: give a loopback address such as 127.0.0.1:6060", cfg.pprofAddr)
		}
	}
	if (cfg.sbsListen == "") != (cfg.sbsParty == "") {
		return usagef("--sbs-listen and --sbs-party go together")
	}
	if cfg.sbsParty != "" && !deconflict.ValidID(cfg.sbsParty) {
		return usagef("--sbs-party %q is not a party id", cfg.sbsParty)
	}
	if cfg.sweepEvery <= 0 {
		return usagef("--sweep-interval must be positive")
	}
	return nil
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log-format %q: want text or json", format)
}

// serve runs the exchange until ctx ends (SIGINT, SIGTERM), then stops
// taking requests, lets those in flight finish and closes the store.
func serve(ctx context.Context, cfg serveConfig, log *slog.Logger, stdout io.Writer) error {
	st, err := openStack(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
	if newToken := st.NewAdminToken; newToken != "" {
		// Printed, not logged: logs are kept and shipped, this must not be.
		fmt.Fprintf(stdout, "admin token (shown once): %s\n", newToken)
		fmt.Fprintln(stdout, "keep it: it is stored hashed and cannot be shown again (set DECONFLICT_ADMIN_TOKEN to replace it)")
	}
	if cfg.pprofAddr != "" {
		servePprof(cfg.pprofAddr, log)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	srv := &http.Server{
		Handler:           st.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if cfg.sbsListen != "" {
		sln, err := net.Listen("tcp", cfg.sbsListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen for SBS-1 on %s: %w", cfg.sbsListen, err)
		}
		log.Info("taking SBS-1 reports", "addr", sln.Addr().String(), "party", cfg.sbsParty)
		sbs := newSBSListener(sln, st.Live, st.Store, cfg.sbsParty, st.sbs, log)
		go sbs.serve()
		defer sbs.close()
	}

	scheme := "http"
	if cfg.tlsCert != "" {
		scheme = "https"
	}
	log.Info("listening", "addr", ln.Addr().String(), "url", scheme+"://"+ln.Addr().String(),
		"data", cfg.data, "lateral_min_m", cfg.settings.OperationMinima.LateralM,
		"vertical_min_m", cfg.settings.OperationMinima.VerticalM, "time_buffer", cfg.settings.TimeBuffer)

	errc := make(chan error, 1)
	go func() {
		if cfg.tlsCert != "" {
			errc <- srv.ServeTLS(ln, cfg.tlsCert, cfg.tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	sweepDone := make(chan struct{})
	sweepCtx, stopSweep := context.WithCancel(context.Background())
	go func() {
		defer close(sweepDone)
		sweepLoop(sweepCtx, st.Strategic, cfg.sweepEvery, log)
	}()
	defer func() { stopSweep(); <-sweepDone }()

	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	log.Info("stopped")
	return nil
}

// sweeper closes conflicts whose window has ended.
type sweeper interface {
	Sweep(ctx context.Context) (int, error)
}

func sweepLoop(ctx context.Context, s sweeper, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.Sweep(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error("sweep", "err", err)
			case n > 0:
				log.Info("sweep closed ended conflicts", "closed", n)
			}
		}
	}
}
