package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/client"
)

// benchConfig is what `bench` runs with.
type benchConfig struct {
	server      string
	adminToken  string
	ops         int
	parties     int
	duration    time.Duration
	concurrency int
	seed        uint64
	regionKm    float64   // side of the region; 0 = 500 km
	progress    io.Writer // progress lines during the preload; nil for none
}

// benchReport is the outcome of a bench run, printed as a table or --json.
type benchReport struct {
	Server      string      `json:"server"`
	Seed        uint64      `json:"seed"`
	Parties     int         `json:"parties"`
	Concurrency int         `json:"concurrency"`
	Ops         int         `json:"ops"`
	Day         string      `json:"day"`
	RegionKm    float64     `json:"region_km"`
	Preload     phaseReport `json:"preload"`
	Submit      phaseReport `json:"submit"`
	Check       phaseReport `json:"check"`
	// Server memory read from /metrics after the run (0 when not exposed).
	ServerRSSBytes       float64 `json:"server_rss_bytes"`
	ServerHeapInuseBytes float64 `json:"server_heap_inuse_bytes"`
	// LedgerSize is the entries in the server's ledger after the run, from
	// its signed checkpoint (-1 when it could not be read).
	LedgerSize int64 `json:"ledger_size"`
}

// maxAttempts bounds the resubmissions of one operation: each 409 names
// what to acknowledge, so only operations that others keep racing against
// need more than two.
const maxAttempts = 8

func runBench(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "bench", "")
	server := f.String("server", "DECONFLICT_SERVER", defaultServer, "URL of the server (loopback only)")
	admin := f.String("admin-token", "DECONFLICT_ADMIN_TOKEN", "", "the admin token (the bench creates its parties)")
	ops := f.Int("ops", "DECONFLICT_BENCH_OPS", 100_000, "operations to preload")
	parties := f.Int("parties", "DECONFLICT_BENCH_PARTIES", 10, "parties to create and submit as")
	duration := f.Duration("duration", "DECONFLICT_BENCH_DURATION", 30*time.Second, "length of each measured phase")
	conc := f.Int("concurrency", "DECONFLICT_BENCH_CONCURRENCY", 64, "requests in flight")
	seed := f.Int64("seed", "DECONFLICT_BENCH_SEED", 1, "seed of the scenario (same seed, same operations)")
	region := f.Float("region-km", "DECONFLICT_BENCH_REGION_KM", defaultRegionKm, "side of the square region the operations fall in, km")
	asJSON := f.Bool("json", "", false, "print the report as JSON")
	compare := f.Bool("compare-record", "", false, "measure what the record costs: start an exchange in this process twice, on fresh data folders, "+
		"first without events and ledger entries, then as served, and run the scenario against each (--server and --admin-token are not used)")
	rounds := f.Int("rounds", "DECONFLICT_BENCH_ROUNDS", 1, "with --compare-record: comparisons to run, alternating which exchange goes first; the median change is printed")
	cpuProfile := f.String("cpuprofile", "", "", "write a CPU profile of the bench process itself (the load generator) to this file")
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	switch {
	case *ops < 0:
		return usagef("--ops must not be negative")
	case *parties < 2:
		return usagef("--parties must be at least 2 (a party's own operations never conflict)")
	case *duration <= 0:
		return usagef("--duration must be positive")
	case *conc < 1:
		return usagef("--concurrency must be at least 1")
	case !(*region >= 1 && *region <= 5000):
		return usagef("--region-km must be from 1 to 5000")
	case *rounds < 1:
		return usagef("--rounds must be at least 1")
	case *admin == "" && !*compare:
		return usagef("bench creates its parties: give --admin-token or DECONFLICT_ADMIN_TOKEN")
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	cfg := benchConfig{server: *server, adminToken: *admin, ops: *ops, parties: *parties, duration: *duration,
		concurrency: *conc, seed: uint64(*seed), regionKm: *region, progress: e.stderr}
	if *compare {
		cs, err := compareRecordRounds(ctx, cfg, os.TempDir(), *rounds)
		if err != nil {
			return err
		}
		if *asJSON {
			err = printJSON(e.stdout, cs)
		} else {
			printComparisons(e.stdout, cs)
		}
		if err != nil {
			return err
		}
		var n int64
		for _, c := range cs.Rounds {
			n += benchErrors(c.Unrecorded) + benchErrors(c.Recorded)
		}
		if n > 0 {
			return fmt.Errorf("%d %w", n, errBenchFailed)
		}
		return nil
	}
	if err := checkLoopback(ctx, *server); err != nil {
		return err
	}
	rep, err := bench(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		err = printJSON(e.stdout, rep)
	} else {
		printBench(e.stdout, rep)
	}
	if err != nil {
		return err
	}
	if n := benchErrors(rep); n > 0 {
		return fmt.Errorf("%d %w", n, errBenchFailed)
	}
	return nil
}

// benchErrors is the number of failed requests of a report.
func benchErrors(r benchReport) int64 { return r.Preload.Errors + r.Submit.Errors + r.Check.Errors }

var errBenchFailed = errors.New("requests failed")

// checkLoopback refuses a server that is not on this machine: a load
// generator pointed at someone else's exchange is an attack, not a test.
func checkLoopback(ctx context.Context, server string) error {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return usagef("--server %q: want a URL such as %s", server, defaultServer)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		if !ip.IsLoopback() {
			return usagef("bench runs against a loopback server only; %s is not loopback", host)
		}
		return nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return usagef("bench: cannot resolve %s: %v", host, err)
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return usagef("bench runs against a loopback server only; %s resolves to %s", host, a.IP)
		}
	}
	return nil
}

// bench runs the three phases against cfg.server.
func bench(ctx context.Context, cfg benchConfig) (benchReport, error) {
	base := client.New(cfg.server, cfg.adminToken)
	if tr, ok := base.HTTP.Transport.(*http.Transport); ok && cfg.concurrency > tr.MaxIdleConnsPerHost {
		tr.MaxIdleConnsPerHost = cfg.concurrency
	}
	base.HTTP.Timeout = 30 * time.Second // a stalled server fails the run instead of hanging it
	if err := base.Health(ctx); err != nil {
		return benchReport{}, fmt.Errorf("server %s: %w", cfg.server, err)
	}
	// Tomorrow, so that every window is in the future whenever the run starts.
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	if cfg.regionKm == 0 {
		cfg.regionKm = defaultRegionKm
	}
	sc := scenario{seed: cfg.seed, day: day, regionKm: cfg.regionKm}
	rep := benchReport{Server: cfg.server, Seed: cfg.seed, Parties: cfg.parties, Concurrency: cfg.concurrency,
		Ops: cfg.ops, Day: day.Format(time.DateOnly), RegionKm: cfg.regionKm}

	clients, err := benchParties(ctx, base, cfg)
	if err != nil {
		return rep, err
	}

	// Phase 1: preload cfg.ops operations as fast as the server takes them.
	var next atomic.Int64
	rep.Preload = runPhase(ctx, "preload", cfg.concurrency, time.Time{}, func(st *phaseStats) bool {
		n := next.Add(1) - 1
		if n >= int64(cfg.ops) {
			return false
		}
		submit(ctx, clients[n%int64(len(clients))], "pre-"+strconv.FormatInt(n, 10), sc.op(streamPreload, uint64(n)), st, time.Time{})
		if cfg.progress != nil && (n+1)%10_000 == 0 {
			fmt.Fprintf(cfg.progress, "bench: preloaded %d of %d operations\n", n+1, cfg.ops)
		}
		return true
	})
	if err := ctx.Err(); err != nil {
		return rep, err
	}

	// Phase 2: new operations for cfg.duration, each resubmitted with what
	// its 409 named until accepted.
	next.Store(0)
	deadline := time.Now().Add(cfg.duration)
	rep.Submit = runPhase(ctx, "submit", cfg.concurrency, deadline, func(st *phaseStats) bool {
		n := next.Add(1) - 1
		submit(ctx, clients[n%int64(len(clients))], "live-"+strconv.FormatInt(n, 10), sc.op(streamSubmit, uint64(n)), st, deadline)
		return true
	})
	if err := ctx.Err(); err != nil {
		return rep, err
	}

	// Phase 3: what-if checks for cfg.duration.
	next.Store(0)
	deadline = time.Now().Add(cfg.duration)
	rep.Check = runPhase(ctx, "check", cfg.concurrency, deadline, func(st *phaseStats) bool {
		n := next.Add(1) - 1
		op := sc.op(streamCheck, uint64(n))
		t0 := time.Now()
		// Counted, not decoded: the client shares the cores with the server.
		found, err := clients[n%int64(len(clients))].CheckConflictsCount(ctx, []deconflict.Volume{op.volume}, op.shareWith)
		st.observe(time.Since(t0))
		if err != nil {
			if ctx.Err() == nil {
				st.fail(err)
			}
			return true
		}
		st.accepted++
		st.conflicts += int64(found)
		return true
	})
	if err := ctx.Err(); err != nil {
		return rep, err
	}

	if m, err := base.Metrics(ctx); err == nil {
		rep.ServerRSSBytes, _ = client.MetricValue(m, "process_resident_memory_bytes")
		rep.ServerHeapInuseBytes, _ = client.MetricValue(m, "go_memstats_heap_inuse_bytes")
	}
	rep.LedgerSize = ledgerSize(ctx, base)
	return rep, nil
}

// benchParties creates the bench's parties, with ids unique to this run so
// that runs against the same server do not collide, and returns a client
// for each.
func benchParties(ctx context.Context, admin *client.Client, cfg benchConfig) ([]*client.Client, error) {
	run := strconv.FormatInt(time.Now().UnixMilli(), 36)
	clients := make([]*client.Client, cfg.parties)
	for i := range clients {
		id := fmt.Sprintf("bench-%s-%02d", run, i)
		_, token, err := admin.CreateParty(ctx, deconflict.Party{ID: id, Name: "bench party " + strconv.Itoa(i)})
		if err != nil {
			return nil, fmt.Errorf("creating party %s: %w", id, err)
		}
		clients[i] = admin.WithToken(token)
	}
	return clients, nil
}

// runPhase runs step on concurrency workers until it returns false, the
// deadline (if any) passes or ctx ends, and reports what they observed.
func runPhase(ctx context.Context, name string, concurrency int, deadline time.Time, step func(*phaseStats) bool) phaseReport {
	var m merger
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var st phaseStats
			for ctx.Err() == nil && (deadline.IsZero() || time.Now().Before(deadline)) {
				if !step(&st) {
					break
				}
			}
			m.add(&st)
		}()
	}
	wg.Wait()
	return m.all.report(name, time.Since(start))
}

// submit puts one new operation; on a 409 it adds what the refusal names
// to aware_of and submits again, as a party acknowledging what it was shown
// would. Past the deadline (if any) it gives up between attempts.
func submit(ctx context.Context, c *client.Client, id string, bo benchOp, st *phaseStats, deadline time.Time) {
	aware := map[string]deconflict.AwareOf{}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 && !deadline.IsZero() && time.Now().After(deadline) {
			return
		}
		op := deconflict.Operation{ID: id, Callsign: bo.callsign, State: deconflict.StatePlanned,
			Volumes: []deconflict.Volume{bo.volume}, ShareWith: bo.shareWith}
		for _, a := range aware {
			op.AwareOf = append(op.AwareOf, a)
		}
		t0 := time.Now()
		res, err := c.PutOperation(ctx, op, 0)
		st.observe(time.Since(t0))
		if err == nil {
			st.accepted++
			st.conflicts += int64(len(res.Conflicts))
			return
		}
		if ctx.Err() != nil {
			return
		}
		var p *client.Problem
		if !errors.As(err, &p) || p.Status != http.StatusConflict {
			st.fail(fmt.Errorf("operation %s: %w", id, err))
			return
		}
		st.refused409++
		aw := p.AwareOf()
		if len(aw) < len(p.Conflicts) {
			st.fail(fmt.Errorf("operation %s: denied by a zone (the bench creates none): %w", id, err))
			return
		}
		for _, a := range aw {
			aware[awareKey(a)] = a // a newer version of an object replaces the one seen before
		}
	}
	st.fail(fmt.Errorf("operation %s: still refused after %d attempts", id, maxAttempts))
}

// ledgerSize reads the size of the server's ledger from its checkpoint, a
// signed note whose second line is the size (-1 when it cannot be read).
func ledgerSize(ctx context.Context, c *client.Client) int64 {
	cp, err := c.Checkpoint(ctx)
	if err != nil {
		return -1
	}
	lines := strings.SplitN(string(cp), "\n", 3)
	if len(lines) < 3 {
		return -1
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func awareKey(a deconflict.AwareOf) string {
	if a.Ref != "" {
		return "ref " + a.Ref
	}
	return string(a.Kind) + " " + a.Party + "/" + a.ID
}

func printBench(w io.Writer, r benchReport) {
	fmt.Fprintf(w, "deconflict bench against %s: seed %d, %d parties, concurrency %d\n", r.Server, r.Seed, r.Parties, r.Concurrency)
	fmt.Fprintf(w, "scenario: %d preloaded operations, corridors and polygons 1-50 km across over %g km x %g km, 1 h windows on %s\n\n",
		r.Ops, r.RegionKm, r.RegionKm, r.Day)
	fmt.Fprintf(w, "%-8s %8s %9s %9s %7s %6s %9s %10s %9s %8s %8s %8s %8s\n",
		"phase", "seconds", "requests", "accepted", "409s", "errors", "req/s", "accepted/s", "conflicts", "p50 ms", "p90 ms", "p99 ms", "max ms")
	for _, p := range []phaseReport{r.Preload, r.Submit, r.Check} {
		fmt.Fprintf(w, "%-8s %8.1f %9d %9d %7d %6d %9.0f %10.0f %9.2f %8.2f %8.2f %8.2f %8.2f\n",
			p.Phase, p.Seconds, p.Requests, p.Accepted, p.Refused409, p.Errors, p.RequestsPerS, p.AcceptedPerS,
			p.MeanConflicts, p.Latency.P50, p.Latency.P90, p.Latency.P99, p.Latency.Max)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "accepted = operations stored (preload, submit) or checks answered (check); conflicts = mean per accepted one;")
	fmt.Fprintln(w, "latency is of every request, refused ones included.")
	if r.ServerRSSBytes > 0 {
		fmt.Fprintf(w, "server memory: resident %.1f MiB, heap in use %.1f MiB\n", r.ServerRSSBytes/(1<<20), r.ServerHeapInuseBytes/(1<<20))
	} else {
		fmt.Fprintln(w, "server memory: not exposed by /metrics")
	}
	if r.LedgerSize >= 0 {
		fmt.Fprintf(w, "ledger: %d entries after the run\n", r.LedgerSize)
	}
	for _, p := range []phaseReport{r.Preload, r.Submit, r.Check} {
		if p.FirstError != "" {
			fmt.Fprintf(w, "%s: first error: %s\n", p.Phase, p.FirstError)
		}
	}
}
