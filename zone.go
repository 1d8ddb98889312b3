package deconflict

import "time"

// ZoneKind says what a zone protects.
type ZoneKind string

const (
	// ZoneProtected must not be entered or struck: hospitals, aid sites, friendly positions.
	ZoneProtected ZoneKind = "protected"
	// ZoneAirspace is a state's airspace: entry by another party's aircraft is a violation.
	ZoneAirspace ZoneKind = "airspace"
	// ZoneRestricted is anything else: exercise areas, temporary restrictions.
	ZoneRestricted ZoneKind = "restricted"
)

// Policy says what a conflict with an object does to the submission that makes it.
type Policy string

const (
	PolicyInform      Policy = "inform"      // reported, never blocks
	PolicyAcknowledge Policy = "acknowledge" // blocks until named in aware_of
	PolicyDeny        Policy = "deny"        // always blocks
)

// DefaultPolicy is the policy of a zone that names none: restricted zones
// inform, protected zones and airspace must be acknowledged.
func (k ZoneKind) DefaultPolicy() Policy {
	if k == ZoneRestricted {
		return PolicyInform
	}
	return PolicyAcknowledge
}

// Zone is a standing area of one party with a policy. Only its owner creates,
// replaces or deletes it; each accepted change raises Version by one.
type Zone struct {
	Party     string    `json:"party"`
	ID        string    `json:"id"`
	Version   int64     `json:"version"`
	Name      string    `json:"name,omitempty"`
	Kind      ZoneKind  `json:"kind"`
	Policy    Policy    `json:"policy"`
	Volumes   []Volume  `json:"volumes"`
	ShareWith []string  `json:"share_with"`
	Minima    *Minima   `json:"minima,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks everything of a zone as submitted but its geometry and
// whether its sharing targets exist. An empty Policy takes the kind's default.
func (z *Zone) Validate(lim Limits) error {
	var f FieldErrors
	f.CheckID("id", z.ID)
	if len(z.Name) > 200 {
		f.Add("name", "must be at most 200 characters")
	}
	switch z.Kind {
	case ZoneProtected, ZoneAirspace, ZoneRestricted:
	default:
		f.Add("kind", "must be one of protected, airspace, restricted (got %q)", z.Kind)
	}
	if z.Policy == "" && z.Kind != "" {
		z.Policy = z.Kind.DefaultPolicy()
	}
	switch z.Policy {
	case PolicyInform, PolicyAcknowledge, PolicyDeny:
	default:
		f.Add("policy", "must be one of inform, acknowledge, deny (got %q)", z.Policy)
	}
	if m := z.Minima; m != nil {
		if !finite(m.LateralM) || m.LateralM < 0 || m.LateralM > MaxBufferM {
			f.Add("minima.lateral_m", "must be a number from 0 to %g metres", float64(MaxBufferM))
		}
		if !finite(m.VerticalM) || m.VerticalM < 0 || m.VerticalM > MaxAltitudeM {
			f.Add("minima.vertical_m", "must be a number from 0 to %g metres", MaxAltitudeM)
		}
	}
	validateVolumes(&f, z.Volumes, false, lim)
	validateShareWith(&f, z.ShareWith, lim)
	return f.Err()
}
