package deconflict_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

func ts(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func goodVolume() deconflict.Volume {
	return deconflict.Volume{
		Geometry:  deconflict.Geometry{Type: "LineString", Coordinates: json.RawMessage(`[[35.95,35.8],[36.1,35.95]]`)},
		BufferM:   2000,
		AltLowerM: 5500, AltUpperM: 6500,
		Start: ts("2026-11-24T07:20:00Z"), End: ts("2026-11-24T07:40:00Z"),
	}
}

func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	var e *deconflict.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *deconflict.Error", err)
	}
	if e.Code != deconflict.EINVALID {
		t.Fatalf("code %q, want %q", e.Code, deconflict.EINVALID)
	}
	m := map[string]string{}
	for _, f := range e.Fields {
		m[f.Field] = f.Message
	}
	return m
}

func TestOperationValidateAcceptsTheSpecExample(t *testing.T) {
	op := deconflict.Operation{ID: "sortie-1", State: deconflict.StatePlanned, Volumes: []deconflict.Volume{goodVolume()},
		ShareWith: []string{"all", "group:coalition", "usaf"}}
	if err := op.Validate(deconflict.DefaultSettings().Limits); err != nil {
		t.Fatalf("valid operation refused: %v", err)
	}
}

func TestOperationValidateNamesEveryFault(t *testing.T) {
	lim := deconflict.DefaultSettings().Limits
	bad := goodVolume()
	bad.AltLowerM, bad.AltUpperM = 7000, 6000
	noEnd := goodVolume()
	noEnd.End = nil
	backwards := goodVolume()
	backwards.Start, backwards.End = backwards.End, backwards.Start
	long := goodVolume()
	long.End = ts("2026-12-24T07:40:00Z")
	negative := goodVolume()
	negative.BufferM = -1
	huge := goodVolume()
	huge.AltUpperM = 1e308
	op := deconflict.Operation{ID: strings.Repeat("x", 65), State: "flying",
		Volumes:   []deconflict.Volume{goodVolume(), bad, noEnd, backwards, long, negative, huge},
		ShareWith: []string{"group:", "bad id"},
		AwareOf:   []deconflict.AwareOf{{Party: "a", ID: "b"}, {Ref: "r_x", ID: "b"}}}
	got := fields(t, op.Validate(lim))
	for _, want := range []string{"id", "state", "volumes[1].alt_lower_m", "volumes[2].end", "volumes[3].end",
		"volumes[4].end", "volumes[5].buffer_m", "volumes[6].alt_upper_m", "share_with[0]", "share_with[1]",
		"aware_of[0].version", "aware_of[1]"} {
		if _, ok := got[want]; !ok {
			t.Errorf("no fault reported at %s; got %v", want, got)
		}
	}
	if _, ok := got["volumes[0].end"]; ok {
		t.Errorf("the valid volume 0 was faulted: %v", got)
	}
}

func TestOperationValidateLimits(t *testing.T) {
	lim := deconflict.DefaultSettings().Limits
	lim.MaxVolumes = 2
	op := deconflict.Operation{ID: "a", State: deconflict.StatePlanned,
		Volumes: []deconflict.Volume{goodVolume(), goodVolume(), goodVolume()}}
	got := fields(t, op.Validate(lim))
	if !strings.Contains(got["volumes"], "limit is 2") {
		t.Errorf("volumes fault %q does not name the limit", got["volumes"])
	}
	op.Volumes = nil
	if got := fields(t, op.Validate(lim)); got["volumes"] == "" {
		t.Errorf("an operation without volumes was accepted")
	}
}

func TestZoneValidateDefaultsPolicyAndAllowsOpenWindows(t *testing.T) {
	v := goodVolume()
	v.Start, v.End = nil, nil
	z := deconflict.Zone{ID: "syr", Kind: deconflict.ZoneAirspace, Volumes: []deconflict.Volume{v}}
	if err := z.Validate(deconflict.DefaultSettings().Limits); err != nil {
		t.Fatalf("valid zone refused: %v", err)
	}
	if z.Policy != deconflict.PolicyAcknowledge {
		t.Errorf("airspace policy defaulted to %q, want acknowledge", z.Policy)
	}
	start, end := v.Window()
	if !start.Equal(deconflict.StartOfTime) || !end.Equal(deconflict.EndOfTime) {
		t.Errorf("open window is %v..%v", start, end)
	}
	r := deconflict.Zone{ID: "ex", Kind: deconflict.ZoneRestricted, Volumes: []deconflict.Volume{v}}
	if err := r.Validate(deconflict.DefaultSettings().Limits); err != nil || r.Policy != deconflict.PolicyInform {
		t.Errorf("restricted zone: err %v policy %q, want inform", err, r.Policy)
	}
	bad := deconflict.Zone{ID: "b", Kind: "castle", Policy: "maybe", Volumes: []deconflict.Volume{v},
		Minima: &deconflict.Minima{LateralM: -5}}
	got := fields(t, bad.Validate(deconflict.DefaultSettings().Limits))
	for _, want := range []string{"kind", "policy", "minima.lateral_m"} {
		if got[want] == "" {
			t.Errorf("no fault at %s: %v", want, got)
		}
	}
}

func TestPartyAndGroupValidate(t *testing.T) {
	p := deconflict.Party{ID: "raf", Name: "Royal Air Force", Groups: []string{"coalition"}, Roles: []string{"surveillance"}}
	if err := p.Validate(); err != nil {
		t.Fatalf("valid party refused: %v", err)
	}
	p.Roles = []string{"admin"}
	if got := fields(t, p.Validate()); !strings.Contains(got["roles[0]"], "surveillance") {
		t.Errorf("unknown role fault %q should name the known role", got["roles[0]"])
	}
	g := deconflict.Group{Name: "coalition", Members: []string{"ok", "not ok"}}
	if got := fields(t, g.Validate()); got["members[1]"] == "" {
		t.Errorf("bad member id accepted: %v", got)
	}
}

func TestErrorHelpers(t *testing.T) {
	if deconflict.ErrorCode(nil) != "" || deconflict.ErrorCode(errors.New("x")) != deconflict.EINTERNAL {
		t.Error("ErrorCode of nil or a plain error is wrong")
	}
	wrapped := errors.Join(errors.New("context"), deconflict.Errorf(deconflict.ENOTFOUND, "no operation %q", "a"))
	if deconflict.ErrorCode(wrapped) != deconflict.ENOTFOUND || deconflict.ErrorMessage(wrapped) != `no operation "a"` {
		t.Errorf("wrapped error: code %q message %q", deconflict.ErrorCode(wrapped), deconflict.ErrorMessage(wrapped))
	}
	if deconflict.ErrorMessage(errors.New("secret path /var/x")) != "internal error" {
		t.Error("internal error text leaks")
	}
	if p := deconflict.Path("volumes", 2, "geometry", "coordinates", 0, 5); p != "volumes[2].geometry.coordinates[0][5]" {
		t.Errorf("Path = %q", p)
	}
}

// idRule is ValidID's rule written as a regular expression, the oracle the
// loop is checked against.
var idRule = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func FuzzValidID(f *testing.F) {
	for _, s := range []string{"", "a", "alpha-1.b_c", strings.Repeat("x", 64), strings.Repeat("x", 65), "é", "a b", "a/b", "a\x00", "group:g", "Z9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := deconflict.ValidID(s), idRule.MatchString(s); got != want {
			t.Fatalf("ValidID(%q) = %v, want %v", s, got, want)
		}
	})
}
