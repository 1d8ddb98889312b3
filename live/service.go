package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/geo"
	"github.com/deconflict/deconflict/journal"
	"github.com/deconflict/deconflict/tactical"
)

// Config configures a Service. Zero durations take their defaults.
type Config struct {
	Store   deconflict.Store
	Journal *journal.Journal
	// Settings give the zone minima of zones without their own, the vertex
	// limit zones are compiled with, and the share_with limit.
	Settings deconflict.Settings
	// Engine configures the tactical engine; its Now is the service's clock
	// too (ticks, operations in force).
	Engine tactical.Config
	// Refresh is how often zones and operations are reloaded from the store
	// (default 2 s).
	Refresh time.Duration
	// BatchWait is how long the writer waits for more alert transitions
	// after the first before it writes them in one transaction (default 0:
	// it writes what has queued at once, and what queues while it writes
	// goes in the next transaction, so batches grow with the load and an
	// alert waits for at most one transaction ahead of its own).
	BatchWait time.Duration
	// TickEvery is how often stale tracks are dropped (default 1 s).
	TickEvery time.Duration
	Logger    *slog.Logger // nil = discard
}

// SharingKey is the store meta key of party's track sharing setting.
func SharingKey(party string) string { return "track_sharing/" + party }

// MaxBatch is the most reports one batch may carry.
const MaxBatch = 10_000

// Service is the live picture of the exchange. It is safe for concurrent use.
type Service struct {
	cfg    Config
	engine *tactical.Engine
	now    func() time.Time
	log    *slog.Logger

	queue chan []tactical.Transition
	stop  chan struct{}
	done  sync.WaitGroup
	close sync.Once

	known sync.Map // party id -> struct{}: parties seen to exist

	reports, events, writeFailures atomic.Int64

	refreshMu sync.Mutex // one refresh at a time
	seq       int64
	zones     map[objKey]zoneEntry
	ops       map[objKey]opEntry
	inForce   string // the operations last given to the engine, as "party/id@version" keys
}

type objKey struct{ party, id string }

type zoneEntry struct {
	version int64
	zone    tactical.Zone
}

type opEntry struct {
	version    int64
	state      deconflict.OperationState
	start, end time.Time
	// op has its volumes compiled once it has been in force (see
	// opEntryOf); until then it has none.
	op tactical.Operation
}

// New returns a Service with the zones and live operations of the store
// loaded into its engine, and starts its writer, ticker and refresher; Close
// stops them.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Refresh <= 0 {
		cfg.Refresh = 2 * time.Second
	}
	if cfg.TickEvery <= 0 {
		cfg.TickEvery = time.Second
	}
	if cfg.Engine.Now == nil {
		cfg.Engine.Now = time.Now
	}
	if cfg.Settings.Limits.MaxVertices == 0 {
		cfg.Settings.Limits = deconflict.DefaultSettings().Limits
	}
	s := &Service{
		cfg:    cfg,
		engine: tactical.New(cfg.Engine),
		now:    cfg.Engine.Now,
		log:    cfg.Logger,
		queue:  make(chan []tactical.Transition, 1024),
		stop:   make(chan struct{}),
		zones:  map[objKey]zoneEntry{},
		ops:    map[objKey]opEntry{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.reload(ctx); err != nil {
		return nil, fmt.Errorf("live: loading zones and operations: %w", err)
	}
	s.done.Add(2)
	go s.writer()
	go s.loop()
	return s, nil
}

// Engine returns the service's engine (for benchmarks and diagnostics).
func (s *Service) Engine() *tactical.Engine { return s.engine }

// Close stops the ticker and the refresher, writes the transitions still
// queued, and returns. Reports given after Close are refused.
func (s *Service) Close() error {
	s.close.Do(func() { close(s.stop) })
	s.done.Wait()
	return nil
}

// loop ticks the engine and refreshes its zones and operations.
func (s *Service) loop() {
	defer s.done.Done()
	tick := time.NewTicker(s.cfg.TickEvery)
	defer tick.Stop()
	refresh := time.NewTicker(s.cfg.Refresh)
	defer refresh.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			s.emit(s.engine.Tick(s.now()))
		case <-refresh.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := s.Refresh(ctx); err != nil {
				s.log.Error("live: refreshing zones and operations", "err", err)
			}
			cancel()
		}
	}
}

// emit queues transitions for the writer. It blocks when the writer is
// behind: a burst slows the reporters down rather than losing an alert.
func (s *Service) emit(ts []tactical.Transition) {
	if len(ts) == 0 {
		return
	}
	select {
	case s.queue <- ts:
	case <-s.stop:
		// Closing: the writer drains the queue; write this batch directly.
		s.write(ts)
	}
}

// maxWrite bounds the transitions of one transaction, so that one
// transaction stays short when a storm of alerts arrives at once.
const maxWrite = 5000

// writer takes the transitions queued (waiting BatchWait after the first,
// when set) and writes them in one transaction.
func (s *Service) writer() {
	defer s.done.Done()
	for {
		var batch []tactical.Transition
		select {
		case ts := <-s.queue:
			batch = append(batch, ts...)
		case <-s.stop:
			for {
				select {
				case ts := <-s.queue:
					batch = append(batch, ts...)
				default:
					s.write(batch)
					return
				}
			}
		}
		var (
			wait  <-chan time.Time
			timer *time.Timer
		)
		if s.cfg.BatchWait > 0 {
			timer = time.NewTimer(s.cfg.BatchWait)
			wait = timer.C
		}
	collect:
		for len(batch) < maxWrite {
			select {
			case ts := <-s.queue:
				batch = append(batch, ts...)
			case <-wait:
				break collect
			case <-s.stop:
				break collect
			default:
				if wait == nil {
					break collect
				}
				select {
				case ts := <-s.queue:
					batch = append(batch, ts...)
				case <-wait:
					break collect
				case <-s.stop:
					break collect
				}
			}
		}
		if timer != nil {
			timer.Stop()
		}
		s.write(batch)
	}
}

// write stores the events of transitions, retrying a failed transaction a
// few times: an alert that cannot be written is logged, never silently lost.
func (s *Service) write(ts []tactical.Transition) {
	if len(ts) == 0 {
		return
	}
	notices := make([]journal.AlertNotice, len(ts))
	for i, t := range ts {
		notices[i] = journal.AlertNotice{Kind: t.Kind, Alert: t.Alert, Parties: t.Parties}
	}
	var err error
	for attempt := range 4 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var n int
		err = s.cfg.Store.Transact(ctx, func(tx deconflict.Tx) error {
			evs, err := s.cfg.Journal.AddAlerts(ctx, tx, notices)
			n = len(evs)
			return err
		})
		cancel()
		if err == nil {
			s.events.Add(int64(n))
			return
		}
	}
	s.writeFailures.Add(1)
	s.log.Error("live: alert events could not be written", "transitions", len(ts), "err", err)
}

// Report feeds one report of caller c into the live picture; field names
// the report in errors ("" for a report on its own, "reports[3]" in a
// batch). The aircraft is the caller's, unless the report names its party:
// only a caller with the surveillance role may name another party (else
// EFORBIDDEN), and the party must exist (else EINVALID).
func (s *Service) Report(ctx context.Context, c deconflict.Caller, r deconflict.TrackReport, field string) error {
	party, err := s.check(ctx, c, &r, field)
	if err != nil {
		return err
	}
	return s.feed(r, party, c.Party)
}

// ReportBatch checks every report of a batch and, when all pass, feeds them
// in order; it returns how many were accepted. A batch with any fault is
// refused whole, listing every report at fault.
func (s *Service) ReportBatch(ctx context.Context, c deconflict.Caller, rs []deconflict.TrackReport) (int, error) {
	if len(rs) > MaxBatch {
		return 0, deconflict.Invalid(fmt.Sprintf("the batch has %d reports; the limit is %d", len(rs), MaxBatch),
			deconflict.FieldError{Field: "reports", Message: fmt.Sprintf("has %d reports; send at most %d a request", len(rs), MaxBatch)})
	}
	parties := make([]string, len(rs))
	var invalid, forbidden deconflict.FieldErrors
	for i := range rs {
		field := deconflict.Path("reports", i)
		p, err := s.check(ctx, c, &rs[i], field)
		var de *deconflict.Error
		switch {
		case err == nil:
			parties[i] = p
		case errors.As(err, &de) && de.Code == deconflict.EFORBIDDEN:
			forbidden = append(forbidden, de.Fields...)
		case errors.As(err, &de) && de.Code == deconflict.EINVALID:
			invalid = append(invalid, de.Fields...)
		default:
			return 0, err
		}
	}
	if len(forbidden) > 0 {
		return 0, &deconflict.Error{Code: deconflict.EFORBIDDEN, Fields: forbidden,
			Message: "only a reporter with the surveillance role may report other parties' aircraft"}
	}
	if err := invalid.Err(); err != nil {
		return 0, err
	}
	for i, r := range rs {
		if err := s.feed(r, parties[i], c.Party); err != nil {
			return i, err
		}
	}
	return len(rs), nil
}

// check validates r and resolves its party.
func (s *Service) check(ctx context.Context, c deconflict.Caller, r *deconflict.TrackReport, field string) (string, error) {
	if c.Party == "" {
		return "", deconflict.Errorf(deconflict.EFORBIDDEN, "tracks are reported by parties; use a party's token")
	}
	if err := r.Validate(field); err != nil {
		return "", err
	}
	party := c.Party
	if r.Party != "" && r.Party != c.Party {
		if !c.HasRole(deconflict.RoleSurveillance) {
			return "", &deconflict.Error{Code: deconflict.EFORBIDDEN,
				Message: fmt.Sprintf("%s names party %q: only a reporter with the surveillance role may report another party's aircraft", orReport(field), r.Party),
				Fields: []deconflict.FieldError{{Field: deconflict.Path(field, "party"),
					Message: fmt.Sprintf("names party %q, not yours (%q); only a reporter with the %s role may report another party's aircraft", r.Party, c.Party, deconflict.RoleSurveillance)}}}
		}
		if err := s.exists(ctx, r.Party); err != nil {
			if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
				return "", deconflict.Invalid(fmt.Sprintf("party %q does not exist", r.Party),
					deconflict.FieldError{Field: deconflict.Path(field, "party"), Message: fmt.Sprintf("party %q does not exist", r.Party)})
			}
			return "", err
		}
		party = r.Party
	}
	r.Party = party
	return party, nil
}

func orReport(field string) string {
	if field == "" {
		return "the report"
	}
	return field
}

// exists checks that party exists, asking the store once per party.
func (s *Service) exists(ctx context.Context, party string) error {
	if _, ok := s.known.Load(party); ok {
		return nil
	}
	if _, err := s.cfg.Store.Party(ctx, party); err != nil {
		return err
	}
	s.known.Store(party, struct{}{})
	return nil
}

func (s *Service) feed(r deconflict.TrackReport, party, reporter string) error {
	select {
	case <-s.stop:
		return deconflict.Errorf(deconflict.EUNAVAILABLE, "the server is shutting down")
	default:
	}
	ts, err := s.engine.Update(r, party, reporter)
	if err != nil {
		return err
	}
	s.reports.Add(1)
	s.emit(ts)
	return nil
}

// Tracks returns the live tracks the caller may see, within bbox when it is
// not nil ([west, south, east, north], west > east across the
// antimeridian): its own aircraft, those it reported (a surveillance
// reporter's), and those of parties that share their tracks with it. Each
// report carries its aircraft's party.
func (s *Service) Tracks(ctx context.Context, c deconflict.Caller, bbox *[4]float64) ([]deconflict.TrackReport, error) {
	if c.Party == "" {
		return nil, deconflict.Errorf(deconflict.EFORBIDDEN, "tracks are seen by parties; use a party's token")
	}
	var all []tactical.Track
	if bbox != nil {
		all = s.engine.TracksIn(bbox[0], bbox[1], bbox[2], bbox[3])
	} else {
		all = s.engine.Tracks()
	}
	var groups []string
	seen := map[string]bool{c.Party: true}
	out := []deconflict.TrackReport{}
	for _, t := range all {
		if t.Reporter == c.Party {
			// A reporter (a surveillance network) sees what it sent.
			out = append(out, t.Report)
			continue
		}
		p := t.Report.Party
		ok, done := seen[p]
		if !done {
			if groups == nil {
				me, err := s.cfg.Store.Party(ctx, c.Party)
				if err != nil {
					return nil, err
				}
				groups = append([]string{}, me.Groups...)
			}
			share, err := s.sharing(ctx, s.cfg.Store, p)
			if err != nil {
				return nil, err
			}
			ok = sharesWith(share, c.Party, groups)
			seen[p] = ok
		}
		if ok {
			out = append(out, t.Report)
		}
	}
	return out, nil
}

func sharesWith(share []string, party string, groups []string) bool {
	for _, t := range share {
		switch {
		case t == deconflict.ShareAll || t == party:
			return true
		case strings.HasPrefix(t, deconflict.GroupPrefix) && slices.Contains(groups, strings.TrimPrefix(t, deconflict.GroupPrefix)):
			return true
		}
	}
	return false
}

// Alerts returns the alerts in force that concern the caller, whatever the
// sharing of tracks: a warning reaches every party it concerns.
func (s *Service) Alerts(ctx context.Context, c deconflict.Caller) ([]deconflict.Alert, error) {
	if c.Party == "" {
		return nil, deconflict.Errorf(deconflict.EFORBIDDEN, "alerts are seen by parties; use a party's token")
	}
	out := []deconflict.Alert{}
	for _, a := range s.engine.Alerts() {
		if slices.Contains(a.Parties, c.Party) {
			out = append(out, a.Alert)
		}
	}
	return out, nil
}

// Sharing is a party's track sharing setting as stored: the parties (ids,
// group:NAME, all) that see its live tracks.
type Sharing struct {
	ShareWith []string `json:"share_with"`
}

// sharing reads party's setting; unset is shared with nobody.
func (s *Service) sharing(ctx context.Context, r deconflict.Reader, party string) ([]string, error) {
	data, err := r.Meta(ctx, SharingKey(party))
	if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var sh Sharing
	if err := json.Unmarshal(data, &sh); err != nil {
		return nil, fmt.Errorf("live: track sharing of %q: %w", party, err)
	}
	return sh.ShareWith, nil
}

// SetSharing replaces the caller's track sharing setting. Every target must
// exist (a party id, group:NAME of an existing group, or all).
func (s *Service) SetSharing(ctx context.Context, c deconflict.Caller, shareWith []string) ([]string, error) {
	sh := Sharing{ShareWith: shareWith}
	if c.Party == "" {
		return nil, deconflict.Errorf(deconflict.EFORBIDDEN, "track sharing belongs to parties; use a party's token")
	}
	var f deconflict.FieldErrors
	if sh.ShareWith == nil {
		sh.ShareWith = []string{}
	}
	if lim := s.cfg.Settings.Limits.MaxShareWith; lim > 0 && len(sh.ShareWith) > lim {
		f.Add("share_with", "has %d entries; the limit is %d", len(sh.ShareWith), lim)
		return nil, f.Err()
	}
	for i, t := range sh.ShareWith {
		if t == deconflict.ShareAll {
			continue
		}
		id, _ := strings.CutPrefix(t, deconflict.GroupPrefix)
		if !deconflict.ValidID(id) {
			f.Add(deconflict.Path("share_with", i), "%q is not a party id, group:NAME or all", clip(t))
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	slices.Sort(sh.ShareWith)
	sh.ShareWith = slices.Compact(sh.ShareWith)
	data, err := json.Marshal(sh)
	if err != nil {
		return nil, err
	}
	err = s.cfg.Store.Transact(ctx, func(tx deconflict.Tx) error {
		var f deconflict.FieldErrors
		for i, t := range sh.ShareWith {
			var err error
			switch {
			case t == deconflict.ShareAll:
				continue
			case strings.HasPrefix(t, deconflict.GroupPrefix):
				_, err = tx.Group(ctx, strings.TrimPrefix(t, deconflict.GroupPrefix))
			default:
				_, err = tx.Party(ctx, t)
			}
			if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
				f.Add(deconflict.Path("share_with", i), "%q does not exist", t)
			} else if err != nil {
				return err
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		return tx.SetMeta(ctx, SharingKey(c.Party), data)
	})
	if err != nil {
		return nil, err
	}
	return sh.ShareWith, nil
}

// GetSharing returns the caller's track sharing setting.
func (s *Service) GetSharing(ctx context.Context, c deconflict.Caller) ([]string, error) {
	if c.Party == "" {
		return nil, deconflict.Errorf(deconflict.EFORBIDDEN, "track sharing belongs to parties; use a party's token")
	}
	share, err := s.sharing(ctx, s.cfg.Store, c.Party)
	if err != nil {
		return nil, err
	}
	return orEmpty(share), nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// compileVolumes compiles the volumes of a stored object.
func (s *Service) compileVolumes(vs []deconflict.Volume) ([]*geo.Volume, error) {
	out := make([]*geo.Volume, len(vs))
	for i, v := range vs {
		gv, err := geo.CompileVolume(v, deconflict.Path("volumes", i), s.cfg.Settings.Limits.MaxVertices)
		if err != nil {
			return nil, err
		}
		out[i] = gv
	}
	return out, nil
}

// WriteMetrics writes the service's counters in the Prometheus text
// exposition format, for GET /metrics.
func (s *Service) WriteMetrics(w io.Writer) {
	fmt.Fprintf(w, "# HELP deconflict_track_reports_total Track reports taken into the live picture.\n# TYPE deconflict_track_reports_total counter\ndeconflict_track_reports_total %d\n", s.reports.Load())
	fmt.Fprintf(w, "# HELP deconflict_alert_events_total Alert events written (one per party told).\n# TYPE deconflict_alert_events_total counter\ndeconflict_alert_events_total %d\n", s.events.Load())
	fmt.Fprintf(w, "# HELP deconflict_alert_write_failures_total Batches of alert events that could not be written.\n# TYPE deconflict_alert_write_failures_total counter\ndeconflict_alert_write_failures_total %d\n", s.writeFailures.Load())
}
