package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/client"
)

var day = time.Date(2031, 11, 24, 0, 0, 0, 0, time.UTC)

// corridor is a 1 km wide route near 35.9E 35.8N, 07:00-08:00 on day, at
// 5,500-6,500 m.
func corridor(coords string) deconflict.Volume {
	start, end := day.Add(7*time.Hour), day.Add(8*time.Hour)
	return deconflict.Volume{
		Geometry: deconflict.Geometry{Type: "LineString", Coordinates: json.RawMessage(coords)},
		BufferM:  500, AltLowerM: 5500, AltUpperM: 6500, Start: &start, End: &end,
	}
}

func problem(t *testing.T, err error, status int) *client.Problem {
	t.Helper()
	var p *client.Problem
	if !errors.As(err, &p) {
		t.Fatalf("want a %d problem, got %v", status, err)
	}
	if p.Status != status || client.StatusOf(err) != status {
		t.Fatalf("want status %d, got %d: %v", status, p.Status, p)
	}
	return p
}

func TestHealthReadyMetrics(t *testing.T) {
	ctx := context.Background()
	c := newServer(t).WithToken("")
	if err := c.Health(ctx); err != nil {
		t.Fatalf("health: %v", err)
	}
	if err := c.Ready(ctx); err != nil {
		t.Fatalf("ready: %v", err)
	}
	m, err := c.Metrics(ctx)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	if v, ok := client.MetricValue(m, "go_goroutines"); !ok || v < 1 {
		t.Errorf("go_goroutines = %v, %v in:\n%s", v, ok, m)
	}
	if v, ok := client.MetricValue(m, "process_resident_memory_bytes"); !ok || v <= 0 {
		t.Errorf("process_resident_memory_bytes = %v, %v", v, ok)
	}
}

func TestUnauthenticatedIs401(t *testing.T) {
	c := newServer(t).WithToken("dc_nope_nope")
	_, err := c.ListOperations(context.Background(), deconflict.OperationQuery{})
	p := problem(t, err, http.StatusUnauthorized)
	if !strings.HasPrefix(p.Error(), "401 ") {
		t.Errorf("Error() = %q, want it to start with the status", p.Error())
	}
}

func TestAccounts(t *testing.T) {
	ctx := context.Background()
	admin := newServer(t)
	alpha := party(t, admin, "alpha", "coalition")
	party(t, admin, "bravo")

	if _, _, err := admin.CreateParty(ctx, deconflict.Party{ID: "alpha"}); client.StatusOf(err) != http.StatusConflict {
		t.Errorf("duplicate party: want 409, got %v", err)
	}
	if _, _, err := alpha.CreateParty(ctx, deconflict.Party{ID: "charlie"}); client.StatusOf(err) != http.StatusForbidden {
		t.Errorf("party creating a party: want 403, got %v", err)
	}
	g, err := admin.PutGroup(ctx, "coalition", []string{"alpha", "bravo"})
	if err != nil || g.Name != "coalition" || len(g.Members) != 2 {
		t.Fatalf("put group: %+v, %v", g, err)
	}
	_, err = admin.PutGroup(ctx, "coalition", []string{"alpha", "ghost"})
	if p := problem(t, err, http.StatusBadRequest); len(p.Errors) == 0 || p.Errors[0].Field != "members[1]" {
		t.Errorf("unknown member: want a fault at members[1], got %v", p)
	}

	token, prefix, err := admin.CreateToken(ctx, "alpha")
	if err != nil || token == "" || prefix == "" {
		t.Fatalf("create token: %q %q %v", token, prefix, err)
	}
	second := admin.WithToken(token)
	if _, err := second.ListZones(ctx, ""); err != nil {
		t.Fatalf("second token: %v", err)
	}
	if err := admin.RevokeToken(ctx, prefix); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if _, err := second.ListZones(ctx, ""); client.StatusOf(err) != http.StatusUnauthorized {
		t.Errorf("revoked token: want 401, got %v", err)
	}
	if _, err := alpha.ListZones(ctx, ""); err != nil {
		t.Errorf("first token after revoking the second: %v", err)
	}
}

func TestOperationsAwarenessFlow(t *testing.T) {
	ctx := context.Background()
	admin := newServer(t)
	alpha := party(t, admin, "alpha")
	bravo := party(t, admin, "bravo")

	a := deconflict.Operation{ID: "strike-1", Callsign: "ALPHA1", Volumes: []deconflict.Volume{corridor(`[[35.95,35.80],[36.10,35.95]]`)},
		ShareWith: []string{"all"}}
	res, err := alpha.PutOperation(ctx, a, 0)
	if err != nil {
		t.Fatalf("alpha put: %v", err)
	}
	if !res.Created || res.Operation.Version != 1 || res.Operation.Party != "alpha" || len(res.Conflicts) != 0 {
		t.Fatalf("alpha put: %+v", res)
	}

	// bravo crosses alpha's route: refused until it names alpha's operation.
	b := deconflict.Operation{ID: "recce-7", Volumes: []deconflict.Volume{corridor(`[[35.95,35.95],[36.10,35.80]]`)}}
	_, err = bravo.PutOperation(ctx, b, 0)
	p := problem(t, err, http.StatusConflict)
	if len(p.Conflicts) != 1 || p.Conflicts[0].Reason != deconflict.ReasonNotAcknowledged {
		t.Fatalf("409 conflicts: %+v", p.Conflicts)
	}
	w := p.Conflicts[0].With
	if w == nil || w.Party != "alpha" || w.ID != "strike-1" || w.Version != 1 {
		t.Fatalf("409 names %+v, want alpha/strike-1 v1 (shared with all)", w)
	}
	aw := p.AwareOf()
	if len(aw) != 1 || aw[0].Party != "alpha" || aw[0].ID != "strike-1" || aw[0].Version != 1 {
		t.Fatalf("AwareOf = %+v", aw)
	}
	if !strings.Contains(p.Error(), "409") || !strings.Contains(p.Error(), "1 blocking conflict") {
		t.Errorf("Error() = %q", p.Error())
	}
	b.AwareOf = aw
	res, err = bravo.PutOperation(ctx, b, 0)
	if err != nil {
		t.Fatalf("bravo put with aware_of: %v", err)
	}
	if !res.Created || res.Operation.Version != 1 || len(res.Conflicts) != 1 || res.Conflicts[0].State != deconflict.ConflictOpen {
		t.Fatalf("bravo put with aware_of: %+v", res)
	}
	conflictID := res.Conflicts[0].ID

	// Replacing: 428 without If-Match, 412 with a stale one, 200 with the current one.
	if _, err := bravo.PutOperation(ctx, b, 0); client.StatusOf(err) != http.StatusPreconditionRequired {
		t.Errorf("replace without If-Match: want 428, got %v", err)
	}
	if _, err := bravo.PutOperation(ctx, b, 7); client.StatusOf(err) != http.StatusPreconditionFailed {
		t.Errorf("replace with a stale If-Match: want 412, got %v", err)
	}
	b.Callsign = "BRAVO7"
	res, err = bravo.PutOperation(ctx, b, 1)
	if err != nil || res.Created || res.Operation.Version != 2 || res.Operation.Callsign != "BRAVO7" {
		t.Fatalf("replace: %+v, %v", res, err)
	}

	got, err := bravo.GetOperation(ctx, "", "recce-7")
	if err != nil || got.Version != 2 || len(got.AwareOf) != 1 {
		t.Fatalf("get own: %+v, %v", got, err)
	}
	if _, err := alpha.GetOperation(ctx, "bravo", "recce-7"); client.StatusOf(err) != http.StatusNotFound {
		t.Errorf("alpha gets bravo's unshared operation: want 404, got %v", err)
	}
	if got, err := bravo.GetOperation(ctx, "alpha", "strike-1"); err != nil || got.Callsign != "ALPHA1" {
		t.Errorf("bravo gets alpha's shared operation: %+v, %v", got, err)
	}

	// Listings: bravo sees its own and alpha's (shared with all); a bbox far away selects none.
	ops, err := bravo.ListOperations(ctx, deconflict.OperationQuery{State: deconflict.StatePlanned})
	if err != nil || len(ops) != 2 {
		t.Errorf("bravo lists: %d operations, %v", len(ops), err)
	}
	ops, err = bravo.ListOperations(ctx, deconflict.OperationQuery{BBox: &[4]float64{-10, 40, -5, 45}})
	if err != nil || len(ops) != 0 {
		t.Errorf("bravo lists a bbox far away: %d operations, %v", len(ops), err)
	}
	ops, err = bravo.ListOperations(ctx, deconflict.OperationQuery{From: day.Add(9 * time.Hour), To: day.Add(10 * time.Hour)})
	if err != nil || len(ops) != 0 {
		t.Errorf("bravo lists a time after both: %d operations, %v", len(ops), err)
	}

	// alpha sees the conflict, but not bravo's operation (not shared with it).
	cs, err := alpha.ListConflicts(ctx, deconflict.ConflictOpen)
	if err != nil || len(cs) != 1 {
		t.Fatalf("alpha conflicts: %+v, %v", cs, err)
	}
	if cs[0].ID != conflictID || cs[0].With != nil || cs[0].Ref == "" || cs[0].MinDistanceM != nil {
		t.Errorf("alpha's view of the conflict should hide bravo's operation: %+v", cs[0])
	}

	// What-if: the same route as alpha's, for bravo, would conflict; nothing is stored.
	check, err := bravo.CheckConflicts(ctx, a.Volumes, nil)
	if err != nil || len(check) != 1 || check[0].With == nil || check[0].With.ID != "strike-1" {
		t.Fatalf("check: %+v, %v", check, err)
	}

	// Cancelling closes the conflict.
	cancelled, err := bravo.CancelOperation(ctx, "recce-7", 0)
	if err != nil || cancelled.State != deconflict.StateCancelled {
		t.Fatalf("cancel: %+v, %v", cancelled, err)
	}
	cs, err = bravo.ListConflicts(ctx, deconflict.ConflictClosed)
	if err != nil || len(cs) != 1 || cs[0].ID != conflictID {
		t.Errorf("closed conflicts after cancel: %+v, %v", cs, err)
	}
	if cs, _ := bravo.ListConflicts(ctx, deconflict.ConflictOpen); len(cs) != 0 {
		t.Errorf("open conflicts after cancel: %+v", cs)
	}
}

func TestValidationProblemNamesTheField(t *testing.T) {
	ctx := context.Background()
	alpha := party(t, newServer(t), "alpha")
	v := corridor(`[[35.95,35.80],[36.10,35.95]]`)
	v.AltLowerM, v.AltUpperM = 7000, 6000
	_, err := alpha.PutOperation(ctx, deconflict.Operation{ID: "bad", Volumes: []deconflict.Volume{v}}, 0)
	p := problem(t, err, http.StatusBadRequest)
	found := false
	for _, f := range p.Errors {
		found = found || f.Field == "volumes[0].alt_lower_m"
	}
	if !found {
		t.Fatalf("want a fault at volumes[0].alt_lower_m, got %+v", p.Errors)
	}
	if !strings.Contains(p.Error(), "volumes[0].alt_lower_m") {
		t.Errorf("Error() should name the field: %q", p.Error())
	}
	if _, err := alpha.PutOperation(ctx, deconflict.Operation{ID: "bad id!", Volumes: []deconflict.Volume{corridor(`[[35.95,35.80],[36.10,35.95]]`)}}, 0); client.StatusOf(err) != http.StatusBadRequest && client.StatusOf(err) != http.StatusNotFound {
		t.Errorf("a bad id must be refused, got %v", err)
	}
}

func TestZones(t *testing.T) {
	ctx := context.Background()
	admin := newServer(t)
	syria := party(t, admin, "syria")
	alpha := party(t, admin, "alpha")

	square := deconflict.Geometry{Type: "Polygon", Coordinates: json.RawMessage(`[[[36.0,35.0],[36.5,35.0],[36.5,35.5],[36.0,35.5],[36.0,35.0]]]`)}
	res, err := syria.PutZone(ctx, deconflict.Zone{ID: "hospital-1", Name: "Hospital", Kind: deconflict.ZoneProtected,
		Volumes: []deconflict.Volume{{Geometry: square, AltLowerM: 0, AltUpperM: 3000}}, ShareWith: []string{"all"}}, 0)
	if err != nil || !res.Created || res.Zone.Version != 1 || res.Zone.Policy != deconflict.PolicyAcknowledge {
		t.Fatalf("put zone: %+v, %v", res, err)
	}
	z, err := alpha.GetZone(ctx, "syria", "hospital-1")
	if err != nil || z.Name != "Hospital" {
		t.Fatalf("alpha gets the shared zone: %+v, %v", z, err)
	}

	fc := []byte(`{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"id":"north","NAME":"ignored"},"geometry":{"type":"Polygon","coordinates":[[[37,36],[38,36],[38,37],[37,37],[37,36]]]}},
	 {"type":"Feature","properties":{"id":"south","policy":"deny"},"geometry":{"type":"Polygon","coordinates":[[[37,33],[38,33],[38,34],[37,34],[37,33]]]}}]}`)
	zones, err := syria.ImportZones(ctx, fc, url.Values{"kind": {"airspace"}, "share_with": {"alpha"}})
	if err != nil || len(zones) != 2 {
		t.Fatalf("import: %+v, %v", zones, err)
	}
	if zones[0].Kind != deconflict.ZoneAirspace || zones[1].Policy != deconflict.PolicyDeny || zones[0].ShareWith[0] != "alpha" {
		t.Errorf("import defaults not applied: %+v", zones)
	}
	list, err := alpha.ListZones(ctx, deconflict.ZoneAirspace)
	if err != nil || len(list) != 2 {
		t.Errorf("alpha lists airspace: %d zones, %v", len(list), err)
	}

	// A bad import names the feature at fault and imports nothing.
	bad := []byte(`{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"id":"ok"},"geometry":{"type":"Polygon","coordinates":[[[30,30],[31,30],[31,31],[30,31],[30,30]]]}},
	 {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[30,30],[31,30],[31,31],[30,31],[30,30]]]}}]}`)
	_, err = syria.ImportZones(ctx, bad, url.Values{"kind": {"restricted"}})
	p := problem(t, err, http.StatusBadRequest)
	if len(p.Errors) == 0 || !strings.HasPrefix(p.Errors[0].Field, "features[1]") {
		t.Errorf("bad import: want a fault at features[1]..., got %+v", p.Errors)
	}
	if _, err := syria.GetZone(ctx, "", "ok"); client.StatusOf(err) != http.StatusNotFound {
		t.Errorf("a failed import must import nothing, got %v", err)
	}

	if err := syria.DeleteZone(ctx, "north"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := syria.GetZone(ctx, "", "north"); client.StatusOf(err) != http.StatusNotFound {
		t.Errorf("deleted zone: want 404, got %v", err)
	}
}

func TestMetricValue(t *testing.T) {
	text := []byte(`# HELP x_total requests
# TYPE x_total counter
x_total{route="/a",code="200"} 3
x_total{route="/b",code="500"} 2
x_total_extra 100
process_resident_memory_bytes 1.5e+08
go_goroutines	12
`)
	for _, c := range []struct {
		name string
		want float64
		ok   bool
	}{{"x_total", 5, true}, {"process_resident_memory_bytes", 1.5e8, true}, {"go_goroutines", 12, true}, {"x", 0, false}, {"missing", 0, false}} {
		got, ok := client.MetricValue(text, c.name)
		if got != c.want || ok != c.ok {
			t.Errorf("MetricValue(%q) = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestProblemFromNonProblemBody(t *testing.T) {
	// What a proxy in front of the exchange might answer: not problem+json.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html>upstream is down</html>"))
	}))
	defer proxy.Close()
	_, err := client.New(proxy.URL, "x").ListZones(context.Background(), "")
	p := problem(t, err, http.StatusBadGateway)
	if p.Title != "Bad Gateway" || !strings.Contains(p.Detail, "upstream is down") {
		t.Errorf("problem from an HTML answer: %+v", p)
	}
}

func TestNetworkFailureIsNotAProblem(t *testing.T) {
	_, err := client.New("http://127.0.0.1:1", "x").ListZones(context.Background(), "")
	if err == nil || client.StatusOf(err) != 0 {
		t.Fatalf("want a plain network error, got %v", err)
	}
}
