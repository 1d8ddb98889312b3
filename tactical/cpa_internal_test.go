package tactical

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

// TestSeparationErrorBound measures the tangent-plane model of separation
// against exact great-circle motion: for pairs up to 100 km apart, anywhere
// (the poles and the antimeridian included), at up to 600 m/s each, over the
// look-ahead plus the stale window (150 s), the lateral distance the model
// predicts differs from the true great-circle distance by at most 2 m plus
// 0.02% of the separation, which is what the documentation states. The
// oracle tests judge conflicts with a margin above this bound.
func TestSeparationErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	t0 := time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
	worst, worstRel, worstNear := 0.0, 0.0, 0.0
	for i := range 40000 {
		lat := rng.Float64()*180 - 90
		lon := rng.Float64()*360 - 180
		switch i % 4 {
		case 1:
			lat = 89.5 + rng.Float64()*0.5
		case 2:
			lon = 179.5 + rng.Float64()
			if lon > 180 {
				lon -= 360
			}
		}
		ra := deconflict.TrackReport{ID: "a", Lat: lat, Lon: lon, AltM: 5000, GsMps: rng.Float64() * 600, TrackDeg: rng.Float64() * 360, Time: t0}
		a := kinFrom(&ra)
		// b somewhere within 100 km of a.
		dir := a.p.Ortho()
		ang := rng.Float64() * 2 * math.Pi
		perp := a.p.Cross(dir)
		u := dir.Mul(math.Cos(ang)).Add(perp.Mul(math.Sin(ang)))
		dist := rng.Float64() * 100e3 / deconflict.EarthRadiusM
		pb := a.p.Mul(math.Cos(dist)).Add(u.Mul(math.Sin(dist)))
		llb := lonLat(pb)
		rb := deconflict.TrackReport{ID: "b", Lat: llb[1], Lon: llb[0], AltM: 5000, GsMps: rng.Float64() * 600, TrackDeg: rng.Float64() * 360,
			Time: t0.Add(-time.Duration(rng.Float64() * 30 * float64(time.Second)))}
		b := kinFrom(&rb)
		rm, ok := relative(&a, &b, 30)
		if !ok {
			t.Fatal("pair refused")
		}
		for s := 0.0; s <= 120; s += 10 {
			model := math.Hypot(rm.x+rm.vx*s, rm.y+rm.vy*s)
			qa, _, _ := a.at(secs(rm.tEval-a.t) + s)
			qb, _, _ := b.at(secs(rm.tEval-b.t) + s)
			exact := qa.Angle(qb).Radians() * deconflict.EarthRadiusM
			if exact > 100e3 {
				continue
			}
			err := math.Abs(model - exact)
			if exact < 15e3 {
				worstNear = math.Max(worstNear, err)
			}
			worst = math.Max(worst, err)
			worstRel = math.Max(worstRel, err/math.Max(exact, 1))
			if err > 2+2e-4*exact {
				t.Fatalf("pair %d at +%gs: model %.3f m, exact %.3f m (error %.3f m)\na %+v\nb %+v", i, s, model, exact, err, ra, rb)
			}
		}
	}
	t.Logf("worst error %.3f m, worst relative error %.2e, worst under 15 km %.3f m", worst, worstRel, worstNear)
}
