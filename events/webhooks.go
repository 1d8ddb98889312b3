package events

import (
	"context"
	"net/url"
	"slices"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/delivery"
	"github.com/deconflict/deconflict/journal"
)

var eventKinds = []deconflict.EventKind{
	deconflict.EventConflictOpened, deconflict.EventConflictUpdated, deconflict.EventConflictClosed,
	deconflict.EventAlertRaised, deconflict.EventAlertUpdated, deconflict.EventAlertCleared,
	deconflict.EventMessage, deconflict.EventAck,
}

// PutWebhook creates or replaces one of the caller's webhooks; created
// reports which.
func (s *Service) PutWebhook(ctx context.Context, c deconflict.Caller, w deconflict.Webhook) (deconflict.Webhook, bool, error) {
	if err := requireParty(c); err != nil {
		return w, false, err
	}
	w.Party = c.Party
	var f deconflict.FieldErrors
	f.CheckID("id", w.ID)
	for i, k := range w.Kinds {
		if !slices.Contains(eventKinds, k) {
			f.Add(deconflict.Path("kinds", i), "%q is not an event kind (one of conflict.opened, conflict.updated, conflict.closed, alert.raised, alert.updated, alert.cleared, message, ack)", k)
		}
	}
	if len(w.Secret) < 16 || len(w.Secret) > 256 {
		f.Add("secret", "must be 16 to 256 characters (the receiver checks each delivery's HMAC-SHA256 signature with it)")
	}
	if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		f.Add("url", "must be an absolute http or https URL")
	}
	if err := f.Err(); err != nil {
		return w, false, err
	}
	if s.cfg.CheckURL != nil {
		if err := s.cfg.CheckURL(ctx, w.URL); err != nil {
			return w, false, err
		}
	}
	if w.Kinds == nil {
		w.Kinds = []deconflict.EventKind{}
	}
	now := s.cfg.Now().UTC().Truncate(1000)
	created := false
	err := s.cfg.Store.Transact(ctx, func(tx deconflict.Tx) error {
		cur, err := tx.Webhook(ctx, w.Party, w.ID)
		switch deconflict.ErrorCode(err) {
		case "":
			w.CreatedAt = cur.CreatedAt
		case deconflict.ENOTFOUND:
			w.CreatedAt, created = now, true
		default:
			return err
		}
		w.UpdatedAt = now
		if err := tx.PutWebhook(ctx, w); err != nil {
			return err
		}
		if created {
			// A new webhook starts from now: it is not sent the past.
			evs, err := lastEvent(ctx, tx, w.Party)
			if err != nil {
				return err
			}
			return tx.SetWebhookCursor(ctx, w.Party, w.ID, evs)
		}
		return nil
	})
	if err != nil {
		return w, false, err
	}
	if s.cfg.Webhooks != nil {
		s.cfg.Webhooks.Reload()
	}
	return w, created, nil
}

// lastEvent returns the id of party's latest event (0 when none).
func lastEvent(ctx context.Context, r deconflict.Reader, party string) (int64, error) {
	var last int64
	for {
		evs, err := r.EventsAfter(ctx, party, last, MaxPage)
		if err != nil || len(evs) == 0 {
			return last, err
		}
		last = evs[len(evs)-1].ID
	}
}

// Webhook returns one of the caller's webhooks and how its deliveries stand.
func (s *Service) Webhook(ctx context.Context, c deconflict.Caller, id string) (deconflict.Webhook, deconflict.WebhookStatus, error) {
	if err := requireParty(c); err != nil {
		return deconflict.Webhook{}, deconflict.WebhookStatus{}, err
	}
	w, err := s.cfg.Store.Webhook(ctx, c.Party, id)
	if err != nil {
		return w, deconflict.WebhookStatus{}, err
	}
	var st deconflict.WebhookStatus
	if s.cfg.Webhooks != nil {
		st, _ = s.cfg.Webhooks.Status(c.Party, id)
	}
	if st.Cursor == 0 {
		if st.Cursor, err = s.cfg.Store.WebhookCursor(ctx, c.Party, id); err != nil {
			return w, st, err
		}
	}
	return w, st, nil
}

// Webhooks lists the caller's webhooks.
func (s *Service) Webhooks(ctx context.Context, c deconflict.Caller) ([]deconflict.Webhook, error) {
	if err := requireParty(c); err != nil {
		return nil, err
	}
	all, err := s.cfg.Store.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(w deconflict.Webhook) bool { return w.Party != c.Party }), nil
}

// DeleteWebhook deletes one of the caller's webhooks.
func (s *Service) DeleteWebhook(ctx context.Context, c deconflict.Caller, id string) error {
	if err := requireParty(c); err != nil {
		return err
	}
	err := s.cfg.Store.Transact(ctx, func(tx deconflict.Tx) error { return tx.DeleteWebhook(ctx, c.Party, id) })
	if err == nil && s.cfg.Webhooks != nil {
		s.cfg.Webhooks.Reload()
	}
	return err
}

// DeliveryStore is the store as the webhook dispatcher (package delivery)
// needs it: reads from the store, and each write in its own transaction,
// first deliveries recorded by the journal.
func DeliveryStore(st deconflict.Store, j *journal.Journal) delivery.Store {
	return deliveryStore{st, j}
}

type deliveryStore struct {
	deconflict.Store
	j *journal.Journal
}

func (d deliveryStore) SetWebhookCursor(ctx context.Context, party, id string, eventID int64) error {
	return d.Transact(ctx, func(tx deconflict.Tx) error { return tx.SetWebhookCursor(ctx, party, id, eventID) })
}

func (d deliveryStore) Delivered(ctx context.Context, party string, eventID int64, via string, _ time.Time) error {
	return d.Transact(ctx, func(tx deconflict.Tx) error { return d.j.Delivered(ctx, tx, party, eventID, via) })
}
