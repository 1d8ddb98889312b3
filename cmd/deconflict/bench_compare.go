package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/deconflict/deconflict"
)

// recordComparison is the outcome of `bench --compare-record`: the same
// scenario against an exchange that writes no events or ledger entries, then
// against one that does, both started in this process one after the other.
type recordComparison struct {
	Unrecorded benchReport `json:"unrecorded"`
	Recorded   benchReport `json:"recorded"`
	// SubmitChange is the change of accepted submissions per second in the
	// submit phase with the record on: -0.10 is 10% fewer.
	SubmitChange float64 `json:"submit_change"`
	// PreloadChange is the same for the preload phase.
	PreloadChange float64 `json:"preload_change"`
}

// recordComparisons is several comparisons, alternating which exchange
// runs first, with the median of their changes: one 30 s phase on a shared
// machine moves by more than the effect being measured.
type recordComparisons struct {
	Rounds              []recordComparison `json:"rounds"`
	MedianSubmitChange  float64            `json:"median_submit_change"`
	MedianPreloadChange float64            `json:"median_preload_change"`
}

// compareRecordRounds runs compareRecord rounds times, the unrecorded
// exchange first in odd rounds and second in even ones.
func compareRecordRounds(ctx context.Context, cfg benchConfig, tmp string, rounds int) (recordComparisons, error) {
	var out recordComparisons
	var submit, preload []float64
	for i := range rounds {
		c, err := compareRecord(ctx, cfg, tmp, i%2 == 1)
		if err != nil {
			return out, err
		}
		out.Rounds = append(out.Rounds, c)
		submit, preload = append(submit, c.SubmitChange), append(preload, c.PreloadChange)
	}
	out.MedianSubmitChange, out.MedianPreloadChange = median(submit), median(preload)
	return out, nil
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// compareRecord runs cfg against two fresh exchanges in folders under tmp,
// the unrecorded one first unless recordedFirst, each on a loopback port of
// its own and removed after.
func compareRecord(ctx context.Context, cfg benchConfig, tmp string, recordedFirst bool) (recordComparison, error) {
	var out recordComparison
	order := []bool{true, false}
	if recordedFirst {
		order = []bool{false, true}
	}
	for _, unrecorded := range order {
		rep, err := benchSelf(ctx, cfg, tmp, unrecorded)
		if err != nil {
			return out, err
		}
		if unrecorded {
			out.Unrecorded = rep
		} else {
			out.Recorded = rep
		}
	}
	change := func(off, on phaseReport) float64 {
		if off.AcceptedPerS == 0 {
			return 0
		}
		return on.AcceptedPerS/off.AcceptedPerS - 1
	}
	out.SubmitChange = change(out.Unrecorded.Submit, out.Recorded.Submit)
	out.PreloadChange = change(out.Unrecorded.Preload, out.Recorded.Preload)
	return out, nil
}

// benchSelf starts an exchange on a new data folder under tmp, runs cfg
// against it over loopback HTTP, and stops and removes it.
func benchSelf(ctx context.Context, cfg benchConfig, tmp string, unrecorded bool) (benchReport, error) {
	dir, err := os.MkdirTemp(tmp, "deconflict-bench-")
	if err != nil {
		return benchReport{}, err
	}
	defer os.RemoveAll(dir)
	secret := make([]byte, 24)
	rand.Read(secret)
	token := "bench-" + hex.EncodeToString(secret)
	st, err := openStack(ctx, serveConfig{data: dir, adminToken: token, settings: deconflict.DefaultSettings(), unrecorded: unrecorded},
		slog.New(slog.DiscardHandler))
	if err != nil {
		return benchReport{}, err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return benchReport{}, err
	}
	srv := &http.Server{Handler: st.Handler, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown below
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx) //nolint:errcheck // the run's outcome is what matters
	}()
	cfg.server, cfg.adminToken = "http://"+ln.Addr().String(), token
	if cfg.progress != nil {
		what := "recorded (events and ledger on)"
		if unrecorded {
			what = "unrecorded (no events, no ledger)"
		}
		fmt.Fprintf(cfg.progress, "bench: an exchange in this process, %s, at %s\n", what, cfg.server)
	}
	return bench(ctx, cfg)
}

func printComparisons(w io.Writer, cs recordComparisons) {
	for i, c := range cs.Rounds {
		if len(cs.Rounds) > 1 {
			fmt.Fprintf(w, "=== round %d of %d\n", i+1, len(cs.Rounds))
		}
		fmt.Fprintln(w, "--- unrecorded: operations stored with their conflicts, no events, no ledger entries")
		printBench(w, c.Unrecorded)
		fmt.Fprintln(w, "\n--- recorded: as deconflict serve runs, every change with its events and ledger entries")
		printBench(w, c.Recorded)
		fmt.Fprintf(w, "\nwith the record: preload accepted/s %+.1f%%, submit accepted/s %+.1f%%\n\n", 100*c.PreloadChange, 100*c.SubmitChange)
	}
	if len(cs.Rounds) > 1 {
		fmt.Fprintf(w, "median over %d rounds: preload accepted/s %+.1f%%, submit accepted/s %+.1f%%\n",
			len(cs.Rounds), 100*cs.MedianPreloadChange, 100*cs.MedianSubmitChange)
	}
}
