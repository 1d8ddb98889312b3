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
