package tactical

import (
	"math"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// kin is the state of a track at its report time: where it is (a unit
// vector), its velocity (metres per second, tangent to the sphere there),
// altitude, vertical rate and the time (Unix nanoseconds).
type kin struct {
	p, v    r3.Vector
	alt, vs float64
	t       int64
}

// kinFrom turns a report into a state. The velocity is the ground speed
// along the track angle, clockwise from the local north; at a pole, north is
// taken along the meridian of the reported longitude, so the formula needs
// no special case.
func kinFrom(r *deconflict.TrackReport) kin {
	lat, lon := r.Lat*math.Pi/180, r.Lon*math.Pi/180
	sinLat, cosLat := math.Sincos(lat)
	sinLon, cosLon := math.Sincos(lon)
	east := r3.Vector{X: -sinLon, Y: cosLon}
	north := r3.Vector{X: -sinLat * cosLon, Y: -sinLat * sinLon, Z: cosLat}
	st, ct := math.Sincos(r.TrackDeg * math.Pi / 180)
	return kin{
		p:   r3.Vector{X: cosLat * cosLon, Y: cosLat * sinLon, Z: sinLat},
		v:   east.Mul(r.GsMps * st).Add(north.Mul(r.GsMps * ct)),
		alt: r.AltM,
		vs:  r.VsMps,
		t:   r.Time.UnixNano(),
	}
}

// at moves the state dt seconds along its great circle at constant speed
// (backwards for negative dt): position, velocity and altitude.
func (k *kin) at(dt float64) (p, v r3.Vector, alt float64) {
	alt = k.alt + k.vs*dt
	gs := k.v.Norm()
	if gs == 0 || dt == 0 {
		return k.p, k.v, alt
	}
	u := k.v.Mul(1 / gs)
	s, c := math.Sincos(gs * dt / deconflict.EarthRadiusM)
	p = k.p.Mul(c).Add(u.Mul(s))
	v = u.Mul(c).Sub(k.p.Mul(s)).Mul(gs)
	return p, v, alt
}

// secs converts a difference of Unix nanoseconds to seconds.
func secs(d int64) float64 { return float64(d) / 1e9 }

// params are the tactical minima and horizons, in metres and seconds.
type params struct {
	h, v float64 // lateral and vertical minima
	t    float64 // look-ahead
	s    float64 // stale timeout: the most two paired reports may be apart
}

// encounter is the separation finding for two tracks, judged at tEval, the
// later of their report times, over [tEval, tEval + look-ahead].
type encounter struct {
	conflict bool
	inside   bool    // both minima are broken at tEval
	timeTo   float64 // seconds from tEval to the loss of separation (0 when inside)
	tEval    int64
	// The closest lateral approach within the look-ahead: seconds after
	// tEval, lateral and vertical distance then; ahead is false when the
	// closest approach is already behind (the tracks are diverging).
	cpaT, cpaD, cpaV float64
	ahead            bool
	pos              r3.Vector // midway between the two at the closest approach
}

// separation judges a pair with the state-based method of BlueSky: in a
// plane tangent to the sphere midway between the two, the relative motion is
// a straight line, so the window in which the lateral distance is under H
// comes from a quadratic and the window in which the vertical distance is
// under V from a linear equation; they conflict when the two windows meet
// within the look-ahead.
//
// The plane is tangent at the midpoint m of the two positions at tEval. The
// chord between them lies in the plane; stretched to the arc, it makes the
// distance at tEval exact. Each great-circle path is
// taken as the straight line along its velocity carried to the plane:
// over a look-ahead of 120 s at 250 m/s (30 km), a path 50 km from m departs
// from its projection by under a metre; TestSeparationErrorBound measures
// the error against exact spherical motion and bounds it.
func separation(a, b *kin, p *params) encounter {
	rm, ok := relative(a, b, p.s)
	tEval := rm.tEval
	if !ok {
		return encounter{tEval: tEval}
	}
	x, y, vx, vy, dz, dvz := rm.x, rm.y, rm.vx, rm.vy, rm.dz, rm.dvz
	enc := encounter{tEval: tEval}
	// Lateral window: |(x, y) + (vx, vy) t| < H.
	aa := vx*vx + vy*vy
	bb := x*vx + y*vy
	cc := x*x + y*y - p.h*p.h
	var tin, tout float64
	tcpa := 0.0
	if aa < 1e-12 {
		if cc >= 0 {
			return enc
		}
		tin, tout = math.Inf(-1), math.Inf(1)
	} else {
		disc := bb*bb - aa*cc
		if disc <= 0 {
			return enc
		}
		sq := math.Sqrt(disc)
		tin, tout = (-bb-sq)/aa, (-bb+sq)/aa
		tcpa = -bb / aa
	}
	// Vertical window: |dz + dvz t| < V.
	vin, vout := math.Inf(-1), math.Inf(1)
	if dvz == 0 {
		if math.Abs(dz) >= p.v {
			return enc
		}
	} else {
		vin, vout = (-p.v-dz)/dvz, (p.v-dz)/dvz
		if vin > vout {
			vin, vout = vout, vin
		}
	}
	lo, hi := max(tin, vin), min(tout, vout)
	if !(lo < hi && lo < p.t && hi > 0) {
		return enc
	}
	enc.conflict = true
	enc.inside = lo < 0
	enc.timeTo = max(lo, 0)
	enc.ahead = tcpa > 0
	enc.cpaT = min(max(tcpa, 0), p.t)
	enc.cpaD = math.Hypot(x+vx*enc.cpaT, y+vy*enc.cpaT)
	enc.cpaV = math.Abs(dz + dvz*enc.cpaT)
	qa, _, _ := a.at(secs(tEval-a.t) + enc.cpaT)
	qb, _, _ := b.at(secs(tEval-b.t) + enc.cpaT)
	enc.pos = qa.Add(qb).Normalize()
	return enc
}

// transport rotates v, tangent at p, to the tangent plane at m by the
// rotation about p×m that takes p to m: R·x = c·x + w×x + (w·x)/(1+c)·w,
// with w = p×m and c = p·m.
func transport(v, p, m r3.Vector) r3.Vector {
	w := p.Cross(m)
	c := p.Dot(m)
	return v.Mul(c).Add(w.Cross(v)).Add(w.Mul(w.Dot(v) / (1 + c)))
}

// motion is the motion of b relative to a from tEval: lateral offset and
// velocity in the tangent plane (metres, metres per second), vertical offset
// and rate.
type motion struct {
	tEval                 int64
	x, y, vx, vy, dz, dvz float64
}

// relative puts a and b in the plane tangent midway between them at tEval,
// the later of their report times; false when their reports are more than
// maxApart seconds apart, or they are antipodal.
func relative(a, b *kin, maxApart float64) (motion, bool) {
	tEval := max(a.t, b.t)
	if secs(tEval-min(a.t, b.t)) > maxApart {
		return motion{tEval: tEval}, false
	}
	pa, va, altA := a.at(secs(tEval - a.t))
	pb, vb, altB := b.at(secs(tEval - b.t))
	m := pa.Add(pb)
	if m.Norm2() < 1e-12 {
		return motion{tEval: tEval}, false
	}
	m = m.Normalize()
	e1 := m.Ortho()
	e2 := m.Cross(e1)
	// The chord, stretched to the great-circle distance: exact at tEval.
	d := pb.Sub(pa)
	if ch := d.Norm(); ch > 0 {
		d = d.Mul(2 * math.Asin(min(ch/2, 1)) / ch * deconflict.EarthRadiusM)
	}
	// Velocities are carried to m along the great circles from each
	// position (a rotation, not a projection, so speeds are kept).
	dv := transport(vb, pb, m).Sub(transport(va, pa, m))
	return motion{tEval: tEval, x: d.Dot(e1), y: d.Dot(e2), vx: dv.Dot(e1), vy: dv.Dot(e2), dz: altB - altA, dvz: b.vs - a.vs}, true
}

// lonLat returns a unit vector as [longitude, latitude] in degrees.
func lonLat(p r3.Vector) [2]float64 {
	ll := s2.LatLngFromPoint(s2.Point{Vector: p})
	return [2]float64{ll.Lng.Degrees(), ll.Lat.Degrees()}
}
