package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/feed"
	"github.com/deconflict/deconflict/live"
)

// sbsListener takes SBS-1 BaseStation text (dump1090/readsb port 30003) on
// TCP: each connection is one feed, each report is an aircraft of party.
type sbsListener struct {
	ln    net.Listener
	live  *live.Service
	store deconflict.Reader
	party string
	log   *slog.Logger

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup

	count *sbsCounters
}

// sbsCounters count what the SBS-1 listener took, for GET /metrics.
type sbsCounters struct {
	connections, reports, malformed atomic.Int64
}

func (c *sbsCounters) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP deconflict_sbs_connections_total SBS-1 feed connections taken.\n# TYPE deconflict_sbs_connections_total counter\ndeconflict_sbs_connections_total %d\n", c.connections.Load())
	fmt.Fprintf(w, "# HELP deconflict_sbs_reports_total Track reports taken from SBS-1 feeds.\n# TYPE deconflict_sbs_reports_total counter\ndeconflict_sbs_reports_total %d\n", c.reports.Load())
	fmt.Fprintf(w, "# HELP deconflict_sbs_malformed_total SBS-1 lines refused (malformed, or a report the engine refused).\n# TYPE deconflict_sbs_malformed_total counter\ndeconflict_sbs_malformed_total %d\n", c.malformed.Load())
}

func newSBSListener(ln net.Listener, lv *live.Service, store deconflict.Reader, party string, count *sbsCounters, log *slog.Logger) *sbsListener {
	return &sbsListener{ln: ln, live: lv, store: store, party: party, log: log, conns: map[net.Conn]struct{}{}, count: count}
}

// serve accepts connections until close.
func (l *sbsListener) serve() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				l.log.Error("sbs: accept", "err", err)
			}
			return
		}
		l.mu.Lock()
		l.conns[c] = struct{}{}
		l.mu.Unlock()
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.handle(c)
			l.mu.Lock()
			delete(l.conns, c)
			l.mu.Unlock()
			c.Close()
		}()
	}
}

// handle reads one connection to its end. A malformed line is counted and
// logged at debug level; it never ends the feed.
func (l *sbsListener) handle(c net.Conn) {
	ctx := context.Background()
	from := c.RemoteAddr().String()
	// The party is looked up per connection, not at start, so that the
	// admin may create it after the server starts.
	if _, err := l.store.Party(ctx, l.party); err != nil {
		l.log.Error("sbs: refusing a feed: the --sbs-party does not exist", "party", l.party, "from", from, "err", err)
		return
	}
	l.count.connections.Add(1)
	l.log.Info("sbs: feed connected", "from", from, "party", l.party)
	caller := deconflict.Caller{Party: l.party}
	rd := feed.NewSBSReader(c, feed.Options{OnMalformed: func(le *feed.LineError) error {
		l.count.malformed.Add(1)
		l.log.Debug("sbs: malformed line", "from", from, "err", le.Error())
		return nil
	}})
	var n int64
	for {
		rep, err := rd.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				l.log.Warn("sbs: feed ended", "from", from, "err", err)
			}
			break
		}
		if err := l.live.Report(ctx, caller, rep, ""); err != nil {
			l.count.malformed.Add(1)
			l.log.Debug("sbs: report refused", "from", from, "err", err)
			continue
		}
		n++
		l.count.reports.Add(1)
	}
	st := rd.Stats()
	l.log.Info("sbs: feed disconnected", "from", from, "reports", n, "lines", st.Lines, "malformed", st.Malformed)
}

// close stops accepting, closes the open feeds and waits for them.
func (l *sbsListener) close() {
	l.ln.Close()
	l.mu.Lock()
	for c := range l.conns {
		c.Close()
	}
	l.mu.Unlock()
	l.wg.Wait()
}
