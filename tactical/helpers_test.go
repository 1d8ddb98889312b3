package tactical_test

import (
	"math"
	"time"

	"github.com/deconflict/deconflict"
)

const earthR = deconflict.EarthRadiusM

var t0 = time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)

// destination returns the point distM from (lat, lon) along the initial
// bearing bearingDeg, and the bearing on arrival: spherical trigonometry,
// written apart from the engine's vector algebra.
func destination(lat, lon, bearingDeg, distM float64) (lat2, lon2, bearing2 float64) {
	φ1, λ1, θ := lat*math.Pi/180, lon*math.Pi/180, bearingDeg*math.Pi/180
	δ := distM / earthR
	sinφ2 := math.Sin(φ1)*math.Cos(δ) + math.Cos(φ1)*math.Sin(δ)*math.Cos(θ)
	φ2 := math.Asin(math.Max(-1, math.Min(1, sinφ2)))
	y := math.Sin(θ) * math.Sin(δ) * math.Cos(φ1)
	x := math.Cos(δ) - math.Sin(φ1)*sinφ2
	λ2 := λ1 + math.Atan2(y, x)
	// Final bearing: the reverse of the initial bearing from the end back.
	by := math.Sin(λ1-λ2) * math.Cos(φ1)
	bx := math.Cos(φ2)*math.Sin(φ1) - math.Sin(φ2)*math.Cos(φ1)*math.Cos(λ1-λ2)
	back := math.Atan2(by, bx) * 180 / math.Pi
	lon2 = math.Remainder(λ2*180/math.Pi, 360)
	if lon2 == -180 {
		lon2 = 180
	}
	return φ2 * 180 / math.Pi, lon2, math.Mod(back+180+360, 360)
}

// haversine is the great-circle distance in metres.
func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	φ1, φ2 := lat1*math.Pi/180, lat2*math.Pi/180
	dφ, dλ := φ2-φ1, (lon2-lon1)*math.Pi/180
	h := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * earthR * math.Asin(math.Min(1, math.Sqrt(h)))
}

// ac is a simulated aircraft flying a great circle at constant speed and
// vertical rate from its state at time at.
type ac struct {
	party, id, callsign string
	lat, lon, alt       float64
	gs, trk, vs         float64
	at                  time.Time
}

// state returns the aircraft moved to time t (along its great circle).
func (a ac) state(t time.Time) ac {
	dt := t.Sub(a.at).Seconds()
	b := a
	if dt < 0 {
		b.lat, b.lon, b.trk = destination(a.lat, a.lon, math.Mod(a.trk+180, 360), -a.gs*dt)
		b.trk = math.Mod(b.trk+180, 360)
	} else if dt > 0 && a.gs > 0 {
		b.lat, b.lon, b.trk = destination(a.lat, a.lon, a.trk, a.gs*dt)
	}
	b.alt = a.alt + a.vs*dt
	b.at = t
	return b
}

func (a ac) report() deconflict.TrackReport {
	trk := a.trk
	if trk >= 360 {
		trk -= 360
	}
	return deconflict.TrackReport{ID: a.id, Callsign: a.callsign, Lat: a.lat, Lon: a.lon, AltM: a.alt,
		GsMps: a.gs, TrackDeg: trk, VsMps: a.vs, Time: a.at}
}

// fixedClock is a clock the tests move.
type fixedClock struct{ t time.Time }

func (c *fixedClock) now() time.Time { return c.t }
