package deconflict

import (
	"encoding/json"
	"math"
	"time"
)

// Geometry is a GeoJSON geometry object (RFC 7946) as received: Point,
// LineString, Polygon or MultiPolygon. Its coordinates are kept raw; package
// geo validates and compiles them.
type Geometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// Volume is a 4D volume: a footprint widened by BufferM, between AltLowerM and
// AltUpperM (metres, one reference for the deployment), from Start to End.
// An operation's volumes always have Start and End; a zone's may leave either
// out (in force since always, or until further notice), and may leave out the
// altitudes (from the lowest to the highest altitude there is).
type Volume struct {
	Geometry  Geometry   `json:"geometry"`
	BufferM   float64    `json:"buffer_m"`
	AltLowerM float64    `json:"alt_lower_m"`
	AltUpperM float64    `json:"alt_upper_m"`
	Start     *time.Time `json:"start,omitempty"`
	End       *time.Time `json:"end,omitempty"`
}

// The bounds an open-ended zone volume stands for.
var (
	StartOfTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	EndOfTime   = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// Altitude bounds in metres. A zone volume that leaves out its altitudes spans
// all of them; any given altitude must lie within them.
const (
	MinAltitudeM = -1000.0
	MaxAltitudeM = 100000.0
)

// Window returns the volume's time window, with StartOfTime and EndOfTime for
// the ends it leaves open.
func (v *Volume) Window() (start, end time.Time) {
	start, end = StartOfTime, EndOfTime
	if v.Start != nil {
		start = *v.Start
	}
	if v.End != nil {
		end = *v.End
	}
	return start, end
}

// validate checks everything of a volume but its geometry (package geo checks
// that). needWindow requires both start and end (operations).
func (v *Volume) validate(f *FieldErrors, path string, needWindow bool, lim Limits) {
	if !finite(v.BufferM) || v.BufferM < 0 || v.BufferM > MaxBufferM {
		f.Add(Path(path, "buffer_m"), "must be a number from 0 to %g metres", float64(MaxBufferM))
	}
	altOK := true
	for _, a := range []struct {
		name string
		v    float64
	}{{"alt_lower_m", v.AltLowerM}, {"alt_upper_m", v.AltUpperM}} {
		if !finite(a.v) || a.v < MinAltitudeM || a.v > MaxAltitudeM {
			f.Add(Path(path, a.name), "must be a number from %g to %g metres", MinAltitudeM, MaxAltitudeM)
			altOK = false
		}
	}
	if altOK && v.AltLowerM > v.AltUpperM {
		f.Add(Path(path, "alt_lower_m"), "must not be above alt_upper_m (%g > %g)", v.AltLowerM, v.AltUpperM)
	}
	if needWindow {
		if v.Start == nil {
			f.Add(Path(path, "start"), "is required for an operation volume (RFC 3339 time)")
		}
		if v.End == nil {
			f.Add(Path(path, "end"), "is required for an operation volume (RFC 3339 time)")
		}
	}
	for _, t := range []struct {
		name string
		t    *time.Time
	}{{"start", v.Start}, {"end", v.End}} {
		if t.t != nil && (t.t.Before(StartOfTime) || t.t.After(EndOfTime)) {
			f.Add(Path(path, t.name), "must be a time between year 1 and year 9999")
		}
	}
	if v.Start != nil && v.End != nil {
		if !v.Start.Before(*v.End) {
			f.Add(Path(path, "end"), "must be after start (start %s, end %s)", v.Start.Format(time.RFC3339), v.End.Format(time.RFC3339))
		} else if needWindow && lim.MaxWindow > 0 && v.End.Sub(*v.Start) > lim.MaxWindow {
			f.Add(Path(path, "end"), "window of %s is longer than the limit of %s", v.End.Sub(*v.Start), lim.MaxWindow)
		}
	}
}

// MaxBufferM bounds buffer_m: a quarter of the Earth's circumference.
const MaxBufferM = 10_000_000

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
