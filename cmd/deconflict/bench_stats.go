package main

import (
	"slices"
	"sync"
	"time"
)

// phaseStats collects what workers of one bench phase observe. Workers keep
// their own and merge at the end, so that recording costs no lock.
type phaseStats struct {
	requests   int64
	accepted   int64
	refused409 int64
	errors     int64
	conflicts  int64 // conflicts reported by accepted submissions or checks
	firstError string
	latencies  []time.Duration
}

func (s *phaseStats) observe(d time.Duration) {
	s.requests++
	s.latencies = append(s.latencies, d)
}

func (s *phaseStats) fail(err error) {
	s.errors++
	if s.firstError == "" {
		s.firstError = err.Error()
	}
}

// merger gathers the stats of a phase's workers.
type merger struct {
	mu  sync.Mutex
	all phaseStats
}

func (m *merger) add(s *phaseStats) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := &m.all
	a.requests += s.requests
	a.accepted += s.accepted
	a.refused409 += s.refused409
	a.errors += s.errors
	a.conflicts += s.conflicts
	if a.firstError == "" {
		a.firstError = s.firstError
	}
	a.latencies = append(a.latencies, s.latencies...)
}

// phaseReport is one phase of a bench run, as printed and as --json.
type phaseReport struct {
	Phase      string  `json:"phase"`
	Seconds    float64 `json:"seconds"`
	Requests   int64   `json:"requests"`
	Accepted   int64   `json:"accepted"`
	Refused409 int64   `json:"refused_409"`
	Errors     int64   `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	// RequestsPerS counts every request; AcceptedPerS accepted submissions
	// (preload, submit) or answered checks (check).
	RequestsPerS float64 `json:"requests_per_s"`
	AcceptedPerS float64 `json:"accepted_per_s"`
	// MeanConflicts is the mean number of conflicts of an accepted
	// submission or of a check.
	MeanConflicts float64       `json:"mean_conflicts"`
	Latency       latencyReport `json:"latency_ms"`
}

// latencyReport holds percentiles of request latency in milliseconds.
type latencyReport struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

func (s *phaseStats) report(phase string, elapsed time.Duration) phaseReport {
	r := phaseReport{Phase: phase, Seconds: elapsed.Seconds(), Requests: s.requests, Accepted: s.accepted,
		Refused409: s.refused409, Errors: s.errors, FirstError: s.firstError}
	if sec := elapsed.Seconds(); sec > 0 {
		r.RequestsPerS = float64(s.requests) / sec
		r.AcceptedPerS = float64(s.accepted) / sec
	}
	if s.accepted > 0 {
		r.MeanConflicts = float64(s.conflicts) / float64(s.accepted)
	}
	r.Latency = latencies(s.latencies)
	return r
}

// latencies computes nearest-rank percentiles (the value below which p% of
// the requests took, an actually observed latency).
func latencies(ds []time.Duration) latencyReport {
	if len(ds) == 0 {
		return latencyReport{}
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	rank := func(p float64) time.Duration {
		i := int(p/100*float64(len(ds))+0.999999) - 1
		return ds[max(0, min(i, len(ds)-1))]
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return latencyReport{
		Mean: ms(sum / time.Duration(len(ds))),
		P50:  ms(rank(50)), P90: ms(rank(90)), P99: ms(rank(99)), Max: ms(ds[len(ds)-1]),
	}
}
