package geo

import (
	"bytes"
	"math"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// The GeoJSON geometry types a volume may have.
const (
	TypePoint        = "Point"
	TypeLineString   = "LineString"
	TypePolygon      = "Polygon"
	TypeMultiPolygon = "MultiPolygon"
)

const supportedTypes = "Point, LineString, Polygon or MultiPolygon"

// ParseGeometry validates g and compiles it. path prefixes the JSON paths of
// faults ("volumes[2].geometry"), and the error is an EINVALID
// *deconflict.Error listing them. maxVertices bounds the vertices (0: none);
// a geometry over it is refused after reading maxVertices+1 positions.
func ParseGeometry(g deconflict.Geometry, path string, maxVertices int) (*Footprint, error) {
	var fe deconflict.FieldErrors
	typePath := deconflict.Path(path, "type")
	coordPath := deconflict.Path(path, "coordinates")
	switch g.Type {
	case TypePoint, TypeLineString, TypePolygon, TypeMultiPolygon:
	case "":
		fe.Add(typePath, "is required: %s", supportedTypes)
		return nil, fe.Err()
	default:
		fe.Add(typePath, "%q is not a supported geometry type: use %s", g.Type, supportedTypes)
		return nil, fe.Err()
	}
	raw := bytes.TrimSpace(g.Coordinates)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		fe.Add(coordPath, "is required for a %s", g.Type)
		return nil, fe.Err()
	}

	r := newCoordReader(raw, coordPath, maxVertices, &fe)
	b := builder{faults: &fe, base: coordPath}
	switch g.Type {
	case TypePoint:
		p, ok := r.position(true)
		r.end()
		if ok && len(fe) == 0 {
			b.point(p)
		}
	case TypeLineString:
		ps, ok := r.positions(false)
		r.end()
		if ok && len(fe) == 0 {
			b.lineString(ps)
		}
	case TypePolygon:
		rings, ok := r.rings()
		r.end()
		if ok && len(fe) == 0 {
			b.polygons([][][]position{rings}, false)
		}
	case TypeMultiPolygon:
		polys, ok := r.polygons()
		r.end()
		if ok && len(fe) == 0 {
			b.polygons(polys, true)
		}
	}
	if len(fe) > 0 {
		return nil, fe.Err()
	}
	return b.footprint(), nil
}

// builder turns decoded positions into S2 shapes, reporting what it refuses.
type builder struct {
	faults *deconflict.FieldErrors
	base   string
	// shapes are the footprint's shapes, each a list of chains (see
	// newShapeSet), or set is made already (ready).
	shapes [][][]s2.Point
	set    shapeSet
	ready  bool
	dim    int8
	nv     int
}

func (b *builder) fault(path string, format string, args ...any) {
	b.faults.Add(path, format, args...)
}

// toPoint maps a position to the sphere. The aliases of one point are mapped
// to one representative, so that they compare equal: longitude -180 is 180,
// and every longitude at a pole is 0.
func toPoint(p position) s2.Point {
	lon := p.lon
	if lon == -180 {
		lon = 180
	}
	if p.lat == 90 || p.lat == -90 {
		lon = 0
	}
	return s2.PointFromLatLng(s2.LatLngFromDegrees(p.lat, lon))
}

// isAntipodal reports whether a and b are (within about 6 m of being)
// antipodal: the great circle through them is then undefined or unstable.
func isAntipodal(a, b s2.Point) bool {
	return a.Angle(b.Vector) > math.Pi-1e-6
}

func (b *builder) point(p position) {
	b.set, b.ready = newChainSet(0, []s2.Point{toPoint(p)}), true
	b.dim, b.nv = 0, 1
}

func (b *builder) lineString(ps []position) {
	pts := make([]s2.Point, 0, len(ps))
	for i, p := range ps {
		v := toPoint(p)
		if n := len(pts); n > 0 {
			if pts[n-1] == v {
				continue
			}
			if isAntipodal(pts[n-1], v) {
				b.fault(deconflict.Path(b.base, i), "is antipodal to the previous position: the great-circle edge between them is undefined; insert a position between them")
				return
			}
		}
		pts = append(pts, v)
	}
	if len(pts) < 2 {
		b.fault(b.base, "a LineString needs at least 2 distinct positions, got %d (longitudes -180 and 180 are the same meridian, and all longitudes meet at a pole)", len(pts))
		return
	}
	b.set, b.ready = newChainSet(1, pts), true
	b.dim, b.nv = 1, len(pts)
}

// footprint makes the shape set (building the index of a large footprint
// once, so that later concurrent reads never trigger a lazy build) and
// computes the bounds.
func (b *builder) footprint() *Footprint {
	if !b.ready {
		b.set = newShapeSet(b.dim, b.shapes)
	}
	f := &Footprint{index: b.set, dim: b.dim, numVertices: int32(b.nv)}
	for range f.index.edges {
		f.numEdges++
	}
	f.bound = computeBound(&f.index, b.dim == 2)
	return f
}

// computeBound bounds every chain with the edge-aware RectBounder and, for
// polygons, widens to a pole the footprint contains (no edge reaches it).
func computeBound(set *shapeSet, area bool) s2.Rect {
	bound := s2.EmptyRect()
	var rb s2.RectBounder
	started := false
	for ed, first := range set.edges {
		if first {
			if started {
				bound = bound.Union(rb.RectBound())
			}
			rb, started = *s2.NewRectBounder(), true
			rb.AddPoint(ed.V0)
		}
		if set.dim != 0 {
			rb.AddPoint(ed.V1)
		}
	}
	if started {
		bound = bound.Union(rb.RectBound())
	}
	if area {
		if set.containsClosed(s2.PointFromCoords(0, 0, 1)) {
			bound.Lat.Hi = math.Pi / 2
			bound.Lng = s1.FullInterval()
		}
		if set.containsClosed(s2.PointFromCoords(0, 0, -1)) {
			bound.Lat.Lo = -math.Pi / 2
			bound.Lng = s1.FullInterval()
		}
	}
	return bound
}
