package geo

import (
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

func parse(typ, coords string, limit int) (*Footprint, error) {
	return ParseGeometry(deconflict.Geometry{Type: typ, Coordinates: json.RawMessage(coords)}, "volumes[2].geometry", limit)
}

// TestParseRefuses: each fault is an EINVALID error naming the JSON path of
// the position at fault and saying what to fix.
func TestParseRefuses(t *testing.T) {
	square := "[[0,0],[1,0],[1,1],[0,1],[0,0]]"
	cases := []struct {
		name, typ, coords string
		field, msg        string
	}{
		{"missing type", "", "[0,0]", "volumes[2].geometry.type", "is required"},
		{"unknown type", "Circle", "[0,0]", "volumes[2].geometry.type", `"Circle" is not a supported geometry type`},
		{"GeometryCollection", "GeometryCollection", "[]", "volumes[2].geometry.type", "Point, LineString, Polygon or MultiPolygon"},
		{"missing coordinates", "Point", "", "volumes[2].geometry.coordinates", "is required"},
		{"null coordinates", "Point", "null", "volumes[2].geometry.coordinates", "is required"},
		{"coordinates not an array", "LineString", `{"a":1}`, "volumes[2].geometry.coordinates", "must be an array of positions, got an object"},
		{"position not an array", "LineString", `[[0,0],"1,1"]`, "volumes[2].geometry.coordinates[1]", "got a string"},
		{"null number", "Point", "[null,1]", "volumes[2].geometry.coordinates[0]", "must be a number, got null"},
		{"string number", "Point", `[0,"1"]`, "volumes[2].geometry.coordinates[1]", "must be a number, got a string"},
		{"1e400", "Point", "[1e400,0]", "volumes[2].geometry.coordinates[0]", "out of range"},
		{"1e308", "Point", "[1e308,0]", "volumes[2].geometry.coordinates[0]", "longitude 1e+308 is outside [-180, 180]"},
		{"NaN literal", "Point", "[NaN,0]", "volumes[2].geometry.coordinates[0]", "\"NaN\", which is not a JSON value"},
		{"hex number", "Point", "[0x10,0]", "volumes[2].geometry.coordinates", "not valid JSON"},
		{"longitude", "LineString", "[[0,0],[180.5,0]]", "volumes[2].geometry.coordinates[1][0]", "outside [-180, 180]"},
		{"latitude", "LineString", "[[0,0],[0,-90.1]]", "volumes[2].geometry.coordinates[1][1]", "outside [-90, 90]"},
		{"one number", "Point", "[1]", "volumes[2].geometry.coordinates", "must have 2 or 3 numbers"},
		{"four numbers", "LineString", "[[0,0],[1,1,1,1]]", "volumes[2].geometry.coordinates[1]", "got 4"},
		{"cut short", "LineString", "[[0,0],[1,1]", "volumes[2].geometry.coordinates", "cut short"},
		{"trailing data", "Point", "[0,0] [1,1]", "volumes[2].geometry.coordinates", "trailing data"},
		{"line one point", "LineString", "[[0,0]]", "volumes[2].geometry.coordinates", "at least 2 distinct positions"},
		{"line repeated point", "LineString", "[[5,5],[5,5],[5,5]]", "volumes[2].geometry.coordinates", "at least 2 distinct positions"},
		{"line across the date line that repeats", "LineString", "[[180,10],[-180,10]]", "volumes[2].geometry.coordinates", "same meridian"},
		{"antipodal edge", "LineString", "[[0,0],[180,0]]", "volumes[2].geometry.coordinates[1]", "antipodal"},
		{"no rings", "Polygon", "[]", "volumes[2].geometry.coordinates", "at least one linear ring"},
		{"ring not closed", "Polygon", "[[[0,0],[1,0],[1,1],[0,1]]]", "volumes[2].geometry.coordinates[0][3]", "must repeat the first position [0, 0]"},
		{"ring of 3 positions", "Polygon", "[[[0,0],[1,0],[0,0]]]", "volumes[2].geometry.coordinates[0]", "at least 4 positions"},
		{"repeated points only", "Polygon", "[[[1,1],[1,1],[1,1],[1,1]]]", "volumes[2].geometry.coordinates[0]", "repeated points only"},
		{"zero area (collinear)", "Polygon", "[[[0,0],[1,0],[2,0],[0,0]]]", "volumes[2].geometry.coordinates[0]", "doubles back"},
		{"spike", "Polygon", "[[[0,0],[2,0],[2,2],[2,3],[2,2],[0,2],[0,0]]]", "volumes[2].geometry.coordinates[0]", ""},
		{"bow tie", "Polygon", "[[[0,0],[1,1],[1,0],[0,1],[0,0]]]", "volumes[2].geometry.coordinates[0][0]", "crosses or touches itself"},
		{"self-touching at a vertex", "Polygon", "[[[0,0],[2,0],[1,1],[2,2],[0,2],[1,1],[0,0]]]", "volumes[2].geometry.coordinates[0][5]", "repeats the point of volumes[2].geometry.coordinates[0][2]"},
		{"self-touching T", "Polygon", "[[[0,0],[4,0],[4,4],[2,0.000000001],[0,4],[0,0]]]", "volumes[2].geometry.coordinates[0]", "touches itself"},
		{"hole outside", "Polygon", "[" + square + ",[[3,3],[4,3],[4,4],[3,3]]]", "volumes[2].geometry.coordinates[1]", "not inside the polygon's outer ring"},
		{"hole crossing shell", "Polygon", "[" + square + ",[[0.5,0.5],[1.5,0.5],[1.5,0.8],[0.5,0.5]]]", "volumes[2].geometry.coordinates[0]", "rings cross or touch"},
		{"hole touching shell", "Polygon", "[" + square + ",[[0,0],[0.5,0.2],[0.2,0.5],[0,0]]]", "volumes[2].geometry.coordinates[1][0]", "repeats the point"},
		{"nested holes", "Polygon", "[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[1,1],[9,1],[9,9],[1,9],[1,1]],[[4,4],[6,4],[6,6],[4,6],[4,4]]]", "volumes[2].geometry.coordinates[2]", "inside another hole"},
		{"polygon around a pole with -180..180", "Polygon", "[[[-180,80],[180,80],[180,90],[-180,90],[-180,80]]]", "volumes[2].geometry.coordinates[0]", "to enclose a pole, list at least 3 distinct points"},
		{"pole box via lon 0", "Polygon", "[[[-180,80],[0,80],[180,80],[180,90],[-180,90],[-180,80]]]", "volumes[2].geometry.coordinates[0]", "to enclose a pole"},
		{"MultiPolygon empty", "MultiPolygon", "[]", "volumes[2].geometry.coordinates", "at least one polygon"},
		{"MultiPolygon bad part", "MultiPolygon", "[[" + square + "],[[[5,5],[6,5],[6,6]]]]", "volumes[2].geometry.coordinates[1][0]", "at least 4 positions"},
		{"too many vertices", "LineString", "[[0,0],[1,1],[2,2],[3,3]]", "volumes[2].geometry.coordinates", "more than 3 vertices"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := parse(c.typ, c.coords, 3+boolInt(c.name != "too many vertices")*10000)
			if err == nil {
				t.Fatalf("accepted (%d vertices)", f.NumVertices())
			}
			var e *deconflict.Error
			if !errors.As(err, &e) || e.Code != deconflict.EINVALID || len(e.Fields) == 0 {
				t.Fatalf("want an EINVALID *deconflict.Error with fields, got %#v", err)
			}
			for _, fe := range e.Fields {
				if strings.HasPrefix(fe.Field, c.field) && strings.Contains(fe.Message, c.msg) {
					return
				}
			}
			t.Fatalf("no fault at %s saying %q in %+v", c.field, c.msg, e.Fields)
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestParseAccepts: valid geometries, with the vertex counts kept.
func TestParseAccepts(t *testing.T) {
	cases := []struct {
		name, typ, coords string
		vertices          int
	}{
		{"point with altitude", "Point", "[36.1, 35.9, 1200]", 1},
		{"line over the antimeridian", "LineString", "[[179.5,10],[-179.5,10]]", 2},
		{"line with a repeated position", "LineString", "[[0,0],[0,0],[1,1]]", 2},
		{"square counter-clockwise", "Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]", 4},
		{"square clockwise", "Polygon", "[[[0,0],[0,1],[1,1],[1,0],[0,0]]]", 4},
		{"square with a hole", "Polygon", "[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[1,2],[2,2],[2,1],[1,1]]]", 8},
		{"ring around the north pole", "Polygon", "[[[0,80],[90,80],[180,80],[-90,80],[0,80]]]", 4},
		{"ring around the south pole, clockwise", "Polygon", "[[[0,-80],[-90,-80],[180,-80],[90,-80],[0,-80]]]", 4},
		{"box over the antimeridian", "Polygon", "[[[179,-1],[-179,-1],[-179,1],[179,1],[179,-1]]]", 4},
		{"MultiPolygon with overlapping parts", "MultiPolygon", "[[[[0,0],[2,0],[2,2],[0,2],[0,0]]],[[[1,1],[3,1],[3,3],[1,3],[1,1]]]]", 8},
		{"whitespace everywhere", "Point", " [ 1 , 2 ] ", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := parse(c.typ, c.coords, 10000)
			if err != nil {
				t.Fatal(err)
			}
			if f.NumVertices() != c.vertices {
				t.Fatalf("%d vertices, want %d", f.NumVertices(), c.vertices)
			}
		})
	}
}

// TestWindingTakesTheSmallerRegion: a ring wound either way is the same
// small region, never the rest of the world.
func TestWindingTakesTheSmallerRegion(t *testing.T) {
	ccw := mustFP(t, "Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]")
	cw := mustFP(t, "Polygon", "[[[0,0],[0,1],[1,1],[1,0],[0,0]]]")
	inside, far := mustFP(t, "Point", "[0.5,0.5]"), mustFP(t, "Point", "[50,50]")
	for _, f := range []*Footprint{ccw, cw} {
		if Distance(f, inside) != 0 || Distance(f, far) < 5e6 {
			t.Fatalf("ring read as the big region: %v, %v", Distance(f, inside), Distance(f, far))
		}
		if b := f.Bounds(); b.Lng.Length() > 0.03 {
			t.Fatalf("bounds %v", b)
		}
	}
	pole := mustFP(t, "Polygon", "[[[0,80],[90,80],[180,80],[-90,80],[0,80]]]")
	if b := RectDegrees(pole.Bounds()); b[3] != 90 || b[0] != -180 || b[2] != 180 {
		t.Fatalf("pole bounds %v", b)
	}
	if Distance(pole, mustFP(t, "Point", "[123,89.5]")) != 0 {
		t.Fatal("the pole cap does not contain a point near the pole")
	}
}

// TestVertexLimitStopsEarly: a geometry of a million vertices is refused
// after reading past the limit, fast.
func TestVertexLimitStopsEarly(t *testing.T) {
	// Distinct positions would not matter: the count is checked first.
	body := "[[" + strings.Repeat("[36.1234567,35.1234567],", 999_999) + "[36.1234567,35.1234567]]]"
	// The fastest of a few runs, so that a loaded machine does not decide.
	var err error
	took := time.Hour
	for range 5 {
		start := time.Now()
		_, err = parse("Polygon", body, 10000)
		took = min(took, time.Since(start))
	}
	if err == nil || !strings.Contains(err.Error(), "more than 10000 vertices") {
		t.Fatalf("got %v", err)
	}
	// Building S2 structures for a million vertices would take seconds; reading
	// 10,001 positions takes well under a millisecond (more under -race).
	if took > time.Second {
		t.Fatalf("refusing took %v", took)
	}
	t.Logf("refused %d bytes in %v", len(body), took)
}

// TestFootprintMemory reports what one compiled 10-vertex polygon costs.
func TestFootprintMemory(t *testing.T) {
	g := deconflict.Geometry{Type: "Polygon", Coordinates: json.RawMessage(circleCoords(36, 35, 0.1, 10))}
	const n = 2000
	keep := make([]*Footprint, n)
	before := heapInUse()
	for i := range keep {
		f, err := ParseGeometry(g, "g", 100)
		if err != nil {
			t.Fatal(err)
		}
		keep[i] = f
	}
	after := heapInUse()
	per := (after - before) / n
	t.Logf("a 10-vertex polygon footprint holds about %d bytes", per)
	if per > 8000 {
		t.Fatalf("%d bytes per footprint", per)
	}
	runtime.KeepAlive(keep)
}
