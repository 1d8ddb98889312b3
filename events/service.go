// Package events is the service behind the event stream, acknowledgements,
// the hotline, webhooks and the ledger's read side (SPEC §5): it checks who
// may do what, runs each write in one store transaction through package
// journal, and reads the ledger for proofs. It knows nothing of HTTP.
package events

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/hub"
	"github.com/deconflict/deconflict/journal"
	"github.com/deconflict/deconflict/ledger"
)

// Config configures a Service.
type Config struct {
	Store   deconflict.Store
	Journal *journal.Journal
	Hub     *hub.Hub
	Signer  *ledger.Signer
	// CheckURL vets a webhook URL (package delivery); nil accepts any
	// http(s) URL.
	CheckURL func(ctx context.Context, url string) error
	// Webhooks is told when webhooks change, and asked how each stands
	// (package delivery); nil when webhooks are not dispatched.
	Webhooks WebhookDispatcher
	Now      func() time.Time
}

// WebhookDispatcher is what the service needs of the webhook dispatcher.
type WebhookDispatcher interface {
	Reload()
	Status(party, id string) (deconflict.WebhookStatus, bool)
}

// Service implements deconflict.EventService and deconflict.LedgerService.
type Service struct{ cfg Config }

var (
	_ deconflict.EventService  = (*Service)(nil)
	_ deconflict.LedgerService = (*Service)(nil)
)

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg}
}

func requireParty(c deconflict.Caller) error {
	if c.Party == "" {
		return deconflict.Errorf(deconflict.EFORBIDDEN, "events, messages and webhooks belong to parties; use a party's token")
	}
	return nil
}

// MaxPage is the most events one read returns.
const MaxPage = 1000

// Events returns the caller's events after id after.
func (s *Service) Events(ctx context.Context, c deconflict.Caller, after int64, limit int) ([]deconflict.Event, error) {
	if err := requireParty(c); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	if evs, ok := s.cfg.Hub.Since(c.Party, max(after, 0), limit); ok {
		return evs, nil
	}
	return s.cfg.Store.EventsAfter(ctx, c.Party, max(after, 0), limit)
}

// Wait returns a channel closed when the caller may have new events.
func (s *Service) Wait(c deconflict.Caller) <-chan struct{} { return s.cfg.Hub.Wait(c.Party) }

// Delivered records first deliveries, in one transaction; events already
// recorded as delivered (by another stream of the same party, say) are
// passed over without entering the writer.
func (s *Service) Delivered(ctx context.Context, c deconflict.Caller, ids []int64, via string) error {
	if err := requireParty(c); err != nil || len(ids) == 0 {
		return err
	}
	var todo []int64
	for _, id := range ids {
		done, err := s.cfg.Store.Delivered(ctx, id)
		if err != nil {
			return err
		}
		if !done {
			todo = append(todo, id)
		}
	}
	ids = todo
	if len(ids) == 0 {
		return nil
	}
	return s.cfg.Store.Transact(ctx, func(tx deconflict.Tx) error {
		for _, id := range ids {
			if err := s.cfg.Journal.Delivered(ctx, tx, c.Party, id, via); err != nil {
				return err
			}
		}
		return nil
	})
}

// Ack acknowledges one of the caller's events.
func (s *Service) Ack(ctx context.Context, c deconflict.Caller, id int64) (deconflict.Ack, error) {
	if err := requireParty(c); err != nil {
		return deconflict.Ack{}, err
	}
	var a deconflict.Ack
	err := s.cfg.Store.Transact(ctx, func(tx deconflict.Tx) error {
		var err error
		a, err = s.cfg.Journal.Ack(ctx, tx, c.Party, id)
		return err
	})
	if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
		// The same answer for another party's event as for none at all.
		return a, deconflict.Errorf(deconflict.ENOTFOUND, "event %d not found", id)
	}
	return a, err
}

// MaxMessageBytes bounds a hotline message's text.
const MaxMessageBytes = 16 << 10

// SendMessage sends a hotline message.
func (s *Service) SendMessage(ctx context.Context, c deconflict.Caller, m deconflict.NewMessage) ([]deconflict.SentMessage, error) {
	if err := requireParty(c); err != nil {
		return nil, err
	}
	var f deconflict.FieldErrors
	if strings.TrimSpace(m.Text) == "" {
		f.Add("text", "is empty: write the message")
	} else if len(m.Text) > MaxMessageBytes {
		f.Add("text", "is %d bytes; the limit is %d", len(m.Text), MaxMessageBytes)
	}
	if len(m.To) == 0 {
		f.Add("to", "names nobody: give party ids, group:NAME or all")
	}
	if len(m.To) > 1000 {
		f.Add("to", "has %d entries; the limit is 1000", len(m.To))
	}
	for i, t := range m.To {
		if t == deconflict.ShareAll {
			continue
		}
		id, _ := strings.CutPrefix(t, deconflict.GroupPrefix)
		if !deconflict.ValidID(id) {
			f.Add(deconflict.Path("to", i), "%q is not a party id, group:NAME or all", t)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out []deconflict.SentMessage
	err := s.cfg.Store.Transact(ctx, func(tx deconflict.Tx) error {
		recipients, err := resolve(ctx, tx, m.To)
		if err != nil {
			return err
		}
		recipients = slices.DeleteFunc(recipients, func(p string) bool { return p == c.Party })
		if len(recipients) == 0 {
			return deconflict.Invalid("the message reaches nobody but its sender",
				deconflict.FieldError{Field: "to", Message: "names no other party"})
		}
		sent, err := s.cfg.Journal.SendMessage(ctx, tx, journal.Message{From: c.Party, To: m.To, Text: m.Text}, recipients, m.NeedsAck)
		if err != nil {
			return err
		}
		out = out[:0]
		for _, e := range sent {
			out = append(out, deconflict.SentMessage{Party: e.Party, EventID: e.ID})
		}
		return nil
	})
	return out, err
}

// resolve turns party ids, group:NAME and all into party ids, each once,
// sorted; a target that does not exist is EINVALID.
func resolve(ctx context.Context, r deconflict.Reader, to []string) ([]string, error) {
	var out []string
	var f deconflict.FieldErrors
	for i, t := range to {
		switch {
		case t == deconflict.ShareAll:
			ids, err := r.PartyIDs(ctx)
			if err != nil {
				return nil, err
			}
			out = append(out, ids...)
		case strings.HasPrefix(t, deconflict.GroupPrefix):
			g, err := r.Group(ctx, strings.TrimPrefix(t, deconflict.GroupPrefix))
			if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
				f.Add(deconflict.Path("to", i), "group %q does not exist", t)
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, g.Members...)
		default:
			if _, err := r.Party(ctx, t); deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
				f.Add(deconflict.Path("to", i), "party %q does not exist", t)
				continue
			} else if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
