package geo

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/deconflict/deconflict"
)

// FuzzParseGeometry: any type and coordinates bytes give either an EINVALID
// error naming a field, or a footprint within the vertex limit that the
// distance and covering code can use. Never a panic.
func FuzzParseGeometry(f *testing.F) {
	seeds := []struct{ typ, coords string }{
		{"Point", "[36.1,35.9]"},
		{"Point", "[36.1,35.9,1200]"},
		{"Point", "[1e308,0]"},
		{"Point", "[1e400,0]"},
		{"Point", "[NaN,0]"},
		{"Point", "[null,0]"},
		{"Point", `["1",0]`},
		{"Point", "[1]"},
		{"Point", "[1,2,3,4]"},
		{"Point", "[0x10,1]"},
		{"Point", "[-0,-0.0e-0]"},
		{"Point", "[1,2]]"},
		{"Point", `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`},
		{"Circle", "[0,0]"},
		{"", "[0,0]"},
		{"LineString", "[[0,0],[1,1]]"},
		{"LineString", "[[0,0],[180,0]]"},
		{"LineString", "[[180,10],[-180,10]]"},
		{"LineString", "[[0,0]]"},
		{"LineString", `{"a":[1,2]}`},
		{"Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]"},
		{"Polygon", "[[[0,0],[0,1],[1,1],[1,0],[0,0]]]"},
		{"Polygon", "[[[0,0],[1,0],[1,1],[0,1]]]"},
		{"Polygon", "[[[0,0],[1,0],[0,0]]]"},
		{"Polygon", "[[[1,1],[1,1],[1,1],[1,1]]]"},
		{"Polygon", "[[[0,0],[1,0],[2,0],[0,0]]]"},
		{"Polygon", "[[[0,0],[1,1],[1,0],[0,1],[0,0]]]"},
		{"Polygon", "[[[0,0],[2,0],[1,1],[2,2],[0,2],[1,1],[0,0]]]"},
		{"Polygon", "[[[0,0],[4,0],[4,4],[2,0.000000001],[0,4],[0,0]]]"},
		{"Polygon", "[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[1,2],[2,2],[2,1],[1,1]]]"},
		{"Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[3,3],[4,3],[4,4],[3,3]]]"},
		{"Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[0.5,0.5],[1.5,0.5],[1.5,0.8],[0.5,0.5]]]"},
		{"Polygon", "[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[1,1],[9,1],[9,9],[1,9],[1,1]],[[4,4],[6,4],[6,6],[4,6],[4,4]]]"},
		{"Polygon", "[[[-180,80],[180,80],[180,90],[-180,90],[-180,80]]]"},
		{"Polygon", "[[[0,80],[90,80],[180,80],[-90,80],[0,80]]]"},
		{"Polygon", "[[[0,0],[90,0],[180,0],[-90,0],[0,0]]]"},
		{"Polygon", "[]"},
		{"MultiPolygon", "[[[[0,0],[2,0],[2,2],[0,2],[0,0]]],[[[1,1],[3,1],[3,3],[1,3],[1,1]]]]"},
		{"MultiPolygon", "[]"},
		{"MultiPolygon", "[[]]"},
	}
	for _, s := range seeds {
		f.Add(s.typ, []byte(s.coords))
	}
	probe := mustFP(f, "Polygon", "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]")
	const limit = 64
	f.Fuzz(func(t *testing.T, typ string, coords []byte) {
		fp, err := ParseGeometry(deconflict.Geometry{Type: typ, Coordinates: json.RawMessage(coords)}, "g", limit)
		if err != nil {
			var e *deconflict.Error
			if !errors.As(err, &e) || e.Code != deconflict.EINVALID || len(e.Fields) == 0 {
				t.Fatalf("error is not an EINVALID with fields: %#v", err)
			}
			return
		}
		if fp.NumVertices() < 1 || fp.NumVertices() > limit {
			t.Fatalf("%d vertices", fp.NumVertices())
		}
		if d := Distance(fp, probe); d < 0 || d != d {
			t.Fatalf("distance %v", d)
		}
		Within(fp, probe, 1000)
		if len(Cover(fp, 100)) == 0 {
			t.Fatal("empty covering")
		}
	})
}
