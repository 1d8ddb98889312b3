package deconflict

import (
	"context"
	"time"
)

// StoredEvent is an event as the store keeps it: for one recipient party,
// caused by Origin (a party, or "system" for the exchange itself), and the
// leaf of the ledger entry that recorded its creation.
type StoredEvent struct {
	Event
	Party       string // the recipient
	Origin      string
	LedgerIndex int64
}

// Ack is one recipient's acknowledgement of an event.
type Ack struct {
	EventID     int64     `json:"event_id"`
	Party       string    `json:"party"`
	At          time.Time `json:"at"`
	LedgerIndex int64     `json:"ledger_index"`
}

// LedgerRecord is one entry of the ledger as stored: its canonical bytes
// (package ledger), the audience those bytes name, and its leaf hash.
type LedgerRecord struct {
	Index     int64
	Canonical []byte
	Audience  []string
	LeafHash  []byte
}

// LedgerNodeID names a node of the ledger's Merkle tree: the root of the
// perfect subtree over leaves [Index·2^Level, (Index+1)·2^Level).
type LedgerNodeID struct {
	Level uint
	Index uint64
}

// LedgerHead is the ledger's size and root hash as committed.
type LedgerHead struct {
	Size int64
	Root []byte
}

// EventReader reads events, webhooks and the ledger.
type EventReader interface {
	// EventsAfter returns up to limit events of party with ids above after,
	// in id order.
	EventsAfter(ctx context.Context, party string, after int64, limit int) ([]Event, error)
	// StoredEvent returns event id of party (ENOTFOUND when it is not that
	// party's).
	StoredEvent(ctx context.Context, party string, id int64) (StoredEvent, error)
	// Acks returns the acknowledgements of an event.
	Acks(ctx context.Context, id int64) ([]Ack, error)
	// Delivered reports whether event id was delivered already.
	Delivered(ctx context.Context, id int64) (bool, error)
	Webhooks(ctx context.Context) ([]Webhook, error)
	Webhook(ctx context.Context, party, id string) (Webhook, error)
	WebhookCursor(ctx context.Context, party, id string) (int64, error)
	LedgerHead(ctx context.Context) (LedgerHead, error)
	// LedgerEntries returns the entries with index in [start, end).
	LedgerEntries(ctx context.Context, start, end int64) ([]LedgerRecord, error)
	// LedgerNodes returns the hashes of the stored tree nodes ids, in order
	// (ENOTFOUND when one is missing).
	LedgerNodes(ctx context.Context, ids []LedgerNodeID) ([][]byte, error)
}

// EventWriter writes events, acknowledgements, webhooks and ledger entries
// inside a transaction, together with the change they record.
type EventWriter interface {
	// AppendLedger appends entries (canonical bytes, package ledger) to the
	// ledger and returns the index of the first.
	AppendLedger(ctx context.Context, entries ...[]byte) (first int64, err error)
	// AddEvents stores events, each for its recipient, and returns the ids
	// they get, in order. Each event's Data must be one JSON value, as the
	// journal encodes every kind's body.
	AddEvents(ctx context.Context, es []StoredEvent) ([]int64, error)
	// AddAck records an acknowledgement; false when that party had already
	// acknowledged the event (nothing is written then).
	AddAck(ctx context.Context, a Ack) (bool, error)
	// MarkDelivered records the first delivery of an event; false when it
	// was already delivered (nothing is written then).
	MarkDelivered(ctx context.Context, id int64, via string, at time.Time, ledgerIndex int64) (bool, error)
	PutWebhook(ctx context.Context, w Webhook) error
	DeleteWebhook(ctx context.Context, party, id string) error
	SetWebhookCursor(ctx context.Context, party, id string, cursor int64) error
}
