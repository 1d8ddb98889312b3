package delivery

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deconflict/deconflict"
)

// Store is what the dispatcher needs from the exchange's store. Every method
// may be called from many goroutines at once.
type Store interface {
	// Webhooks lists every webhook of every party, secrets included.
	Webhooks(ctx context.Context) ([]deconflict.Webhook, error)
	// EventsAfter lists at most limit events of party's with ids greater
	// than after, in increasing id order.
	EventsAfter(ctx context.Context, party string, after int64, limit int) ([]deconflict.Event, error)
	// WebhookCursor returns the id of the last event delivered to (or skipped
	// by) the webhook, 0 when none ever was.
	WebhookCursor(ctx context.Context, party, id string) (int64, error)
	// SetWebhookCursor durably moves the webhook's cursor to eventID.
	SetWebhookCursor(ctx context.Context, party, id string, eventID int64) error
	// Delivered records the first delivery of an event to its recipient
	// party (a ledger entry); via says how ("webhook:<id>"). Repeating it is
	// harmless: the store keeps only the first.
	Delivered(ctx context.Context, party string, eventID int64, via string, at time.Time) error
}

// Options tune a Dispatcher. The zero value is usable.
type Options struct {
	// Client sends the requests. nil: a client of its own. Either way
	// redirects are not followed (a 3xx answer is a failed attempt).
	Client *http.Client
	// Now gives the time that signatures, ledger entries and Status carry.
	// nil: time.Now.
	Now func() time.Time
	// BackoffBase and BackoffCap shape the wait before retrying an event:
	// after the n-th failed attempt, a uniformly random time between 0 and
	// min(BackoffCap, BackoffBase·2^(n-1)). Retries never stop. Defaults
	// 1 s and 5 min.
	BackoffBase time.Duration
	BackoffCap  time.Duration
	// Timeout bounds one attempt, from dialling to reading the answer.
	// Default 10 s.
	Timeout time.Duration
	// PageSize is how many events a webhook reads from the store at once,
	// which bounds its memory whatever the backlog. Default 100.
	PageSize int
	// Poll is how often webhooks and events are re-read without a Notify or
	// Reload, a safety net for changes made by another process. Default 30 s.
	Poll time.Duration
	// Logger receives failed attempts (Warn) and deliveries (Debug). nil:
	// nothing is logged.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = time.Second
	}
	if o.BackoffCap <= 0 {
		o.BackoffCap = 5 * time.Minute
	}
	if o.BackoffCap < o.BackoffBase {
		o.BackoffCap = o.BackoffBase
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	if o.Poll <= 0 {
		o.Poll = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Dispatcher pushes events to webhooks, one worker goroutine per webhook so
// that a slow or dead receiver holds up nobody else. Create it with New and
// start it with Run; Notify, Reload and Status may be called from any
// goroutine, before, during or after Run.
type Dispatcher struct {
	store  Store
	opt    Options
	client *http.Client
	log    *slog.Logger

	reload chan struct{}
	ran    atomic.Bool

	mu      sync.RWMutex
	workers map[hookKey]*worker
	byParty map[string][]*worker
	// retired holds the done channels of workers being stopped, so that a
	// webhook recreated under the same id waits for its predecessor and the
	// two never deliver at once.
	retired map[hookKey]chan struct{}
	wg      sync.WaitGroup
}

type hookKey struct{ party, id string }

// New returns a Dispatcher over store; it does nothing until Run.
func New(store Store, opt Options) *Dispatcher {
	opt = opt.withDefaults()
	client := &http.Client{Transport: newTransport()}
	if opt.Client != nil {
		c := *opt.Client
		client = &c
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Dispatcher{
		store:   store,
		opt:     opt,
		client:  client,
		log:     opt.Logger,
		reload:  make(chan struct{}, 1),
		workers: map[hookKey]*worker{},
		byParty: map[string][]*worker{},
		retired: map[hookKey]chan struct{}{},
	}
}

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Each webhook sends one request at a time, so one idle connection per
	// host is all that is reused; more would only hold sockets open.
	t.MaxIdleConnsPerHost = 2
	return t
}

// ErrRunning is returned by a second call of Run.
var ErrRunning = errors.New("delivery: Run called more than once")

// Run loads the webhooks, starts their workers and keeps them in step with
// Reload until ctx ends; then it stops every worker, waits for in-flight
// attempts to end (they are cancelled), and returns nil. Run may be called
// once.
func (d *Dispatcher) Run(ctx context.Context) error {
	if !d.ran.CompareAndSwap(false, true) {
		return ErrRunning
	}
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		d.wg.Wait()
	}()
	d.reconcile(ctx)
	tick := time.NewTicker(d.opt.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-d.reload:
			d.reconcile(ctx)
		case <-tick.C:
			d.reconcile(ctx)
			d.mu.RLock()
			for _, w := range d.workers {
				w.wake()
			}
			d.mu.RUnlock()
		}
	}
}

// Notify tells the dispatcher that new events were committed for party. It
// never blocks and costs a map lookup.
func (d *Dispatcher) Notify(party string) {
	d.mu.RLock()
	for _, w := range d.byParty[party] {
		w.wake()
	}
	d.mu.RUnlock()
}

// Reload tells the dispatcher that webhooks were created, replaced or
// deleted; Run re-reads them soon after. It never blocks. A webhook whose URL,
// secret or kinds changed keeps its place and uses the new settings from its
// next attempt, at once if it was waiting to retry.
func (d *Dispatcher) Reload() {
	select {
	case d.reload <- struct{}{}:
	default:
	}
}

// Status returns how deliveries to webhook (party, id) stand, and false when
// the dispatcher does not run it (unknown, deleted, or not yet loaded).
func (d *Dispatcher) Status(party, id string) (deconflict.WebhookStatus, bool) {
	d.mu.RLock()
	w := d.workers[hookKey{party, id}]
	d.mu.RUnlock()
	if w == nil {
		return deconflict.WebhookStatus{}, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status, true
}

// reconcile starts, updates and stops workers to match the stored webhooks.
func (d *Dispatcher) reconcile(ctx context.Context) {
	hooks, err := d.store.Webhooks(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("webhooks: cannot load; retrying at the next poll", "err", err, "poll", d.opt.Poll)
		}
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, done := range d.retired {
		select {
		case <-done:
			delete(d.retired, k)
		default:
		}
	}
	seen := make(map[hookKey]bool, len(hooks))
	for i := range hooks {
		h := hooks[i]
		h.Kinds = slices.Clone(h.Kinds)
		k := hookKey{h.Party, h.ID}
		if seen[k] {
			continue
		}
		seen[k] = true
		if w := d.workers[k]; w != nil {
			if old := w.hook.Load(); !sameSettings(old, &h) {
				w.hook.Store(&h)
				w.changedSettings()
			}
			continue
		}
		wctx, cancel := context.WithCancel(ctx)
		w := &worker{
			d:       d,
			key:     k,
			cancel:  cancel,
			done:    make(chan struct{}),
			prev:    d.retired[k],
			notify:  make(chan struct{}, 1),
			changed: make(chan struct{}, 1),
		}
		delete(d.retired, k)
		w.hook.Store(&h)
		d.workers[k] = w
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			w.run(wctx)
		}()
	}
	for k, w := range d.workers {
		if !seen[k] {
			w.cancel()
			d.retired[k] = w.done
			delete(d.workers, k)
		}
	}
	clear(d.byParty)
	for k, w := range d.workers {
		d.byParty[k.party] = append(d.byParty[k.party], w)
	}
}

func sameSettings(a, b *deconflict.Webhook) bool {
	return a.URL == b.URL && a.Secret == b.Secret && slices.Equal(a.Kinds, b.Kinds)
}

// backoff returns the wait after the attempt-th consecutive failure (from 1):
// full jitter, so that receivers recovering from an outage are not hit by
// every sender at the same instant.
func (d *Dispatcher) backoff(attempt int) time.Duration {
	limit := d.opt.BackoffBase
	for i := 1; i < attempt && limit < d.opt.BackoffCap; i++ {
		if limit > d.opt.BackoffCap/2 {
			limit = d.opt.BackoffCap
			break
		}
		limit *= 2
	}
	limit = min(limit, d.opt.BackoffCap)
	return time.Duration(rand.Int64N(int64(limit) + 1))
}
