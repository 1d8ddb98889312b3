package deconflict

import "time"

// ObjectKind is the kind of object a conflict or an aware_of entry names.
type ObjectKind string

const (
	KindOperation ObjectKind = "operation"
	KindZone      ObjectKind = "zone"
)

// ObjectRef names one version of an operation or a zone.
type ObjectRef struct {
	Kind    ObjectKind `json:"kind"`
	Party   string     `json:"party"`
	ID      string     `json:"id"`
	Version int64      `json:"version"`
}

// ConflictState is open while both sides are live and their volumes conflict.
type ConflictState string

const (
	ConflictOpen   ConflictState = "open"
	ConflictClosed ConflictState = "closed"
)

// Window is a time interval [Start, End).
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// ConflictRecord is a conflict as stored: between operation A and operation or
// zone B of another party, one record per pair of objects for its whole life
// (ID stays when either side changes). Only package strategic writes them.
type ConflictRecord struct {
	ID     string        `json:"id"`
	State  ConflictState `json:"state"`
	Policy Policy        `json:"policy"`
	A      ObjectRef     `json:"a"`
	B      ObjectRef     `json:"b"`
	// Window is the span of time in which the two conflict.
	Window Window `json:"window"`
	// MinDistanceM is the closest lateral distance between the two footprints
	// (0 when they touch or overlap) over the volume pairs that conflict.
	MinDistanceM float64 `json:"min_distance_m"`
	// Region is [west, south, east, north] in degrees of where it happens;
	// west > east when it crosses the antimeridian.
	Region    [4]float64 `json:"region"`
	OpenedAt  time.Time  `json:"opened_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	// ClosedReason says why a closed conflict closed: "cancelled", "closed",
	// "ended", "changed" (the two no longer conflict) or "deleted".
	ClosedReason string `json:"closed_reason,omitempty"`
}

// Other returns the side of c that is not party's, and whether party is on A's side.
func (c *ConflictRecord) Other(party string) (other ObjectRef, isA bool) {
	if c.A.Party == party {
		return c.B, true
	}
	return c.A, false
}

// Conflict is a conflict as one party sees it (SPEC §6). With is nil when the
// party may not see the other object; Ref is always set and can be named in
// aware_of. MinDistanceM is nil when the other object is hidden, and Region is
// then rounded outward to 0.1°.
type Conflict struct {
	ID           string        `json:"id"`
	State        ConflictState `json:"state"`
	Policy       Policy        `json:"policy"`
	With         *ObjectRef    `json:"with"`
	Ref          string        `json:"ref"`
	Window       Window        `json:"window"`
	MinDistanceM *float64      `json:"min_distance_m"`
	Region       [4]float64    `json:"region"`
}

// Blocking is a conflict that stops a submission (in a 409 problem).
type Blocking struct {
	Conflict
	Reason string `json:"reason"` // "not_acknowledged" or "denied"
}

// Reasons a conflict blocks.
const (
	ReasonNotAcknowledged = "not_acknowledged"
	ReasonDenied          = "denied"
)
