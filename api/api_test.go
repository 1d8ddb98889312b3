package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/api"
	"github.com/deconflict/deconflict/api/apitest"
)

func TestAccountsOverHTTP(t *testing.T) {
	s := apitest.New(t)
	res := s.Do("POST", "/v1/parties", apitest.AdminToken, map[string]any{"id": "uk", "name": "Royal Air Force", "groups": []string{"coalition"}})
	mustStatus(t, res, 201)
	var created struct {
		Party deconflict.Party
		Token string
	}
	res.Decode(t, &created)
	if created.Party.ID != "uk" || created.Party.Name != "Royal Air Force" || created.Token == "" || created.Party.Roles == nil {
		t.Fatalf("created %+v", created)
	}
	// The token works; a second one too; revoking the second leaves the first.
	mustStatus(t, s.Do("GET", "/v1/operations", created.Token, nil), 200)
	res = s.Do("POST", "/v1/parties/uk/tokens", apitest.AdminToken, nil)
	mustStatus(t, res, 201)
	var second struct{ Token, Prefix string }
	res.Decode(t, &second)
	if second.Token == "" || second.Prefix == "" || !strings.Contains(second.Token, second.Prefix) {
		t.Fatalf("second token %+v", second)
	}
	mustStatus(t, s.Do("GET", "/v1/zones", second.Token, nil), 200)
	mustStatus(t, s.Do("DELETE", "/v1/tokens/"+second.Prefix, apitest.AdminToken, nil), 204)
	res = s.Do("GET", "/v1/zones", second.Token, nil)
	mustStatus(t, res, 401)
	if res.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	mustStatus(t, s.Do("GET", "/v1/zones", created.Token, nil), 200)

	// Groups.
	s.NewParty("usa")
	res = s.Do("PUT", "/v1/groups/coalition", apitest.AdminToken, map[string]any{"members": []string{"usa", "uk"}})
	mustStatus(t, res, 200)
	var g struct{ Group deconflict.Group }
	res.Decode(t, &g)
	if g.Group.Name != "coalition" || len(g.Group.Members) != 2 {
		t.Errorf("group %+v", g.Group)
	}
	mustStatus(t, s.Do("PUT", "/v1/groups/coalition", created.Token, map[string]any{"members": []string{}}), 403)
}

// TestSharingWithGroup checks that a zone shared with a group is visible to
// its members and nobody else.
func TestZonesOverHTTP(t *testing.T) {
	s := apitest.New(t)
	un := s.NewParty("un")
	usa := s.NewParty("usa")
	rus := s.NewParty("rus")
	mustStatus(t, s.Do("PUT", "/v1/groups/coalition", apitest.AdminToken, map[string]any{"members": []string{"usa"}}), 200)

	hospital := map[string]any{"name": "Idlib hospital", "kind": "protected", "share_with": []string{"group:coalition"},
		"volumes": []any{map[string]any{"geometry": map[string]any{"type": "Point", "coordinates": []float64{36.63, 35.93}}, "buffer_m": 500}}}
	res := s.Do("PUT", "/v1/zones/hosp-1", un, hospital)
	mustStatus(t, res, 201)
	if res.Header.Get("ETag") != `"1"` || res.Header.Get("Location") != "/v1/zones/hosp-1" {
		t.Errorf("headers %v", res.Header)
	}
	var put struct {
		Zone      deconflict.Zone
		Conflicts []deconflict.Conflict
	}
	res.Decode(t, &put)
	if z := put.Zone; z.Policy != deconflict.PolicyAcknowledge || z.Volumes[0].AltLowerM != deconflict.MinAltitudeM || z.Version != 1 {
		t.Errorf("zone %+v", z)
	}
	mustStatus(t, s.Do("PUT", "/v1/zones/hosp-1", un, hospital), 200)

	// usa is in the coalition, rus is not.
	mustStatus(t, s.Do("GET", "/v1/zones/hosp-1?party=un", usa, nil), 200)
	mustStatus(t, s.Do("GET", "/v1/zones/hosp-1?party=un", rus, nil), 404)
	var list struct{ Zones []deconflict.Zone }
	s.Do("GET", "/v1/zones?kind=protected", usa, nil).Decode(t, &list)
	if len(list.Zones) != 1 {
		t.Errorf("usa lists %d protected zones, want 1", len(list.Zones))
	}
	s.Do("GET", "/v1/zones?kind=airspace", usa, nil).Decode(t, &list)
	if len(list.Zones) != 0 {
		t.Errorf("usa lists %d airspace zones, want 0", len(list.Zones))
	}
	s.Do("GET", "/v1/zones", rus, nil).Decode(t, &list)
	if len(list.Zones) != 0 {
		t.Errorf("rus lists %d zones, want 0", len(list.Zones))
	}

	// A check near the hospital finds it, stores nothing.
	check := map[string]any{"volumes": []any{map[string]any{
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{36.632, 35.931}}, "buffer_m": 100,
		"alt_lower_m": 100, "alt_upper_m": 300, "start": at(9, 0), "end": at(10, 0)}}}
	var found struct{ Conflicts []deconflict.Conflict }
	res = s.Do("POST", "/v1/conflicts:check", usa, check)
	mustStatus(t, res, 200)
	res.Decode(t, &found)
	if len(found.Conflicts) != 1 || found.Conflicts[0].With == nil || found.Conflicts[0].With.Kind != deconflict.KindZone {
		t.Errorf("check found %+v", found.Conflicts)
	}
	s.Do("GET", "/v1/conflicts", usa, nil).Decode(t, &found)
	if len(found.Conflicts) != 0 {
		t.Errorf("a check stored %d conflicts", len(found.Conflicts))
	}

	mustStatus(t, s.Do("DELETE", "/v1/zones/hosp-1", un, nil), 204)
	mustStatus(t, s.Do("GET", "/v1/zones/hosp-1", un, nil), 404)
}

// TestImportNaturalEarth imports real boundary files: the 1:10m Syria
// polygon (one Feature, dozens of properties this API ignores) and the
// first 40 countries of the 1:50m world file with ids from adm0_a3.
func TestImportNaturalEarth(t *testing.T) {
	dir := os.Getenv("DECONFLICT_SHARED")
	if dir == "" {
		dir = "../../shared"
	}
	syria, err := os.ReadFile(dir + "/data/naturalearth/ne_10m_SYR.geojson")
	if err != nil {
		t.Skipf("Natural Earth data not found: %v", err)
	}
	s := apitest.New(t)
	syr := s.NewParty("syr")
	res := s.Do("POST", "/v1/zones:import?id=syria&kind=airspace&policy=acknowledge&share_with=all&alt_upper_m=20000", syr, syria,
		"Content-Type", "application/geo+json")
	mustStatus(t, res, 201)
	var out struct{ Zones []deconflict.Zone }
	res.Decode(t, &out)
	if len(out.Zones) != 1 {
		t.Fatalf("got %d zones", len(out.Zones))
	}
	z := out.Zones[0]
	if z.ID != "syria" || z.Name != "Syria" || z.Kind != deconflict.ZoneAirspace || z.ShareWith[0] != "all" ||
		z.Volumes[0].AltUpperM != 20000 || z.Volumes[0].Geometry.Type != "Polygon" {
		t.Errorf("zone %s %q %s %v %v %s", z.ID, z.Name, z.Kind, z.ShareWith, z.Volumes[0].AltUpperM, z.Volumes[0].Geometry.Type)
	}

	world, err := os.ReadFile(dir + "/data/naturalearth/ne_50m_admin_0_countries.geojson")
	if err != nil {
		t.Fatal(err)
	}
	// The first 40 countries keep the test quick under -race; they hold
	// real faults (rings that touch themselves) as well as good polygons.
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(world, &fc); err != nil {
		t.Fatal(err)
	}
	fc.Features = fc.Features[:40]
	world, _ = json.Marshal(fc)
	un := s.NewParty("un")
	res = s.Do("POST", "/v1/zones:import?id_from=adm0_a3&kind=restricted", un, world)
	if res.Status == 201 {
		res.Decode(t, &out)
		if len(out.Zones) != 40 {
			t.Errorf("world: %d zones, want 40", len(out.Zones))
		}
		return
	}
	// The world file holds geometry that the exchange may refuse; then
	// every fault must name its feature.
	p := res.Problem(t)
	if res.Status != 400 || len(p.Errors) == 0 {
		t.Fatalf("world: %d %s", res.Status, clipBody(res.Body))
	}
	for _, e := range p.Errors {
		if !regexp.MustCompile(`^features\[\d+\]\.`).MatchString(e.Field) {
			t.Errorf("fault not naming a feature: %+v", e)
		}
	}
	t.Logf("world import refused: %d faults, first %+v", len(p.Errors), p.Errors[0])
}

// TestRoutesServed sends each route of the table a request without a
// token: none may be unknown to the server (404 no such route / 405).
func TestRoutesServed(t *testing.T) {
	s := apitest.New(t)
	// One ledger entry, so that the proof routes have something to prove.
	a := s.NewParty("a")
	s.NewParty("b")
	mustStatus(t, s.Do("POST", "/v1/messages", a, map[string]any{"to": []string{"b"}, "text": "hello"}), 201)
	for _, rt := range api.Routes() {
		path := strings.NewReplacer("{id}", "x", "{prefix}", "x", "{name}", "x").Replace(rt.Path)
		// Public routes that need parameters get valid ones.
		switch path {
		case "/v1/ledger/proofs/inclusion":
			path += "?index=0&size=1"
		case "/v1/ledger/proofs/consistency":
			path += "?from=1&to=1"
		}
		res := s.Do(rt.Method, path, "", nil)
		want := 401
		if rt.Auth == "none" {
			want = 200
		}
		if res.Status != want {
			t.Errorf("%s %s without token: %d, want %d: %s", rt.Method, path, res.Status, want, clipBody(res.Body))
		}
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	s := apitest.New(t)
	usa := s.NewParty("usa")
	res := s.Do("GET", "/v2/operations", usa, nil)
	mustStatus(t, res, 404)
	if p := res.Problem(t); p.Type != "urn:deconflict:problem:not_found" {
		t.Errorf("problem %+v", p)
	}
	res = s.Do("PATCH", "/v1/operations/x", usa, `{}`)
	mustStatus(t, res, 405)
	if allow := res.Header.Get("Allow"); allow != "GET, PUT, DELETE, HEAD" {
		t.Errorf("Allow %q", allow)
	}
	res = s.Do("GET", "/v1/zones:import", usa, nil)
	mustStatus(t, res, 405)
	if allow := res.Header.Get("Allow"); allow != "POST" {
		t.Errorf("Allow %q", allow)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	s := apitest.New(t)
	usa := s.NewParty("usa")
	mustStatus(t, s.Do("GET", "/healthz", "", nil), 200)
	mustStatus(t, s.Do("GET", "/readyz", "", nil), 200)
	res := s.Do("GET", "/v1/openapi.json", "", nil)
	mustStatus(t, res, 200)
	if string(res.Body) != string(api.OpenAPI()) {
		t.Error("served document differs from the embedded one")
	}
	for range 3 {
		s.Do("GET", "/v1/operations/nope", usa, nil)
	}
	res = s.Do("GET", "/metrics", "", nil)
	mustStatus(t, res, 200)
	body := string(res.Body)
	for _, want := range []string{
		`deconflict_http_requests_total{method="GET",route="/v1/operations/{id}",status="404"} 3`,
		`deconflict_http_requests_total{method="POST",route="/v1/parties",status="201"} 1`,
		`deconflict_http_request_duration_seconds_count{method="GET",route="/v1/operations/{id}"} 3`,
		`deconflict_http_request_duration_seconds_bucket{method="GET",route="/v1/operations/{id}",le="+Inf"} 3`,
		"# TYPE deconflict_http_request_duration_seconds histogram",
		"deconflict_http_requests_in_flight 1", // this request
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	for _, name := range []string{"process_resident_memory_bytes", "go_memstats_heap_inuse_bytes"} {
		m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindStringSubmatch(body)
		if m == nil {
			t.Errorf("metrics lack %s", name)
			continue
		}
		if v, err := strconv.ParseFloat(m[1], 64); err != nil || v < 1<<20 {
			t.Errorf("%s = %s, want over 1 MiB", name, m[1])
		}
	}
	// Readiness follows the store.
	_ = s.Store.Close()
	res = s.Do("GET", "/readyz", "", nil)
	mustStatus(t, res, http.StatusServiceUnavailable)
	if p := res.Problem(t); p.Type != "urn:deconflict:problem:unavailable" {
		t.Errorf("problem %+v", p)
	}
	mustStatus(t, s.Do("GET", "/healthz", "", nil), 200)
}
