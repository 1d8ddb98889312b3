package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict/api/apitest"
)

// volume returns a valid operation volume with changes applied (a nil
// value deletes the member).
func volume(changes map[string]any) map[string]any {
	v := map[string]any{
		"geometry":    map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{36, 35}, {36.2, 35}, {36.2, 35.2}, {36, 35}}}},
		"buffer_m":    500,
		"alt_lower_m": 1000, "alt_upper_m": 2000,
		"start": at(10, 0), "end": at(11, 0),
	}
	for k, c := range changes {
		if c == nil {
			delete(v, k)
		} else {
			v[k] = c
		}
	}
	return v
}

// opBody returns a valid operation body around volumes (one valid one if
// none), with changes applied.
func opBody(changes map[string]any, volumes ...any) map[string]any {
	if volumes == nil {
		volumes = []any{volume(nil)}
	}
	b := map[string]any{"callsign": "X1", "volumes": volumes, "share_with": []string{}}
	for k, c := range changes {
		b[k] = c
	}
	return b
}

func geometry(typ string, coords any) map[string]any {
	return map[string]any{"geometry": map[string]any{"type": typ, "coordinates": coords}}
}

// rawRing writes a ring of n vertices as compact JSON text, cheaply.
func rawRing(n int) string {
	var b strings.Builder
	b.WriteString("[[")
	for i := range n {
		fmt.Fprintf(&b, "[%d.%d,1],", 30+i%7, i%1000)
	}
	b.WriteString("[30.0,1]]]")
	return b.String()
}

type badCase struct {
	name    string
	method  string
	path    string
	who     string // "usa", "rus", "admin" or "" for none
	body    any
	headers []string
	status  int    // 0: any 4xx
	field   string // a fault must be at this path (or below it, if it ends in "*")
	detail  string // the detail must contain this
}

// TestMalformedRequests sends requests that are wrong in every way we know;
// each must get a 4xx problem that says what to fix, and none may change
// what is stored or hurt the server.
func TestMalformedRequests(t *testing.T) {
	s := apitest.New(t)
	tokens := map[string]string{"usa": s.NewParty("usa"), "rus": s.NewParty("rus"), "admin": apitest.AdminToken, "": ""}

	// Some state to protect: an operation, a zone, and a conflict.
	mustStatus(t, s.Do("PUT", "/v1/operations/strike-1", tokens["usa"], usaStrike()), 201)
	mustStatus(t, s.Do("PUT", "/v1/zones/hosp-1", tokens["usa"], map[string]any{"kind": "protected",
		"volumes": []any{map[string]any{"geometry": map[string]any{"type": "Point", "coordinates": []float64{36.6, 35.9}}, "buffer_m": 300}}}), 201)
	res := s.Do("PUT", "/v1/operations/sortie-7", tokens["rus"], rusSortie(nil))
	ref := res.Problem(t).Conflicts[0].Ref
	mustStatus(t, s.Do("PUT", "/v1/operations/sortie-7", tokens["rus"], rusSortie(nil, map[string]any{"ref": ref})), 201)
	before := snapshot(t, s, tokens["usa"], tokens["rus"])

	good := opBody(nil)
	op := "/v1/operations/new-op"
	big := strings.Repeat("x", 5<<20)
	cases := []badCase{
		{"empty body", "PUT", op, "usa", "", nil, 400, "", "request body is empty"},
		{"blank body", "PUT", op, "usa", "  \n ", nil, 400, "", "empty"},
		{"null body", "PUT", op, "usa", "null", nil, 400, "", "must be a JSON object"},
		{"array body", "PUT", op, "usa", "[]", nil, 400, "", "must be a JSON object"},
		{"not JSON", "PUT", op, "usa", "callsign=X1", nil, 400, "", "not valid JSON"},
		{"text/plain", "PUT", op, "usa", good, []string{"Content-Type", "text/plain"}, 415, "", "application/json"},
		{"no content type", "PUT", op, "usa", good, []string{"Content-Type", ""}, 415, "", "Content-Type is missing"},
		{"xml", "PUT", op, "usa", `<op/>`, []string{"Content-Type", "application/xml"}, 415, "", "application/json"},
		{"latin1", "PUT", op, "usa", good, []string{"Content-Type", "application/json; charset=iso-8859-1"}, 415, "", "UTF-8"},
		{"trailing garbage", "PUT", op, "usa", mustJSON(good) + " trailing", nil, 400, "", "after the JSON object"},
		{"two objects", "PUT", op, "usa", mustJSON(good) + mustJSON(good), nil, 400, "", "after the JSON object"},
		{"unknown field", "PUT", op, "usa", opBody(map[string]any{"altitude": 5}), nil, 400, "altitude", "not a known member"},
		{"unknown volume field", "PUT", op, "usa", opBody(nil, volume(map[string]any{"alt": 1})), nil, 400, "volumes[0].alt", "not a known member"},
		{"duplicate key", "PUT", op, "usa", `{"callsign": "A", "callsign": "B", "volumes": []}`, nil, 400, "callsign", "twice"},
		{"NaN", "PUT", op, "usa", strings.Replace(mustJSON(good), `"buffer_m":500`, `"buffer_m":NaN`, 1), nil, 400, "volumes[0].buffer_m", "not valid JSON"},
		{"Infinity", "PUT", op, "usa", strings.Replace(mustJSON(good), `"buffer_m":500`, `"buffer_m":Infinity`, 1), nil, 400, "volumes[0].buffer_m", "not valid JSON"},
		{"1e308 buffer", "PUT", op, "usa", opBody(nil, volume(map[string]any{"buffer_m": 1e308})), nil, 400, "volumes[0].buffer_m", "from 0"},
		{"1e400", "PUT", op, "usa", strings.Replace(mustJSON(good), `"buffer_m":500`, `"buffer_m":1e400`, 1), nil, 400, "volumes[0].buffer_m", "out of range"},
		{"string for number", "PUT", op, "usa", opBody(nil, volume(map[string]any{"alt_lower_m": "1000"})), nil, 400, "volumes[0].alt_lower_m", "must be a number"},
		{"negative buffer", "PUT", op, "usa", opBody(nil, volume(map[string]any{"buffer_m": -1})), nil, 400, "volumes[0].buffer_m", ""},
		{"missing alt_lower_m", "PUT", op, "usa", opBody(nil, volume(map[string]any{"alt_lower_m": nil})), nil, 400, "volumes[0].alt_lower_m", "required"},
		{"altitude below range", "PUT", op, "usa", opBody(nil, volume(map[string]any{"alt_lower_m": -5000})), nil, 400, "volumes[0].alt_lower_m", ""},
		{"lower above upper", "PUT", op, "usa", opBody(nil, volume(map[string]any{"alt_lower_m": 3000})), nil, 400, "volumes[0].alt_lower_m", "alt_upper_m"},
		{"start after end", "PUT", op, "usa", opBody(nil, volume(map[string]any{"start": at(12, 0)})), nil, 400, "volumes[0].end", "after start"},
		{"start equals end", "PUT", op, "usa", opBody(nil, volume(map[string]any{"start": at(11, 0)})), nil, 400, "volumes[0].end", "after start"},
		{"missing start", "PUT", op, "usa", opBody(nil, volume(map[string]any{"start": nil})), nil, 400, "volumes[0].start", "required"},
		{"missing end", "PUT", op, "usa", opBody(nil, volume(map[string]any{"end": nil})), nil, 400, "volumes[0].end", "required"},
		{"window over 7 days", "PUT", op, "usa", opBody(nil, volume(map[string]any{"end": at(24*8, 0)})), nil, 400, "volumes[0].end", "limit"},
		{"bad time", "PUT", op, "usa", opBody(nil, volume(map[string]any{"start": "tomorrow 10:00"})), nil, 400, "volumes[0].start", "RFC 3339"},
		{"no volumes", "PUT", op, "usa", opBody(map[string]any{"volumes": []any{}}), nil, 400, "volumes", "at least one"},
		{"too many volumes", "PUT", op, "usa", opBody(nil, manyVolumes(1001)...), nil, 400, "volumes", "limit"},
		{"huge id", "PUT", "/v1/operations/" + strings.Repeat("a", 65), "usa", good, nil, 400, "id", "1 to 64"},
		{"id with bad characters", "PUT", "/v1/operations/op%20one%3B", "usa", good, nil, 400, "id", "A-Z"},
		{"id in body differs", "PUT", op, "usa", opBody(map[string]any{"id": "other"}), nil, 400, "id", "path"},
		{"party in body differs", "PUT", op, "usa", opBody(map[string]any{"party": "rus"}), nil, 400, "party", "caller"},
		{"unknown share target", "PUT", op, "usa", opBody(map[string]any{"share_with": []string{"nobody"}}), nil, 0, "share_with[0]", ""},
		{"unknown share group", "PUT", op, "usa", opBody(map[string]any{"share_with": []string{"group:nosuch"}}), nil, 0, "share_with[0]", ""},
		{"malformed share target", "PUT", op, "usa", opBody(map[string]any{"share_with": []string{"group:"}}), nil, 400, "share_with[0]", ""},
		{"aware_of string", "PUT", op, "usa", opBody(map[string]any{"aware_of": []any{"rus/sortie-7"}}), nil, 400, "aware_of[0]", "object"},
		{"aware_of no version", "PUT", op, "usa", opBody(map[string]any{"aware_of": []any{map[string]any{"party": "rus", "id": "sortie-7"}}}), nil, 400, "aware_of[0].version", ""},
		{"aware_of ref and id", "PUT", op, "usa", opBody(map[string]any{"aware_of": []any{map[string]any{"ref": "x", "id": "y"}}}), nil, 400, "aware_of[0]", "either"},
		{"bad state", "PUT", op, "usa", opBody(map[string]any{"state": "flying"}), nil, 400, "state", "planned"},
		{"long callsign", "PUT", op, "usa", opBody(map[string]any{"callsign": strings.Repeat("C", 65)}), nil, 400, "callsign", "64"},
		{"bad If-Match", "PUT", "/v1/operations/strike-1", "usa", usaStrike(), []string{"If-Match", "abc"}, 400, "If-Match", "version"},
		{"If-Match star", "PUT", "/v1/operations/strike-1", "usa", usaStrike(), []string{"If-Match", "*"}, 400, "If-Match", ""},
		{"two If-Match", "DELETE", "/v1/operations/strike-1", "usa", nil, []string{"If-Match", `"1", "2"`}, 400, "If-Match", ""},
		{"geometry type", "PUT", op, "usa", opBody(nil, volume(geometry("Circle", []float64{36, 35}))), nil, 400, "volumes[0].geometry.type", ""},
		{"missing geometry", "PUT", op, "usa", opBody(nil, volume(map[string]any{"geometry": nil})), nil, 400, "volumes[0].geometry", "required"},
		{"unclosed ring", "PUT", op, "usa", opBody(nil, volume(geometry("Polygon", [][][]float64{{{36, 35}, {36.2, 35}, {36.2, 35.2}, {36, 35.2}}}))), nil, 400, "volumes[0].geometry*", ""},
		{"self-touching ring", "PUT", op, "usa", opBody(nil, volume(geometry("Polygon", [][][]float64{{{36, 35}, {36.2, 35}, {36.1, 35.1}, {36.2, 35.2}, {36, 35.2}, {36.1, 35.1}, {36, 35}}}))), nil, 400, "volumes[0].geometry*", ""},
		{"bowtie ring", "PUT", op, "usa", opBody(nil, volume(geometry("Polygon", [][][]float64{{{36, 35}, {36.2, 35.2}, {36.2, 35}, {36, 35.2}, {36, 35}}}))), nil, 400, "volumes[0].geometry*", ""},
		{"three positions", "PUT", op, "usa", opBody(nil, volume(geometry("Polygon", [][][]float64{{{36, 35}, {36.2, 35}, {36, 35}}}))), nil, 400, "volumes[0].geometry*", ""},
		{"repeated points only", "PUT", op, "usa", opBody(nil, volume(geometry("Polygon", [][][]float64{{{36, 35}, {36, 35}, {36, 35}, {36, 35}}}))), nil, 400, "volumes[0].geometry*", ""},
		{"longitude out of range", "PUT", op, "usa", opBody(nil, volume(geometry("Point", []float64{200, 35}))), nil, 400, "volumes[0].geometry*", ""},
		{"coordinates as strings", "PUT", op, "usa", opBody(nil, volume(geometry("Point", []string{"36", "35"}))), nil, 400, "volumes[0].geometry*", ""},
		{"deeply nested coordinates", "PUT", op, "usa", strings.Replace(mustJSON(good), `"coordinates":[[[36,35]`, `"coordinates":`+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+`,"x":[[[36,35]`, 1), nil, 400, "volumes[0].geometry.coordinates", "deeper"},
		{"deeply nested member", "PUT", op, "usa", `{"volumes": ` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`, nil, 400, "volumes*", "deeper"},
		{"over 10,000 vertices", "PUT", op, "usa", strings.Replace(mustJSON(good), `[[[36,35],[36.2,35],[36.2,35.2],[36,35]]]`, rawRing(300_000), 1), nil, 400, "volumes[0].geometry*", "vertices"},
		{"1 million vertices", "PUT", op, "usa", strings.Replace(mustJSON(good), `[[[36,35],[36.2,35],[36.2,35.2],[36,35]]]`, rawRing(1_000_000), 1), nil, 413, "", "limit"},
		{"body over limit", "PUT", op, "usa", `{"callsign": "` + big + `"}`, nil, 413, "", "limit"},
		{"bad bbox", "GET", "/v1/operations?bbox=1,2,3", "usa", nil, nil, 400, "bbox", "west,south,east,north"},
		{"bbox latitude", "GET", "/v1/operations?bbox=1,-95,3,4", "usa", nil, nil, 400, "bbox", "latitudes"},
		{"bbox not numbers", "GET", "/v1/operations?bbox=a,b,c,d", "usa", nil, nil, 400, "bbox", ""},
		{"bad state query", "GET", "/v1/operations?state=flying", "usa", nil, nil, 400, "state", ""},
		{"bad time query", "GET", "/v1/operations?from=yesterday", "usa", nil, nil, 400, "from", "RFC 3339"},
		{"from after to", "GET", "/v1/operations?from=" + at(5, 0) + "&to=" + at(4, 0), "usa", nil, nil, 400, "to", "after"},
		{"unknown query", "GET", "/v1/operations?stat=open", "usa", nil, nil, 400, "stat", "not a query parameter"},
		{"bad conflict state", "GET", "/v1/conflicts?state=pending", "usa", nil, nil, 400, "state", "open or closed"},
		{"bad zone kind query", "GET", "/v1/zones?kind=castle", "usa", nil, nil, 400, "kind", ""},
		{"bad party query", "GET", "/v1/operations/strike-1?party=a/b", "usa", nil, nil, 400, "party", ""},
		{"zone bad kind", "PUT", "/v1/zones/z1", "usa", map[string]any{"kind": "castle", "volumes": []any{volume(nil)}}, nil, 400, "kind", ""},
		{"zone bad policy", "PUT", "/v1/zones/z1", "usa", map[string]any{"kind": "airspace", "policy": "shoot", "volumes": []any{volume(nil)}}, nil, 400, "policy", ""},
		{"zone negative minima", "PUT", "/v1/zones/z1", "usa", map[string]any{"kind": "airspace", "minima": map[string]any{"lateral_m": -1}, "volumes": []any{volume(nil)}}, nil, 400, "minima.lateral_m", ""},
		{"zone unknown field", "PUT", "/v1/zones/z1", "usa", map[string]any{"kind": "airspace", "colour": "red", "volumes": []any{volume(nil)}}, nil, 400, "colour", ""},
		{"import feature without id", "POST", "/v1/zones:import?kind=airspace", "usa", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Point","coordinates":[1,2]}}]}`, nil, 400, "features[0].properties.id", ""},
		{"import wrong type", "POST", "/v1/zones:import?kind=airspace", "usa", `{"type":"GeometryCollection","geometries":[]}`, nil, 400, "type", ""},
		{"import csv", "POST", "/v1/zones:import", "usa", "id,kind\nx,airspace\n", []string{"Content-Type", "text/csv"}, 415, "", "application/geo+json"},
		{"import bad default", "POST", "/v1/zones:import?kind=castle", "usa", `{"type":"FeatureCollection","features":[]}`, nil, 400, "kind", ""},
		{"import bad geometry", "POST", "/v1/zones:import?kind=airspace", "usa", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Point","coordinates":[1,2]}},{"type":"Feature","properties":{"id":"b"},"geometry":{"type":"Polygon","coordinates":[[[1,2],[3,4]]]}}]}`, nil, 400, "features[1].geometry*", ""},
		{"check no volumes", "POST", "/v1/conflicts:check", "usa", `{"share_with": []}`, nil, 400, "volumes", ""},
		{"check missing end", "POST", "/v1/conflicts:check", "usa", map[string]any{"volumes": []any{volume(map[string]any{"end": nil})}}, nil, 400, "volumes[0].end", ""},
		{"no token", "GET", "/v1/operations", "", nil, nil, 401, "", "Bearer"},
		{"unknown token", "GET", "/v1/operations", "", nil, []string{"Authorization", "Bearer dc_nope_nope"}, 401, "", ""},
		{"basic auth", "GET", "/v1/operations", "", nil, []string{"Authorization", "Basic dXNhOnVzYQ=="}, 401, "", "Bearer"},
		{"party makes party", "POST", "/v1/parties", "usa", map[string]any{"id": "evil"}, nil, 403, "", "admin"},
		{"admin puts operation", "PUT", op, "admin", good, nil, 403, "", "party"},
		{"party bad id", "POST", "/v1/parties", "admin", map[string]any{"id": "bad id"}, nil, 400, "id", ""},
		{"party unknown role", "POST", "/v1/parties", "admin", map[string]any{"id": "x", "roles": []string{"god"}}, nil, 400, "roles[0]", "surveillance"},
		{"party exists", "POST", "/v1/parties", "admin", map[string]any{"id": "usa"}, nil, 409, "", "exists"},
		{"group without members", "PUT", "/v1/groups/coalition", "admin", map[string]any{}, nil, 400, "members", ""},
		{"token for nobody", "POST", "/v1/parties/nobody/tokens", "admin", nil, nil, 404, "", ""},
		{"unshared operation", "GET", "/v1/operations/strike-1?party=usa", "rus", nil, nil, 404, "", ""},
		{"unknown route", "GET", "/v1/nothing", "usa", nil, nil, 404, "", "no such route"},
		{"wrong method", "POST", "/v1/operations/strike-1", "usa", good, nil, 405, "", "allowed"},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			res := s.Do(c.method, c.path, tokens[c.who], c.body, c.headers...)
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("took %v to refuse", took)
			}
			checkRefusal(t, res, c)
		})
	}

	// A body over the limit sent without a declared length is cut off too.
	t.Run("chunked body over limit", func(t *testing.T) {
		req, _ := http.NewRequest("PUT", s.URL+op, io.MultiReader(strings.NewReader(`{"callsign": "`), strings.NewReader(big), strings.NewReader(`"}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tokens["usa"])
		checkRefusal(t, s.Send(req), badCase{status: 413, detail: "limit"})
	})

	if res := s.Do("GET", "/healthz", "", nil); res.Status != 200 {
		t.Errorf("healthz after bad input: %d", res.Status)
	}
	if after := snapshot(t, s, tokens["usa"], tokens["rus"]); after != before {
		t.Errorf("bad input changed the stored state:\nbefore %s\nafter  %s", before, after)
	}
	if logs := s.Logs(); strings.Contains(logs, "panic") || strings.Contains(logs, "level=ERROR") {
		t.Errorf("server logged errors: %s", logs)
	}
}

func checkRefusal(t *testing.T, res *apitest.Response, c badCase) {
	t.Helper()
	if res.Status < 400 || res.Status > 499 || (c.status != 0 && res.Status != c.status) {
		t.Fatalf("status %d, want %d (4xx): %s", res.Status, c.status, clipBody(res.Body))
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q", ct)
	}
	p := res.Problem(t)
	if p.Detail == "" || p.Status != res.Status || !strings.HasPrefix(p.Type, "urn:deconflict:problem:") {
		t.Errorf("problem %+v", p)
	}
	if !strings.Contains(p.Detail, c.detail) {
		t.Errorf("detail %q does not say %q", p.Detail, c.detail)
	}
	if c.field == "" {
		return
	}
	for _, e := range p.Errors {
		if e.Field == c.field || (strings.HasSuffix(c.field, "*") && strings.HasPrefix(e.Field, strings.TrimSuffix(c.field, "*"))) {
			if e.Message == "" {
				t.Errorf("fault at %s without a message", e.Field)
			}
			return
		}
	}
	t.Errorf("faults %+v do not name %s (detail %q)", p.Errors, c.field, p.Detail)
}

// snapshot renders what each party can list: operations, zones, conflicts.
func snapshot(t *testing.T, s *apitest.Stack, tokens ...string) string {
	t.Helper()
	var b bytes.Buffer
	for _, tok := range tokens {
		for _, path := range []string{"/v1/operations", "/v1/zones", "/v1/conflicts"} {
			res := s.Do("GET", path, tok, nil)
			if res.Status != 200 {
				t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
			}
			b.Write(res.Body)
		}
	}
	return b.String()
}

func mustStatus(t *testing.T, res *apitest.Response, want int) {
	t.Helper()
	if res.Status != want {
		t.Fatalf("status %d, want %d: %s", res.Status, want, clipBody(res.Body))
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func manyVolumes(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = volume(nil)
	}
	return out
}

func clipBody(b []byte) string {
	if len(b) > 1000 {
		return string(b[:1000]) + "…"
	}
	return string(b)
}

// TestPolarRingWithRepeatedAntimeridianPoints sends a ring around the north
// pole drawn the way flat-map tools draw it, with the ±180° meridian
// repeated and a doubled closing point. It must be refused with a 4xx, or
// taken for what it means on the sphere: the cap north of 80°N.
func TestPolarRingWithRepeatedAntimeridianPoints(t *testing.T) {
	s := apitest.New(t)
	usa, rus := s.NewParty("usa"), s.NewParty("rus")
	polar := volume(geometry("Polygon", [][][]float64{{{-180, 80}, {-90, 80}, {0, 80}, {90, 80}, {180, 80}, {-180, 80}, {-180, 80}}}))
	res := s.Do("PUT", "/v1/operations/polar", usa, opBody(nil, polar))
	if res.Status >= 400 && res.Status < 500 {
		checkRefusal(t, res, badCase{field: "volumes[0].geometry*"})
		return
	}
	mustStatus(t, res, 201)
	check := func(lon, lat float64) int {
		v := volume(geometry("Point", []float64{lon, lat}))
		var out conflictList
		r := s.Do("POST", "/v1/conflicts:check", rus, map[string]any{"volumes": []any{v}})
		mustStatus(t, r, 200)
		r.Decode(t, &out)
		return len(out.Conflicts)
	}
	if n := check(45, 89.9); n != 1 {
		t.Errorf("a point near the pole has %d conflicts with the polar cap, want 1", n)
	}
	if n := check(45, 60); n != 0 {
		t.Errorf("a point at 60°N has %d conflicts with the cap north of 80°N, want 0", n)
	}
}
