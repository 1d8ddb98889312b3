package deconflict

import (
	"encoding/json"
	"time"
)

// EventKind names what an event tells (SPEC §6).
type EventKind string

const (
	EventConflictOpened  EventKind = "conflict.opened"
	EventConflictUpdated EventKind = "conflict.updated"
	EventConflictClosed  EventKind = "conflict.closed"
	EventAlertRaised     EventKind = "alert.raised"
	EventAlertUpdated    EventKind = "alert.updated"
	EventAlertCleared    EventKind = "alert.cleared"
	EventMessage         EventKind = "message"
	EventAck             EventKind = "ack"
)

// Event is something a party must be told, as that party sees it: delivered by
// stream and webhook, acknowledged by the recipient when NeedsAck. Data is the
// kind's body (a conflict, an alert, a message, an acknowledgement) already
// redacted for the recipient.
type Event struct {
	ID       int64           `json:"id"`
	Kind     EventKind       `json:"kind"`
	Time     time.Time       `json:"time"`
	NeedsAck bool            `json:"needs_ack"`
	Data     json.RawMessage `json:"data"`
}
