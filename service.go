package deconflict

import (
	"context"
	"time"
)

// AccountService manages parties, groups and tokens, and authenticates
// requests. All but Authenticate are for the admin only.
type AccountService interface {
	// CreateParty creates a party and its first token, returned once.
	CreateParty(ctx context.Context, caller Caller, p Party) (Party, string, error)
	// CreateToken makes another token for a party, returned once.
	CreateToken(ctx context.Context, caller Caller, party string) (Token, string, error)
	RevokeToken(ctx context.Context, caller Caller, prefix string) error
	PutGroup(ctx context.Context, caller Caller, g Group) (Group, error)
	// Authenticate returns the caller a bearer token belongs to (EUNAUTHORIZED if none).
	Authenticate(ctx context.Context, token string) (Caller, error)
}

// PutOperationResult is what an accepted operation submission answers.
type PutOperationResult struct {
	Operation Operation
	Conflicts []Conflict // open conflicts of this version, as the submitter sees them
	Created   bool
}

// OperationQuery selects operations the caller may see.
type OperationQuery struct {
	BBox  *[4]float64 // [west, south, east, north]; west > east crosses the antimeridian
	From  time.Time
	To    time.Time
	State OperationState
}

// OperationService accepts, lists and cancels operations.
type OperationService interface {
	// PutOperation creates or replaces the caller's operation op.ID. ifMatch
	// is the version named by If-Match, 0 if none: replacing without it is
	// EPRECONDITIONMISSING, with a stale one EPRECONDITION. A missing
	// acknowledgement or a denying zone is ECONFLICT with Error.Blocking set.
	PutOperation(ctx context.Context, caller Caller, op Operation, ifMatch int64) (PutOperationResult, error)
	// Operation returns an operation the caller may see (party "" = the caller's own).
	Operation(ctx context.Context, caller Caller, party, id string) (Operation, error)
	Operations(ctx context.Context, caller Caller, q OperationQuery) ([]Operation, error)
	// CancelOperation sets the caller's operation to cancelled and closes its conflicts.
	CancelOperation(ctx context.Context, caller Caller, id string, ifMatch int64) (Operation, error)
}

// PutZoneResult is what an accepted zone submission answers.
type PutZoneResult struct {
	Zone      Zone
	Conflicts []Conflict // open conflicts with live operations, as the zone's owner sees them
	Created   bool
}

// ZoneService manages zones. A zone never is refused for the operations it
// conflicts with; their owners are told.
type ZoneService interface {
	// PutZone creates or replaces the caller's zone; ifMatch is optional for zones.
	PutZone(ctx context.Context, caller Caller, z Zone, ifMatch int64) (PutZoneResult, error)
	Zone(ctx context.Context, caller Caller, party, id string) (Zone, error)
	Zones(ctx context.Context, caller Caller, kind ZoneKind) ([]Zone, error)
	DeleteZone(ctx context.Context, caller Caller, id string) error
	// ImportZones creates or replaces all of zones or none; validation faults
	// name the feature: "features[3].geometry...".
	ImportZones(ctx context.Context, caller Caller, zones []Zone) ([]Zone, error)
}

// ConflictService answers what-if checks and lists the caller's conflicts.
type ConflictService interface {
	// CheckConflicts returns the conflicts volumes would have if the caller
	// submitted them as an operation shared as shareWith; nothing is stored.
	CheckConflicts(ctx context.Context, caller Caller, volumes []Volume, shareWith []string) ([]Conflict, error)
	Conflicts(ctx context.Context, caller Caller, state ConflictState) ([]Conflict, error)
}

// EventService delivers a party's events, records acknowledgements and
// carries the hotline (SPEC §5).
type EventService interface {
	// Events returns up to limit of the caller's events after id after.
	Events(ctx context.Context, caller Caller, after int64, limit int) ([]Event, error)
	// Wait returns a channel closed when the caller may have new events.
	Wait(caller Caller) <-chan struct{}
	// Delivered records that the caller's events ids were delivered via a
	// stream or webhook (the first delivery of each is kept).
	Delivered(ctx context.Context, caller Caller, ids []int64, via string) error
	// Ack acknowledges one of the caller's events; repeating it returns the first.
	Ack(ctx context.Context, caller Caller, id int64) (Ack, error)
	// SendMessage sends a hotline message to parties, groups ("group:NAME")
	// or "all"; it returns the events sent, one per recipient.
	SendMessage(ctx context.Context, caller Caller, m NewMessage) ([]SentMessage, error)
	PutWebhook(ctx context.Context, caller Caller, w Webhook) (Webhook, bool, error)
	Webhook(ctx context.Context, caller Caller, id string) (Webhook, WebhookStatus, error)
	Webhooks(ctx context.Context, caller Caller) ([]Webhook, error)
	DeleteWebhook(ctx context.Context, caller Caller, id string) error
}

// NewMessage is a hotline message as sent.
type NewMessage struct {
	To       []string `json:"to"`
	Text     string   `json:"text"`
	NeedsAck bool     `json:"needs_ack"`
}

// SentMessage is one recipient's copy of a message.
type SentMessage struct {
	Party   string `json:"party"`
	EventID int64  `json:"event_id"`
}

// LedgerService serves the verifiable record (SPEC §5).
type LedgerService interface {
	// Checkpoint returns the latest checkpoint, a signed note.
	Checkpoint(ctx context.Context) ([]byte, error)
	// VerifierKey is the note verifier key checkpoints are signed for.
	VerifierKey() string
	// Entries returns entries [start, end): in full to their audience, as
	// leaf hashes to everyone else.
	Entries(ctx context.Context, caller Caller, start, end int64) ([]LedgerEntryView, error)
	InclusionProof(ctx context.Context, index, size int64) ([][]byte, error)
	ConsistencyProof(ctx context.Context, from, to int64) ([][]byte, error)
}

// LedgerEntryView is one ledger entry as a caller may see it: Entry holds
// its canonical text (package ledger) when the caller is in its audience,
// else only the leaf hash (base64) is given.
type LedgerEntryView struct {
	Index    int64  `json:"index"`
	LeafHash []byte `json:"leaf_hash"`
	Entry    string `json:"entry,omitempty"`
}
