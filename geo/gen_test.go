package geo

// Generators of random valid footprints for the property tests: star-shaped
// rings around a centre (simple on the sphere, because the gnomonic projection
// about the centre keeps both great circles straight and bearings from the
// centre), anywhere on Earth, the poles and the antimeridian included.

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/golang/geo/r3"
	"pgregory.net/rapid"

	"github.com/deconflict/deconflict"
)

// gGeom is a generated geometry: GeoJSON positions in degrees.
type gGeom struct {
	typ   string
	parts [][][][2]float64 // Polygon/MultiPolygon: parts of closed rings
	line  [][2]float64     // LineString or Point (one position)
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func fmtPos(p [2]float64) string { return "[" + fmtNum(p[0]) + "," + fmtNum(p[1]) + "]" }

func fmtList(ps [][2]float64) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = fmtPos(p)
	}
	return "[" + strings.Join(s, ",") + "]"
}

func (g *gGeom) geometry() deconflict.Geometry {
	var c string
	switch g.typ {
	case TypePoint:
		c = fmtPos(g.line[0])
	case TypeLineString:
		c = fmtList(g.line)
	default:
		parts := make([]string, len(g.parts))
		for i, part := range g.parts {
			rs := make([]string, len(part))
			for j, r := range part {
				rs[j] = fmtList(r)
			}
			parts[i] = "[" + strings.Join(rs, ",") + "]"
		}
		c = parts[0]
		if g.typ == TypeMultiPolygon {
			c = "[" + strings.Join(parts, ",") + "]"
		}
	}
	return deconflict.Geometry{Type: g.typ, Coordinates: json.RawMessage(c)}
}

func (g *gGeom) String() string {
	geo := g.geometry()
	return fmt.Sprintf(`{"type":%q,"coordinates":%s}`, geo.Type, geo.Coordinates)
}

func (g *gGeom) oracle() *oGeom {
	vec := func(p [2]float64) r3.Vector { return llVec(p[0], p[1]) }
	o := &oGeom{}
	switch g.typ {
	case TypePoint, TypeLineString:
		o.dim = 0
		if g.typ == TypeLineString {
			o.dim = 1
		}
		var ch []r3.Vector
		for _, p := range g.line {
			ch = append(ch, vec(p))
		}
		o.chain = [][]r3.Vector{ch}
	default:
		o.dim = 2
		for _, part := range g.parts {
			var rs [][]r3.Vector
			for _, r := range part {
				var ring []r3.Vector
				for _, p := range r[:len(r)-1] {
					ring = append(ring, vec(p))
				}
				rs = append(rs, ring)
			}
			o.parts = append(o.parts, rs)
		}
	}
	return o
}

func (g *gGeom) footprint(t interface{ Fatalf(string, ...any) }) *Footprint {
	f, err := ParseGeometry(g.geometry(), "g", 10000)
	if err != nil {
		t.Fatalf("generated geometry refused: %v\n%s", err, g)
	}
	return f
}

// dest is the point at angle d from c along bearing b (radians, clockwise
// from north).
func dest(c r3.Vector, b, d float64) r3.Vector {
	north := r3.Vector{Z: 1}.Sub(c.Mul(c.Z))
	if north.Norm() < 1e-12 {
		north = r3.Vector{X: 1}
	}
	north = north.Normalize()
	east := north.Cross(c)
	dir := north.Mul(math.Cos(b)).Add(east.Mul(math.Sin(b)))
	return c.Mul(math.Cos(d)).Add(dir.Mul(math.Sin(d))).Normalize()
}

func toLL(v r3.Vector) [2]float64 {
	return [2]float64{math.Atan2(v.Y, v.X) * 180 / math.Pi, math.Asin(math.Max(-1, math.Min(1, v.Z))) * 180 / math.Pi}
}

// genCenter draws a centre anywhere, with extra weight near the poles and
// the antimeridian.
func genCenter(t *rapid.T, label string) r3.Vector {
	var lat, lon float64
	switch rapid.IntRange(0, 3).Draw(t, label+"where") {
	case 0:
		lat = rapid.Float64Range(-89.9, 89.9).Draw(t, label+"lat")
		lon = rapid.Float64Range(-180, 180).Draw(t, label+"lon")
	case 1: // near a pole
		lat = rapid.Float64Range(85, 89.99).Draw(t, label+"lat")
		if rapid.Bool().Draw(t, label+"south") {
			lat = -lat
		}
		lon = rapid.Float64Range(-180, 180).Draw(t, label+"lon")
	default: // near the antimeridian
		lat = rapid.Float64Range(-70, 70).Draw(t, label+"lat")
		lon = 180 - rapid.Float64Range(0, 1).Draw(t, label+"lon")
		if rapid.Bool().Draw(t, label+"west") {
			lon = -lon
		}
	}
	return llVec(lon, lat)
}

// genRadius draws a size in radians, log-uniform from 50 m to 800 km.
func genRadius(t *rapid.T, label string) float64 {
	e := rapid.Float64Range(math.Log(50), math.Log(800e3)).Draw(t, label)
	return math.Exp(e) / deconflict.EarthRadiusM
}

// starRing returns a closed ring of n vertices at bearings spread around c
// (gaps under 180°, so the ring is star-shaped and simple), radii in
// [rmin, rmax], wound either way.
func starRing(t *rapid.T, label string, c r3.Vector, n int, rmin, rmax float64, jitter float64) ([][2]float64, float64) {
	b0 := rapid.Float64Range(0, 2*math.Pi).Draw(t, label+"b0")
	ring := make([][2]float64, 0, n+1)
	minR := rmax
	for i := range n {
		u := rapid.Float64Range(0, 1).Draw(t, label+"u")
		r := rapid.Float64Range(rmin, rmax).Draw(t, label+"r")
		minR = math.Min(minR, r)
		ring = append(ring, toLL(dest(c, b0+(float64(i)+jitter*u)*2*math.Pi/float64(n), r)))
	}
	if rapid.Bool().Draw(t, label+"cw") {
		for i, j := 0, len(ring)-1; i < j; i, j = i+1, j-1 {
			ring[i], ring[j] = ring[j], ring[i]
		}
	}
	return append(ring, ring[0]), minR
}

// genPolygon draws a star polygon around c of size rho, with a hole (around
// the same centre, well inside the shell's inscribed circle) when asked.
func genPolygon(t *rapid.T, label string, c r3.Vector, rho float64, hole bool) ([][][2]float64, float64) {
	n := rapid.IntRange(4, 10).Draw(t, label+"n")
	shell, minR := starRing(t, label+"shell", c, n, 0.5*rho, rho, 0.4)
	rings := [][][2]float64{shell}
	holeR := 0.0
	if hole && rho > 100/deconflict.EarthRadiusM { // keep holes above a square metre
		// Gaps are at most 1.4 * 90°, so the shell's inscribed circle is at
		// least cos(63°) ≈ 0.45 of its smallest radius.
		holeR = 0.3 * minR
		h, _ := starRing(t, label+"hole", c, rapid.IntRange(3, 6).Draw(t, label+"hn"), 0.6*holeR, holeR, 0.3)
		rings = append(rings, h)
	}
	return rings, holeR
}

func genGeom(t *rapid.T, label string, c r3.Vector, rho float64) *gGeom {
	switch rapid.IntRange(0, 4).Draw(t, label+"kind") {
	case 0:
		return &gGeom{typ: TypePoint, line: [][2]float64{toLL(c)}}
	case 1:
		n := rapid.IntRange(2, 5).Draw(t, label+"n")
		var line [][2]float64
		b0 := rapid.Float64Range(0, 2*math.Pi).Draw(t, label+"b0")
		for i := range n {
			// Distinct bearings from the centre keep the vertices distinct.
			b := b0 + float64(i)*(2*math.Pi/float64(n))*rapid.Float64Range(0.3, 0.9).Draw(t, label+"b")
			d := rapid.Float64Range(0.1*rho, rho).Draw(t, label+"d")
			line = append(line, toLL(dest(c, b, d)))
		}
		return &gGeom{typ: TypeLineString, line: line}
	case 2, 3:
		p, _ := genPolygon(t, label, c, rho, rapid.Bool().Draw(t, label+"hashole"))
		return &gGeom{typ: TypePolygon, parts: [][][][2]float64{p}}
	default:
		p1, _ := genPolygon(t, label+"p1", c, rho, false)
		c2 := dest(c, rapid.Float64Range(0, 2*math.Pi).Draw(t, label+"b2"), rapid.Float64Range(0, 3*rho).Draw(t, label+"d2"))
		p2, _ := genPolygon(t, label+"p2", c2, rho, false)
		return &gGeom{typ: TypeMultiPolygon, parts: [][][][2]float64{p1, p2}}
	}
}

// genPair draws two footprints in one of the situations that matter:
// anywhere near each other, one inside the other, one in the other's hole,
// or touching along an edge or at a vertex.
func genPair(t *rapid.T) (*gGeom, *gGeom) {
	c := genCenter(t, "a")
	rho := genRadius(t, "arho")
	switch rapid.IntRange(0, 4).Draw(t, "mode") {
	case 0, 1: // independent, near each other
		a := genGeom(t, "a", c, rho)
		rhoB := genRadius(t, "brho")
		cb := dest(c, rapid.Float64Range(0, 2*math.Pi).Draw(t, "bb"), rapid.Float64Range(0, 3*(rho+rhoB)).Draw(t, "bd"))
		return a, genGeom(t, "b", cb, rhoB)
	case 2: // b inside a polygon a
		p, _ := genPolygon(t, "a", c, rho, false)
		return &gGeom{typ: TypePolygon, parts: [][][][2]float64{p}}, genGeom(t, "b", c, 0.2*rho)
	case 3: // b inside the hole of a
		p, holeR := genPolygon(t, "a", c, math.Max(rho, 1e3/deconflict.EarthRadiusM), true)
		return &gGeom{typ: TypePolygon, parts: [][][][2]float64{p}}, genGeom(t, "b", c, rapid.Float64Range(0.1, 0.3).Draw(t, "inhole")*holeR)
	default: // b touches a: one of a's edges, or one of its vertices
		p, _ := genPolygon(t, "a", c, rho, false)
		a := &gGeom{typ: TypePolygon, parts: [][][][2]float64{p}}
		k := rapid.IntRange(0, len(p[0])-2).Draw(t, "edge")
		if rapid.Bool().Draw(t, "vertex") {
			return a, &gGeom{typ: TypePoint, line: [][2]float64{p[0][k]}}
		}
		return a, &gGeom{typ: TypeLineString, line: [][2]float64{p[0][k], p[0][k+1]}}
	}
}
