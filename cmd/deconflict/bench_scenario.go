package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/deconflict/deconflict"
)

// The bench scenario (issue 2 item 6): operations over a 500 km × 500 km
// region (south-west corner 36°E 33.5°N), half route corridors (a LineString of 2–5 legs with a 200–2,000 m
// buffer) and half polygons (star-shaped, 5–12 vertices, no buffer), 1 to 50
// km across with a log-uniform size (small activities are the common ones),
// each with a 1 h window starting at a whole minute anywhere in one day.
//
// Altitude bands, in metres above mean sea level, mimic who flies where:
//
//	30 %  low level (drones, helicopters):   lower 0–100,       100–400 thick
//	25 %  medium (general aviation, tactical): lower 300–3,000,   300–1,500 thick
//	30 %  upper (transport, fighters):         lower 3,000–9,000, 600–3,000 thick
//	15 %  high (tankers, surveillance):        lower 9,000–14,000, 600–2,000 thick
//
// Half of the operations are shared with all, half with no one, so a
// submitter meets both conflicts it may see and hidden ones (refs).
//
// Each operation is a pure function of (seed, stream, n), so a run with the
// same seed submits the same operations whatever the concurrency.
type scenario struct {
	seed     uint64
	day      time.Time // 00:00 UTC of the day the windows fall in
	regionKm float64   // side of the square region (bench --region-km, default 500)
}

// The region's south-west corner.
const (
	regionWest      = 36.0
	regionSouth     = 33.5
	defaultRegionKm = 500.0
	kmPerDegLat     = math.Pi * deconflict.EarthRadiusM / 180 / 1000
)

// Streams keep the operations of each phase apart for the same n.
const (
	streamPreload uint64 = iota + 1
	streamSubmit
	streamCheck
)

// benchOp is one generated operation.
type benchOp struct {
	volume    deconflict.Volume
	shareWith []string
	callsign  string
}

func (s scenario) op(stream, n uint64) benchOp {
	r := rand.New(rand.NewPCG(s.seed^stream*0x9e3779b97f4a7c15, n))
	size := math.Exp(r.Float64() * math.Log(50)) // km, log-uniform in [1, 50)
	size = min(size, s.regionKm)
	// centre, in km from the south-west corner, so that the shape fits
	cx := size/2 + r.Float64()*(s.regionKm-size)
	cy := size/2 + r.Float64()*(s.regionKm-size)
	var v deconflict.Volume
	if r.IntN(2) == 0 {
		v.Geometry = corridor(r, cx, cy, size)
		v.BufferM = math.Round(200 + r.Float64()*1800)
	} else {
		v.Geometry = polygon(r, cx, cy, size/2)
	}
	v.AltLowerM, v.AltUpperM = band(r)
	start := s.day.Add(time.Duration(r.IntN(23*60)) * time.Minute)
	end := start.Add(time.Hour)
	v.Start, v.End = &start, &end
	op := benchOp{volume: v, callsign: fmt.Sprintf("BX%05d", n%100000)}
	if r.IntN(2) == 0 {
		op.shareWith = []string{deconflict.ShareAll}
	}
	return op
}

// lonLat turns km from the region's corner into GeoJSON degrees. A local
// flat approximation is enough here: it only places test shapes.
func lonLat(xKm, yKm float64) [2]float64 {
	lat := regionSouth + yKm/kmPerDegLat
	lon := regionWest + xKm/(kmPerDegLat*math.Cos(lat*math.Pi/180))
	return [2]float64{round6(lon), round6(lat)}
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// corridor is a route of 2–5 legs of total length sizeKm centred near (cx, cy).
func corridor(r *rand.Rand, cx, cy, sizeKm float64) deconflict.Geometry {
	legs := 1 + r.IntN(4)
	heading := r.Float64() * 2 * math.Pi
	step := sizeKm / float64(legs)
	// start half a route back so that the route straddles the centre
	x, y := cx-math.Cos(heading)*sizeKm/2, cy-math.Sin(heading)*sizeKm/2
	pts := [][2]float64{lonLat(x, y)}
	for i := 0; i < legs; i++ {
		h := heading + (r.Float64()-0.5)*math.Pi/3 // ±30° per leg
		x, y = x+math.Cos(h)*step, y+math.Sin(h)*step
		pts = append(pts, lonLat(x, y))
	}
	return geometry("LineString", pts)
}

// polygon is a star-shaped ring around (cx, cy): counter-clockwise angles
// with jittered radii, so it is simple (never self-intersecting).
func polygon(r *rand.Rand, cx, cy, radiusKm float64) deconflict.Geometry {
	n := 5 + r.IntN(8)
	phase := r.Float64() * 2 * math.Pi
	ring := make([][2]float64, 0, n+1)
	for i := 0; i < n; i++ {
		a := phase + (float64(i)+0.4*r.Float64())*2*math.Pi/float64(n)
		rad := radiusKm * (0.7 + 0.3*r.Float64())
		ring = append(ring, lonLat(cx+math.Cos(a)*rad, cy+math.Sin(a)*rad))
	}
	ring = append(ring, ring[0])
	return geometry("Polygon", [][][2]float64{ring})
}

func geometry(typ string, coords any) deconflict.Geometry {
	raw, err := json.Marshal(coords)
	if err != nil {
		panic(err) // float arrays always encode
	}
	return deconflict.Geometry{Type: typ, Coordinates: raw}
}

// band draws an altitude band from the mix documented on scenario.
func band(r *rand.Rand) (lower, upper float64) {
	u := func(lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }
	switch p := r.Float64(); {
	case p < 0.30:
		lower = u(0, 100)
		upper = lower + u(100, 400)
	case p < 0.55:
		lower = u(300, 3000)
		upper = lower + u(300, 1500)
	case p < 0.85:
		lower = u(3000, 9000)
		upper = lower + u(600, 3000)
	default:
		lower = u(9000, 14000)
		upper = lower + u(600, 2000)
	}
	return math.Round(lower/10) * 10, math.Round(upper/10) * 10
}
