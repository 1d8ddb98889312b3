package deconflict

import "time"

// Webhook is where a party wants its events pushed: deliveries are signed
// with Secret (HMAC-SHA256), retried with backoff, in event order, at least
// once. Only the owner party creates, replaces or deletes it; Secret is never
// shown back.
type Webhook struct {
	Party     string      `json:"party"`
	ID        string      `json:"id"`
	URL       string      `json:"url"`
	Kinds     []EventKind `json:"kinds"` // empty: every kind
	Secret    string      `json:"-"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// Wants reports whether the webhook takes events of kind k.
func (w *Webhook) Wants(k EventKind) bool {
	if len(w.Kinds) == 0 {
		return true
	}
	for _, x := range w.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// WebhookStatus is how deliveries to a webhook stand.
type WebhookStatus struct {
	Cursor      int64     `json:"cursor"`       // the last event delivered (or skipped as not wanted)
	Attempts    int       `json:"attempts"`     // failed attempts at the next event
	LastError   string    `json:"last_error"`   // of the last failed attempt
	NextAttempt time.Time `json:"next_attempt"` // zero when idle
	Delivered   int64     `json:"delivered"`    // events delivered since the server started
}
