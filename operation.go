package deconflict

import (
	"strings"
	"time"
)

// OperationState is where an operation is in its life. Only planned and
// active operations take part in conflicts.
type OperationState string

const (
	StatePlanned   OperationState = "planned"
	StateActive    OperationState = "active"
	StateClosed    OperationState = "closed"
	StateCancelled OperationState = "cancelled"
)

// Live reports whether an operation in this state can conflict.
func (s OperationState) Live() bool { return s == StatePlanned || s == StateActive }

// Operation is a notified activity of one party: a flight, a sortie, a convoy,
// a drone mission. Only its owner party creates, replaces or cancels it; each
// accepted change raises Version by one.
type Operation struct {
	Party     string         `json:"party"`
	ID        string         `json:"id"`
	Version   int64          `json:"version"`
	Callsign  string         `json:"callsign,omitempty"`
	Aircraft  string         `json:"aircraft,omitempty"`
	State     OperationState `json:"state"`
	Volumes   []Volume       `json:"volumes"`
	ShareWith []string       `json:"share_with"`
	AwareOf   []AwareOf      `json:"aware_of"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// AwareOf names an object the submitter has seen, at the version it saw:
// either by Party, ID and Version (Kind optional), or by the opaque Ref of a
// conflict whose other side it may not see.
type AwareOf struct {
	Kind    ObjectKind `json:"kind,omitempty"`
	Party   string     `json:"party,omitempty"`
	ID      string     `json:"id,omitempty"`
	Version int64      `json:"version,omitempty"`
	Ref     string     `json:"ref,omitempty"`
}

// Validate checks everything of an operation as submitted but its geometry and
// whether its sharing targets exist. The caller sets Party and ID from the
// request; State defaults to planned.
func (o *Operation) Validate(lim Limits) error {
	var f FieldErrors
	f.CheckID("id", o.ID)
	if len(o.Callsign) > 64 {
		f.Add("callsign", "must be at most 64 characters")
	}
	if len(o.Aircraft) > 64 {
		f.Add("aircraft", "must be at most 64 characters")
	}
	switch o.State {
	case StatePlanned, StateActive, StateClosed, StateCancelled:
	default:
		f.Add("state", "must be one of planned, active, closed, cancelled (got %q)", o.State)
	}
	validateVolumes(&f, o.Volumes, true, lim)
	validateShareWith(&f, o.ShareWith, lim)
	if lim.MaxShareWith > 0 && len(o.AwareOf) > lim.MaxShareWith {
		f.Add("aware_of", "has %d entries; the limit is %d", len(o.AwareOf), lim.MaxShareWith)
	}
	for i, a := range o.AwareOf {
		p := Path("aware_of", i)
		switch {
		case a.Ref != "":
			if a.Party != "" || a.ID != "" || a.Version != 0 || a.Kind != "" {
				f.Add(p, "give either ref alone or party, id and version")
			} else if len(a.Ref) > 128 {
				f.Add(Path(p, "ref"), "is not a reference this server gave")
			}
		default:
			f.CheckID(Path(p, "party"), a.Party)
			f.CheckID(Path(p, "id"), a.ID)
			if a.Version < 1 {
				f.Add(Path(p, "version"), "must be the version seen, 1 or more")
			}
			if a.Kind != "" && a.Kind != KindOperation && a.Kind != KindZone {
				f.Add(Path(p, "kind"), "must be operation or zone (got %q)", a.Kind)
			}
		}
	}
	return f.Err()
}

func validateVolumes(f *FieldErrors, vs []Volume, needWindow bool, lim Limits) {
	if len(vs) == 0 {
		f.Add("volumes", "must hold at least one volume")
	}
	if lim.MaxVolumes > 0 && len(vs) > lim.MaxVolumes {
		f.Add("volumes", "has %d volumes; the limit is %d", len(vs), lim.MaxVolumes)
		return
	}
	for i := range vs {
		vs[i].validate(f, Path("volumes", i), needWindow, lim)
	}
}

// ValidateVolumes checks volumes as submitted to conflicts:check (operation
// rules: each needs start and end).
func ValidateVolumes(vs []Volume, lim Limits) error {
	var f FieldErrors
	validateVolumes(&f, vs, true, lim)
	return f.Err()
}

// Sharing targets: a party id, "group:NAME", or "all".
const (
	ShareAll    = "all"
	GroupPrefix = "group:"
)

func validateShareWith(f *FieldErrors, targets []string, lim Limits) {
	if lim.MaxShareWith > 0 && len(targets) > lim.MaxShareWith {
		f.Add("share_with", "has %d entries; the limit is %d", len(targets), lim.MaxShareWith)
		return
	}
	for i, t := range targets {
		switch {
		case t == ShareAll:
		case strings.HasPrefix(t, GroupPrefix):
			f.CheckID(Path("share_with", i), strings.TrimPrefix(t, GroupPrefix))
		default:
			f.CheckID(Path("share_with", i), t)
		}
	}
}
