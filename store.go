package deconflict

import (
	"context"
	"time"
)

// IndexedVolume is one volume of a live operation or zone as the candidate
// index holds it. The envelope (cells, window, altitude band) must contain the
// volume widened by everything that the owner itself brings to a conflict: its
// buffer and, for a zone, its own minima. A query widens its own side by the
// rest, so a search by overlap of envelopes never misses a conflict.
type IndexedVolume struct {
	Volume    int       // position in the object's Volumes
	Cells     []uint64  // S2 cell ids, any levels, covering the widened footprint
	Start     time.Time // envelope in time
	End       time.Time
	AltLowerM float64 // envelope in altitude
	AltUpperM float64
}

// CandidateQuery asks the index for stored volumes that may conflict: a stored
// cell is an ancestor or descendant of (or equal to) a query cell, the windows
// overlap (stored.Start < End and stored.End > Start) and the altitude bands
// touch (stored.AltLowerM <= AltUpperM and stored.AltUpperM >= AltLowerM).
type CandidateQuery struct {
	Cells        []uint64
	Start, End   time.Time
	AltLowerM    float64
	AltUpperM    float64
	ExcludeParty string // the submitter: a party's own objects never conflict
}

// Candidate is one stored volume that a CandidateQuery matched.
type Candidate struct {
	Kind    ObjectKind
	Party   string
	ID      string
	Version int64
	Volume  int
}

// Audience says whose objects a party may see: its own, and those shared with
// its id, one of its groups, or all.
type Audience struct {
	Party  string
	Groups []string
}

// OperationFilter selects operations for a listing. Zero fields select all.
type OperationFilter struct {
	Visible *Audience      // only those the audience may see
	Party   string         // only this owner's
	State   OperationState // only in this state
	From    time.Time      // only with a volume ending after From
	To      time.Time      // only with a volume starting before To
	Limit   int            // at most this many (0: no limit), in (party, id) order
}

// ZoneFilter selects zones for a listing. Zero fields select all.
type ZoneFilter struct {
	Visible *Audience
	Party   string
	Kind    ZoneKind
	Limit   int
}

// ConflictFilter selects stored conflicts. Zero fields select all.
type ConflictFilter struct {
	Party  string        // with this party on either side
	State  ConflictState // only in this state
	Object *ObjectRef    // with this object (kind, party, id; version ignored) on either side
	// EndedBy, when set, selects only conflicts whose window ends at or
	// before it (those Sweep closes).
	EndedBy time.Time
	Limit   int
}

// Reader reads committed state (or, inside a Tx, the transaction's own state).
// Lookups of a missing object return an *Error with code ENOTFOUND.
type Reader interface {
	EventReader
	Party(ctx context.Context, id string) (Party, error)
	PartyIDs(ctx context.Context) ([]string, error)
	Group(ctx context.Context, name string) (Group, error)
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	Operation(ctx context.Context, party, id string) (Operation, error)
	Operations(ctx context.Context, f OperationFilter) ([]Operation, error)
	Zone(ctx context.Context, party, id string) (Zone, error)
	Zones(ctx context.Context, f ZoneFilter) ([]Zone, error)
	Conflicts(ctx context.Context, f ConflictFilter) ([]ConflictRecord, error)
	// Meta reads a server setting kept in the store (ENOTFOUND if unset).
	Meta(ctx context.Context, key string) ([]byte, error)
	// ChangesSince lists, in commit order, the operations and zones written
	// (created, replaced, deleted) after change seq. complete is false when
	// the store no longer keeps every change since seq.
	ChangesSince(ctx context.Context, seq int64) (changes []ObjectChange, complete bool, err error)
}

// ObjectChange is one write of an operation or zone, numbered in commit order.
type ObjectChange struct {
	Seq     int64
	Kind    ObjectKind
	Party   string
	ID      string
	Version int64 // the version written (the last one, for a deleted zone)
	Live    bool  // false when deleted, or an operation no longer planned or active
}

// Tx is a write transaction. Writes of a missing object's dependants (a token
// of an unknown party, say) return EINVALID or ENOTFOUND; a duplicate party
// returns ECONFLICT.
type Tx interface {
	Reader
	EventWriter
	CreateParty(ctx context.Context, p Party) error
	// PutGroup sets the members of a group, creating it if need be.
	PutGroup(ctx context.Context, g Group) error
	AddToken(ctx context.Context, t Token) error
	RevokeToken(ctx context.Context, prefix string) error
	// PutOperation inserts or replaces an operation.
	PutOperation(ctx context.Context, op Operation) error
	PutZone(ctx context.Context, z Zone) error
	DeleteZone(ctx context.Context, party, id string) error
	// PutConflict inserts or replaces a conflict by ID.
	PutConflict(ctx context.Context, c ConflictRecord) error
	// PutConflicts is PutConflict for many, in one go.
	PutConflicts(ctx context.Context, cs []ConflictRecord) error
	SetMeta(ctx context.Context, key string, value []byte) error
}

// Store is a durable store of the exchange's state.
type Store interface {
	Reader
	// Transact runs fn with exclusive write access. Transactions are
	// serialised: no two run at once, so what fn reads cannot change under it.
	// When fn returns nil its writes are committed durably (they survive
	// kill -9 and power loss) before Transact returns nil; when fn returns an
	// error none of its writes are kept and Transact returns that error. A
	// store may run fn more than once (after a serialisation failure), so fn
	// must have no effects outside tx.
	Transact(ctx context.Context, fn func(tx Tx) error) error
	// Snapshot runs fn on a consistent read-only view of the committed state,
	// with the number of the last change that view includes, so that work
	// done on it outside Transact can catch up inside with ChangesSince.
	Snapshot(ctx context.Context, fn func(r Reader, seq int64) error) error
	// Ping reports whether the store can serve (readiness).
	Ping(ctx context.Context) error
	Close() error
}
