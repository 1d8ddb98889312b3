package api

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deconflict/deconflict"
)

// The metrics are written by hand in the Prometheus text exposition format
// (version 0.0.4): a handful of series do not warrant a client library.
// Labels take only bounded values (known methods, route patterns, status
// codes) so that no client can grow the series without bound.

// latencyBuckets are the upper bounds, in seconds, of the latency histogram.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type requestKey struct {
	method, route string
	status        int
}

type routeKey struct{ method, route string }

type histogram struct {
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	count  uint64
}

type metrics struct {
	inFlight atomic.Int64

	mu        sync.Mutex
	requests  map[requestKey]uint64
	latencies map[routeKey]*histogram
}

func newMetrics() *metrics {
	return &metrics{requests: map[requestKey]uint64{}, latencies: map[routeKey]*histogram{}}
}

// metricMethod bounds the method label: anything unusual is "other".
func metricMethod(m string) string {
	switch m {
	case "GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS":
		return m
	}
	return "other"
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	method = metricMethod(method)
	secs := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{method, route, status}]++
	h := m.latencies[routeKey{method, route}]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets)+1)}
		m.latencies[routeKey{method, route}] = h
	}
	i := sort.SearchFloat64s(latencyBuckets, secs)
	h.counts[i]++
	h.sum += secs
	h.count++
}

// write renders every series in a stable order.
func (m *metrics) write(buf *bytes.Buffer) {
	m.mu.Lock()
	reqs := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		reqs = append(reqs, k)
	}
	sort.Slice(reqs, func(i, j int) bool {
		a, b := reqs[i], reqs[j]
		if a.route != b.route {
			return a.route < b.route
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.status < b.status
	})
	buf.WriteString("# HELP deconflict_http_requests_total HTTP requests answered, by method, route pattern and status.\n")
	buf.WriteString("# TYPE deconflict_http_requests_total counter\n")
	for _, k := range reqs {
		fmt.Fprintf(buf, "deconflict_http_requests_total{method=%s,route=%s,status=\"%d\"} %d\n",
			label(k.method), label(k.route), k.status, m.requests[k])
	}
	routes := make([]routeKey, 0, len(m.latencies))
	for k := range m.latencies {
		routes = append(routes, k)
	}
	sort.Slice(routes, func(i, j int) bool {
		if routes[i].route != routes[j].route {
			return routes[i].route < routes[j].route
		}
		return routes[i].method < routes[j].method
	})
	buf.WriteString("# HELP deconflict_http_request_duration_seconds Time to answer HTTP requests, by method and route pattern.\n")
	buf.WriteString("# TYPE deconflict_http_request_duration_seconds histogram\n")
	for _, k := range routes {
		h := m.latencies[k]
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(buf, "deconflict_http_request_duration_seconds_bucket{method=%s,route=%s,le=\"%s\"} %d\n",
				label(k.method), label(k.route), strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(buf, "deconflict_http_request_duration_seconds_bucket{method=%s,route=%s,le=\"+Inf\"} %d\n", label(k.method), label(k.route), h.count)
		fmt.Fprintf(buf, "deconflict_http_request_duration_seconds_sum{method=%s,route=%s} %s\n", label(k.method), label(k.route), strconv.FormatFloat(h.sum, 'g', -1, 64))
		fmt.Fprintf(buf, "deconflict_http_request_duration_seconds_count{method=%s,route=%s} %d\n", label(k.method), label(k.route), h.count)
	}
	m.mu.Unlock()

	gauge(buf, "deconflict_http_requests_in_flight", "HTTP requests being answered now.", float64(m.inFlight.Load()))
	if rss, ok := residentBytes(); ok {
		gauge(buf, "process_resident_memory_bytes", "Resident memory size in bytes.", float64(rss))
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gauge(buf, "go_memstats_heap_inuse_bytes", "Bytes in in-use heap spans.", float64(ms.HeapInuse))
	gauge(buf, "go_goroutines", "Number of goroutines that currently exist.", float64(runtime.NumGoroutine()))
}

func gauge(buf *bytes.Buffer, name, help string, v float64) {
	fmt.Fprintf(buf, "# HELP %s %s\n# TYPE %s gauge\n%s %s\n", name, help, name, name, strconv.FormatFloat(v, 'g', -1, 64))
}

// label quotes a label value as the exposition format escapes it.
func label(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// residentBytes reads the resident set size from /proc/self/statm (Linux);
// elsewhere the series is left out.
func residentBytes() (int64, bool) {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}

func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request, _ deconflict.Caller) error {
	var buf bytes.Buffer
	s.metrics.write(&buf)
	if s.cfg.Metrics != nil {
		s.cfg.Metrics(&buf)
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}
