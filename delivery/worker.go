package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/deconflict/deconflict"
)

// worker delivers the events of one webhook, one at a time, in id order.
type worker struct {
	d      *Dispatcher
	key    hookKey
	hook   atomic.Pointer[deconflict.Webhook] // settings, replaced in place by reconcile
	cancel context.CancelFunc
	done   chan struct{}
	prev   chan struct{} // done of the predecessor under the same id, or nil

	notify  chan struct{} // new events may be there
	changed chan struct{} // settings changed: retry now

	mu     sync.Mutex
	status deconflict.WebhookStatus
}

func (w *worker) wake() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

func (w *worker) changedSettings() {
	select {
	case w.changed <- struct{}{}:
	default:
	}
	w.wake()
}

func (w *worker) setStatus(f func(s *deconflict.WebhookStatus)) {
	w.mu.Lock()
	f(&w.status)
	w.mu.Unlock()
}

func (w *worker) via() string { return "webhook:" + w.key.id }

func (w *worker) run(ctx context.Context) {
	defer close(w.done)
	if w.prev != nil {
		select {
		case <-w.prev:
		case <-ctx.Done():
			return
		}
	}
	log := w.d.log.With("party", w.key.party, "webhook", w.key.id)
	var cursor int64
	if !w.retryStore(ctx, log, "read cursor", func() (err error) {
		cursor, err = w.d.store.WebhookCursor(ctx, w.key.party, w.key.id)
		return err
	}) {
		return
	}
	w.setStatus(func(s *deconflict.WebhookStatus) { s.Cursor = cursor })
	saved := cursor // the cursor as the store holds it
	for {
		var page []deconflict.Event
		if !w.retryStore(ctx, log, "read events", func() (err error) {
			page, err = w.d.store.EventsAfter(ctx, w.key.party, cursor, w.d.opt.PageSize)
			return err
		}) {
			return
		}
		for _, ev := range page {
			if ev.ID <= cursor {
				continue // not in the contract; never go back
			}
			if !w.hook.Load().Wants(ev.Kind) {
				cursor = ev.ID
				w.setStatus(func(s *deconflict.WebhookStatus) { s.Cursor = cursor })
				continue
			}
			switch w.deliver(ctx, log, ev) {
			case stopped:
				return
			case delivered:
				cursor, saved = ev.ID, ev.ID
			case unwanted:
				cursor = ev.ID
				w.setStatus(func(s *deconflict.WebhookStatus) { s.Cursor = cursor })
			}
		}
		if len(page) > 0 {
			if cursor != saved {
				// Skipped events are remembered once a page, not each: losing
				// this write only means skipping them again.
				if err := w.d.store.SetWebhookCursor(ctx, w.key.party, w.key.id, cursor); err == nil {
					saved = cursor
				} else if ctx.Err() == nil {
					log.Warn("webhook: cannot save cursor past skipped events", "cursor", cursor, "err", err)
				}
			}
			if len(page) == w.d.opt.PageSize {
				continue
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-w.notify:
		}
	}
}

// retryStore runs f until it succeeds, waiting with backoff between failures;
// false when ctx ended first.
func (w *worker) retryStore(ctx context.Context, log *slog.Logger, what string, f func() error) bool {
	for n := 1; ; n++ {
		err := f()
		if err == nil {
			if n > 1 {
				w.setStatus(func(s *deconflict.WebhookStatus) { s.LastError, s.NextAttempt = "", time.Time{} })
			}
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		wait := w.d.backoff(n)
		next := w.d.opt.Now().Add(wait)
		w.setStatus(func(s *deconflict.WebhookStatus) {
			s.LastError = "store: " + what + ": " + err.Error()
			s.NextAttempt = next
		})
		log.Warn("webhook: store failed", "what", what, "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return false
		}
	}
}

// sleep waits d; false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// outcome is how deliver ended.
type outcome int

const (
	delivered outcome = iota // taken by the receiver, recorded, cursor moved
	unwanted                 // the webhook's kinds changed to exclude it; cursor not saved
	stopped                  // ctx ended first
)

// deliver sends ev until the receiver takes it, then records the delivery
// and moves the cursor.
func (w *worker) deliver(ctx context.Context, log *slog.Logger, ev deconflict.Event) outcome {
	body, encErr := json.Marshal(ev)
	select {
	case <-w.changed: // the settings this attempt loads are already the new ones
	default:
	}
	for attempt := 1; ; attempt++ {
		hook := w.hook.Load()
		if !hook.Wants(ev.Kind) {
			// The kinds changed while the event was being retried.
			w.setStatus(func(s *deconflict.WebhookStatus) { s.Attempts, s.LastError, s.NextAttempt = 0, "", time.Time{} })
			return unwanted
		}
		err := encErr
		if err == nil {
			err = w.post(ctx, hook, ev, body)
		} else {
			err = fmt.Errorf("encode event: %w", err)
		}
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return stopped
		}
		wait := w.d.backoff(attempt)
		next := w.d.opt.Now().Add(wait)
		w.setStatus(func(s *deconflict.WebhookStatus) {
			s.Attempts = attempt
			s.LastError = err.Error()
			s.NextAttempt = next
		})
		log.Warn("webhook: delivery failed", "event", ev.ID, "attempt", attempt, "err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return stopped
		case <-w.changed:
			attempt = 0 // a new URL or secret is tried at once, and starts afresh
		case <-t.C:
		}
		t.Stop()
	}
	at := w.d.opt.Now()
	record := func(ctx context.Context) error {
		if err := w.d.store.Delivered(ctx, w.key.party, ev.ID, w.via(), at); err != nil {
			return err
		}
		return w.d.store.SetWebhookCursor(ctx, w.key.party, w.key.id, ev.ID)
	}
	// The receiver has the event: record it even if the dispatcher is
	// stopping, so that a restart does not send it again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.d.opt.Timeout)
	err := record(rctx)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return stopped
		}
		if !w.retryStore(ctx, log, "record delivery", func() error { return record(ctx) }) {
			return stopped
		}
	}
	w.setStatus(func(s *deconflict.WebhookStatus) {
		s.Cursor = ev.ID
		s.Attempts = 0
		s.LastError = ""
		s.NextAttempt = time.Time{}
		s.Delivered++
	})
	log.Debug("webhook: delivered", "event", ev.ID, "kind", ev.Kind)
	return delivered
}

// post makes one attempt; nil when the receiver answered 2xx.
func (w *worker) post(ctx context.Context, hook *deconflict.Webhook, ev deconflict.Event, body []byte) error {
	actx, cancel := context.WithTimeout(ctx, w.d.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("bad url: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Deconflict-Webhook/1")
	req.Header.Set(HeaderEventID, strconv.FormatInt(ev.ID, 10))
	req.Header.Set(HeaderEventKind, string(ev.Kind))
	req.Header.Set(HeaderWebhookID, hook.ID)
	req.Header.Set(HeaderSignature, Sign([]byte(hook.Secret), w.d.opt.Now(), body))
	resp, err := w.d.client.Do(req)
	if err != nil {
		if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("no answer within %s", w.d.opt.Timeout)
		}
		return err
	}
	// Reading what the receiver said, bounded, lets the connection be reused
	// and gives the party something to go on in Status.
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	msg := "HTTP " + resp.Status
	if s := printable(head); s != "" {
		msg += ": " + s
	}
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += " (redirects are not followed; register the final URL)"
	}
	return errors.New(msg)
}

// printable keeps a receiver's answer fit for a status line.
func printable(b []byte) string {
	s := strings.Map(func(r rune) rune {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, string(b))
	return strings.Join(strings.Fields(s), " ")
}
