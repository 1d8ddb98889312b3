package deconflict

import (
	"math"
	"time"
)

// TrackReport is one position report of one aircraft (SPEC §6): where it was at
// Time, how fast and which way it was going. ID is the ICAO 24-bit address in
// hex or the party's own aircraft id. Party is the aircraft's party; reporters
// without the surveillance role may only report their own aircraft. Time is
// the time of the position, not of its arrival.
type TrackReport struct {
	ID       string    `json:"id"`
	Callsign string    `json:"callsign,omitempty"`
	Lat      float64   `json:"lat"`
	Lon      float64   `json:"lon"`
	AltM     float64   `json:"alt_m"`
	GsMps    float64   `json:"gs_mps"`
	TrackDeg float64   `json:"track_deg"`
	VsMps    float64   `json:"vs_mps"`
	Time     time.Time `json:"time"`
	Party    string    `json:"party,omitempty"`
}

// Validate checks a report's fields for range and form; base is the JSON path
// of the report ("" for a report on its own, "reports[3]" in a batch).
func (r *TrackReport) Validate(base string) error {
	var f FieldErrors
	f.CheckID(Path(base, "id"), r.ID)
	if len(r.Callsign) > 64 {
		f.Add(Path(base, "callsign"), "must be at most 64 characters")
	}
	if r.Party != "" {
		f.CheckID(Path(base, "party"), r.Party)
	}
	finite := func(name string, v, lo, hi float64) {
		if math.IsNaN(v) || v < lo || v > hi {
			f.Add(Path(base, name), "must be a number from %g to %g (got %g)", lo, hi, v)
		}
	}
	finite("lat", r.Lat, -90, 90)
	finite("lon", r.Lon, -180, 180)
	finite("alt_m", r.AltM, -1_000, 100_000)
	finite("gs_mps", r.GsMps, 0, 2_000)
	finite("track_deg", r.TrackDeg, 0, 360)
	finite("vs_mps", r.VsMps, -500, 500)
	if r.Time.IsZero() {
		f.Add(Path(base, "time"), "is required (RFC 3339, the time of the position)")
	}
	return f.Err()
}

// AlertKind names what a tactical alert is about (SPEC §2, §4).
type AlertKind string

const (
	AlertSeparation     AlertKind = "separation"
	AlertAirspaceEntry  AlertKind = "airspace_entry"
	AlertZoneEntry      AlertKind = "zone_entry"
	AlertNonconformance AlertKind = "nonconformance"
)

// AlertState is where an alert is in its life: predicted (within the
// look-ahead), inside (the aircraft is in the zone, or outside its
// operation's volumes) and cleared.
type AlertState string

const (
	AlertPredicted AlertState = "predicted"
	AlertInside    AlertState = "inside"
	AlertCleared   AlertState = "cleared"
)

// TrackRef names one aircraft in an alert.
type TrackRef struct {
	Party    string `json:"party"`
	ID       string `json:"id"`
	Callsign string `json:"callsign,omitempty"`
}

// ZoneRef names the zone of an entry alert.
type ZoneRef struct {
	Party string `json:"party"`
	ID    string `json:"id"`
}

// CPA is the predicted closest point of approach of a separation alert.
type CPA struct {
	Time      time.Time `json:"time"`
	DistanceM float64   `json:"distance_m"`
	VerticalM float64   `json:"vertical_m"`
}

// Alert is a tactical finding on live tracks (SPEC §6). The tactical engine
// raises, updates and clears it; each transition is an event to the parties
// concerned.
type Alert struct {
	ID        string     `json:"id"`
	Kind      AlertKind  `json:"kind"`
	State     AlertState `json:"state"`
	TimeToS   float64    `json:"time_to_s"`
	Tracks    []TrackRef `json:"tracks"`
	Zone      *ZoneRef   `json:"zone"`
	CPA       *CPA       `json:"cpa"`
	Position  [2]float64 `json:"position"`
	RaisedAt  time.Time  `json:"raised_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}
