package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/api/apitest"
)

// day is tomorrow at 00:00 UTC: operations must lie ahead, as ended ones
// no longer conflict.
var day = time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)

// at returns day plus hh:mm as RFC 3339.
func at(hh, mm int) string {
	return day.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute).Format(time.RFC3339)
}

// usaStrike and rusSortie overlap in space, altitude and time.
func usaStrike() map[string]any {
	return map[string]any{
		"callsign": "USA1",
		"volumes": []any{map[string]any{
			"geometry":    map[string]any{"type": "LineString", "coordinates": [][]float64{{36.0, 35.8}, {36.2, 35.9}}},
			"buffer_m":    2000,
			"alt_lower_m": 5000, "alt_upper_m": 6000,
			"start": at(7, 0), "end": at(8, 0),
		}},
		"share_with": []string{},
	}
}

func rusSortie(shareWith []string, awareOf ...map[string]any) map[string]any {
	if awareOf == nil {
		awareOf = []map[string]any{}
	}
	return map[string]any{
		"callsign": "RUS7",
		"volumes": []any{map[string]any{
			"geometry":    map[string]any{"type": "Point", "coordinates": []float64{36.1, 35.85}},
			"buffer_m":    1000,
			"alt_lower_m": 5500, "alt_upper_m": 6500,
			"start": at(7, 30), "end": at(8, 30),
		}},
		"share_with": shareWith,
		"aware_of":   awareOf,
	}
}

type opAnswer struct {
	Operation deconflict.Operation  `json:"operation"`
	Conflicts []deconflict.Conflict `json:"conflicts"`
}

type conflictList struct {
	Conflicts []deconflict.Conflict `json:"conflicts"`
}

// TestAwarenessFlow is SPEC §3 over HTTP: a party is refused (409, listing
// the blocking conflict) until it names the other operation in aware_of;
// replacing needs If-Match; each party sees only what it may of the other.
func TestAwarenessFlow(t *testing.T) {
	s := apitest.New(t)
	usa := s.NewParty("usa")
	rus := s.NewParty("rus")

	res := s.Do("PUT", "/v1/operations/strike-1", usa, usaStrike())
	if res.Status != http.StatusCreated || res.Header.Get("ETag") != `"1"` {
		t.Fatalf("usa create: %d %s ETag %s", res.Status, res.Body, res.Header.Get("ETag"))
	}
	if loc := res.Header.Get("Location"); loc != "/v1/operations/strike-1" {
		t.Errorf("Location %q", loc)
	}

	// rus has not seen usa's operation (nor may it: not shared): 409.
	res = s.Do("PUT", "/v1/operations/sortie-7", rus, rusSortie([]string{"usa"}))
	if res.Status != http.StatusConflict {
		t.Fatalf("rus without aware_of: %d %s, want 409", res.Status, res.Body)
	}
	p := res.Problem(t)
	if p.Type != "urn:deconflict:problem:conflict" || len(p.Conflicts) != 1 {
		t.Fatalf("problem %+v", p)
	}
	block := p.Conflicts[0]
	if block.Reason != deconflict.ReasonNotAcknowledged || block.With != nil || block.Ref == "" || block.MinDistanceM != nil {
		t.Errorf("blocking conflict shows more than need-to-know or lacks the ref: %+v", block)
	}
	if strings.Contains(string(res.Body), "strike-1") || strings.Contains(string(res.Body), `"usa"`) {
		t.Errorf("409 leaks the hidden operation: %s", res.Body)
	}
	// The region is rounded outward to 0.1 degree.
	for _, v := range block.Region {
		if r := v * 10; r != float64(int64(r)) && r-float64(int64(r)) > 1e-9 && float64(int64(r))+1-r > 1e-9 {
			t.Errorf("region %v is not rounded to 0.1°", block.Region)
			break
		}
	}
	// Nothing was stored.
	if res := s.Do("GET", "/v1/operations/sortie-7", rus, nil); res.Status != http.StatusNotFound {
		t.Errorf("refused operation is readable: %d", res.Status)
	}

	// Naming the ref makes it acceptable.
	res = s.Do("PUT", "/v1/operations/sortie-7", rus, rusSortie([]string{"usa"}, map[string]any{"ref": block.Ref}))
	if res.Status != http.StatusCreated || res.Header.Get("ETag") != `"1"` {
		t.Fatalf("rus with aware_of: %d %s", res.Status, res.Body)
	}
	var created opAnswer
	res.Decode(t, &created)
	if created.Operation.Party != "rus" || created.Operation.Version != 1 || len(created.Conflicts) != 1 || created.Conflicts[0].With != nil {
		t.Errorf("created %+v", created)
	}

	// Replacing needs If-Match: 428 without, 412 stale, 200 current.
	again := rusSortie([]string{"usa"}, map[string]any{"ref": block.Ref})
	if res := s.Do("PUT", "/v1/operations/sortie-7", rus, again); res.Status != http.StatusPreconditionRequired {
		t.Errorf("replace without If-Match: %d %s, want 428", res.Status, res.Body)
	}
	if res := s.Do("PUT", "/v1/operations/sortie-7", rus, again, "If-Match", `"7"`); res.Status != http.StatusPreconditionFailed {
		t.Errorf("replace with stale If-Match: %d %s, want 412", res.Status, res.Body)
	}
	res = s.Do("PUT", "/v1/operations/sortie-7", rus, again, "If-Match", `W/"1"`)
	if res.Status != http.StatusOK || res.Header.Get("ETag") != `"2"` {
		t.Fatalf("replace with If-Match: %d %s ETag %s", res.Status, res.Body, res.Header.Get("ETag"))
	}

	// Need to know: rus shared its sortie with usa, usa shared nothing.
	var usaView, rusView conflictList
	s.Do("GET", "/v1/conflicts", usa, nil).Decode(t, &usaView)
	s.Do("GET", "/v1/conflicts?state=open", rus, nil).Decode(t, &rusView)
	if len(usaView.Conflicts) != 1 || len(rusView.Conflicts) != 1 {
		t.Fatalf("usa sees %d conflicts, rus %d; want 1 each", len(usaView.Conflicts), len(rusView.Conflicts))
	}
	if w := usaView.Conflicts[0].With; w == nil || w.Party != "rus" || w.ID != "sortie-7" || w.Version != 2 || usaView.Conflicts[0].MinDistanceM == nil {
		t.Errorf("usa should see rus's shared sortie: %+v", usaView.Conflicts[0])
	}
	if rusView.Conflicts[0].With != nil || rusView.Conflicts[0].MinDistanceM != nil {
		t.Errorf("rus should not see usa's unshared strike: %+v", rusView.Conflicts[0])
	}
	if usaView.Conflicts[0].ID != rusView.Conflicts[0].ID {
		t.Errorf("one conflict, two ids: %s %s", usaView.Conflicts[0].ID, rusView.Conflicts[0].ID)
	}

	// Reading follows sharing too.
	if res := s.Do("GET", "/v1/operations/sortie-7?party=rus", usa, nil); res.Status != http.StatusOK || res.Header.Get("ETag") != `"2"` {
		t.Errorf("usa reads rus's shared sortie: %d %s", res.Status, res.Body)
	}
	if res := s.Do("GET", "/v1/operations/strike-1?party=usa", rus, nil); res.Status != http.StatusNotFound {
		t.Errorf("rus reads usa's unshared strike: %d %s, want 404", res.Status, res.Body)
	}

	// Cancelling checks If-Match when given.
	if res := s.Do("DELETE", "/v1/operations/sortie-7", rus, nil, "If-Match", `"1"`); res.Status != http.StatusPreconditionFailed {
		t.Errorf("cancel with stale If-Match: %d %s, want 412", res.Status, res.Body)
	}

	// Cancelling closes the conflict, and keeps the operation for the record.
	res = s.Do("DELETE", "/v1/operations/sortie-7", rus, nil)
	var cancelled struct{ Operation deconflict.Operation }
	res.Decode(t, &cancelled)
	if res.Status != http.StatusOK || cancelled.Operation.State != deconflict.StateCancelled {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	var open, closed conflictList
	s.Do("GET", "/v1/conflicts?state=open", usa, nil).Decode(t, &open)
	s.Do("GET", "/v1/conflicts?state=closed", usa, nil).Decode(t, &closed)
	if len(open.Conflicts) != 0 || len(closed.Conflicts) != 1 {
		t.Errorf("after cancel usa has %d open and %d closed conflicts, want 0 and 1", len(open.Conflicts), len(closed.Conflicts))
	}
	if logs := s.Logs(); logs != "" {
		t.Errorf("server logged: %s", logs)
	}
}

// TestDenyingZone: an airspace whose owner denies entry refuses an
// operation whatever its aware_of says, and the 409 says why.
func TestDenyingZone(t *testing.T) {
	s := apitest.New(t)
	tur, usa := s.NewParty("tur"), s.NewParty("usa")
	zone := map[string]any{"name": "Turkish airspace (part)", "kind": "airspace", "policy": "deny", "share_with": []string{"all"},
		"volumes": []any{map[string]any{"geometry": map[string]any{"type": "Polygon",
			"coordinates": [][][]float64{{{35.9, 36.0}, {36.3, 36.0}, {36.3, 36.3}, {35.9, 36.3}, {35.9, 36.0}}}}}}}
	mustStatus(t, s.Do("PUT", "/v1/zones/tur-air", tur, zone), 201)
	op := usaStrike()
	op["volumes"].([]any)[0].(map[string]any)["geometry"] = map[string]any{"type": "LineString", "coordinates": [][]float64{{36.0, 35.8}, {36.1, 36.1}}}
	op["aware_of"] = []any{map[string]any{"kind": "zone", "party": "tur", "id": "tur-air", "version": 1}}
	res := s.Do("PUT", "/v1/operations/over-tur", usa, op)
	mustStatus(t, res, http.StatusConflict)
	p := res.Problem(t)
	if len(p.Conflicts) != 1 || p.Conflicts[0].Reason != deconflict.ReasonDenied || p.Conflicts[0].Policy != deconflict.PolicyDeny ||
		p.Conflicts[0].With == nil || p.Conflicts[0].With.ID != "tur-air" {
		t.Errorf("409 %+v", p)
	}
}
