package api

import (
	"strings"
	"testing"

	"github.com/deconflict/deconflict"
)

var lim = deconflict.DefaultSettings().Limits

const goodVolume = `{"geometry": {"type": "LineString", "coordinates": [[35.95, 35.80], [36.10, 35.95]]},
 "buffer_m": 2000, "alt_lower_m": 5500, "alt_upper_m": 6500,
 "start": "2026-11-24T07:20:00Z", "end": "2026-11-24T07:40:00Z"}`

// fieldsOf returns the field paths of an EINVALID error, failing otherwise.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	if deconflict.ErrorCode(err) != deconflict.EINVALID {
		t.Fatalf("got %v, want an EINVALID error", err)
	}
	var out []string
	for _, f := range err.(*deconflict.Error).Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestDecodeOperationGood(t *testing.T) {
	body := `{"callsign": "RUS101", "volumes": [` + goodVolume + `], "share_with": ["all"],
	  "aware_of": [{"party": "usa", "id": "op1", "version": 2}, {"ref": "abc"}]}`
	op, err := decodeOperation([]byte(body), "rus", "sortie-1", lim)
	if err != nil {
		t.Fatal(err)
	}
	if op.Party != "rus" || op.ID != "sortie-1" || op.State != deconflict.StatePlanned || op.Callsign != "RUS101" {
		t.Errorf("got %+v", op)
	}
	v := op.Volumes[0]
	if v.BufferM != 2000 || v.AltLowerM != 5500 || v.AltUpperM != 6500 || v.Start == nil || v.Geometry.Type != "LineString" {
		t.Errorf("volume %+v", v)
	}
	if len(op.AwareOf) != 2 || op.AwareOf[0].Version != 2 || op.AwareOf[1].Ref != "abc" {
		t.Errorf("aware_of %+v", op.AwareOf)
	}
}

func TestDecodeFaultPaths(t *testing.T) {
	vol := func(mod string) string {
		return `{"volumes": [` + goodVolume + `, ` + mod + `]}`
	}
	cases := []struct {
		name, body string
		want       string // a field path the faults must include
		wantMsg    string // a part of the message at that path
	}{
		{"string for number", vol(`{"geometry": {"type":"Point","coordinates":[1,2]}, "buffer_m": "100", "alt_lower_m": 1, "alt_upper_m": 2, "start": "2026-11-24T07:20:00Z", "end": "2026-11-24T07:40:00Z"}`), "volumes[1].buffer_m", "must be a number"},
		{"NaN", vol(`{"buffer_m": NaN}`), "volumes[1].buffer_m", "not valid JSON"},
		{"out of range", vol(`{"geometry": {"type":"Point","coordinates":[1,2]}, "buffer_m": 1e400, "alt_lower_m": 1, "alt_upper_m": 2, "start": "2026-11-24T07:20:00Z", "end": "2026-11-24T07:40:00Z"}`), "volumes[1].buffer_m", "out of range"},
		{"1e308 altitude", vol(`{"geometry": {"type":"Point","coordinates":[1,2]}, "alt_lower_m": 1e308, "alt_upper_m": 2, "start": "2026-11-24T07:20:00Z", "end": "2026-11-24T07:40:00Z"}`), "volumes[1].alt_lower_m", "from -1000"},
		{"missing altitude", vol(`{"geometry": {"type":"Point","coordinates":[1,2]}, "alt_upper_m": 2, "start": "2026-11-24T07:20:00Z", "end": "2026-11-24T07:40:00Z"}`), "volumes[1].alt_lower_m", "required"},
		{"unknown field", vol(`{"geometry": {"type":"Point","coordinates":[1,2]}, "altitude": 3}`), "volumes[1].altitude", "not a known member"},
		{"case differs", `{"Volumes": []}`, "Volumes", "not a known member"},
		{"duplicate key", `{"callsign": "A", "callsign": "B", "volumes": [` + goodVolume + `]}`, "callsign", "twice"},
		{"bad time", vol(`{"geometry": {"type":"Point","coordinates":[1,2]}, "alt_lower_m": 1, "alt_upper_m": 2, "start": "yesterday", "end": "2026-11-24T07:40:00Z"}`), "volumes[1].start", "RFC 3339"},
		{"null string", `{"callsign": null, "volumes": [` + goodVolume + `]}`, "callsign", "not null"},
		{"start after end", vol(`{"geometry": {"type":"Point","coordinates":[1,2]}, "alt_lower_m": 1, "alt_upper_m": 2, "start": "2026-11-24T08:20:00Z", "end": "2026-11-24T07:40:00Z"}`), "volumes[1].end", "after start"},
		{"missing geometry", vol(`{"alt_lower_m": 1, "alt_upper_m": 2, "start": "2026-11-24T07:20:00Z", "end": "2026-11-24T07:40:00Z"}`), "volumes[1].geometry", "required"},
		{"aware_of string", `{"volumes": [` + goodVolume + `], "aware_of": ["usa/op1"]}`, "aware_of[0]", "must be an object"},
		{"aware_of version", `{"volumes": [` + goodVolume + `], "aware_of": [{"party": "usa", "id": "x", "version": 1.5}]}`, "aware_of[0].version", "whole number"},
		{"bad state", `{"state": "flying", "volumes": [` + goodVolume + `]}`, "state", "planned"},
		{"other id", `{"id": "other", "volumes": [` + goodVolume + `]}`, "id", "cannot be changed"},
		{"bad share", `{"share_with": ["a b"], "volumes": [` + goodVolume + `]}`, "share_with[0]", "A-Z"},
		{"deep nesting", `{"volumes": [{"geometry": {"type": "Point", "coordinates": ` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}}]}`, "volumes[0].geometry.coordinates", "deeper"},
		{"deep nesting unknown", `{"x": ` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "x", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeOperation([]byte(c.body), "rus", "op", lim)
			if deconflict.ErrorCode(err) != deconflict.EINVALID {
				t.Fatalf("got %v, want EINVALID", err)
			}
			if c.want == "" {
				return
			}
			e := err.(*deconflict.Error)
			for _, f := range e.Fields {
				if f.Field == c.want {
					if !strings.Contains(f.Message, c.wantMsg) {
						t.Errorf("%s: message %q does not say %q", f.Field, f.Message, c.wantMsg)
					}
					return
				}
			}
			t.Errorf("faults %v do not name %s", e.Fields, c.want)
		})
	}
}

func TestDecodeBodyShape(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{``, "empty"},
		{`   `, "empty"},
		{`[]`, "must be a JSON object"},
		{`"x"`, "must be a JSON object"},
		{`{"volumes": [` + goodVolume + `]} {}`, "after the JSON object"},
		{`{"volumes": [` + goodVolume + `]} garbage`, "after the JSON object"},
		{`{"volumes": [`, "ends too early"},
	} {
		_, err := decodeOperation([]byte(c.body), "rus", "op", lim)
		if deconflict.ErrorCode(err) != deconflict.EINVALID || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want EINVALID saying %q", c.body, err, c.want)
		}
	}
}

func TestDecodeZoneDefaults(t *testing.T) {
	z, err := decodeZone([]byte(`{"name": "Idlib hospital", "kind": "protected",
	  "volumes": [{"geometry": {"type": "Point", "coordinates": [36.63, 35.93]}, "buffer_m": 500}],
	  "minima": {"lateral_m": 1000}}`), "un", "hosp-1", lim)
	if err != nil {
		t.Fatal(err)
	}
	v := z.Volumes[0]
	if v.AltLowerM != deconflict.MinAltitudeM || v.AltUpperM != deconflict.MaxAltitudeM || v.Start != nil || v.End != nil {
		t.Errorf("volume defaults %+v", v)
	}
	if z.Policy != deconflict.PolicyAcknowledge || z.Minima == nil || z.Minima.LateralM != 1000 || z.Minima.VerticalM != 0 {
		t.Errorf("zone %+v", z)
	}
}

func TestDecodeImport(t *testing.T) {
	body := `{"type": "FeatureCollection", "name": "from ogr2ogr", "crs": {"type": "name"}, "features": [
	  {"type": "Feature", "properties": {"id": "syr", "NAME": "Syria", "ISO_A3": "SYR", "name": "Syria", "alt_upper_m": 20000},
	   "geometry": {"type": "Polygon", "coordinates": [[[36,35],[37,35],[37,36],[36,35]]]}},
	  {"type": "Feature", "id": 7, "properties": {"share_with": "usa, group:coalition", "kind": "restricted"},
	   "geometry": {"type": "Point", "coordinates": [36,35]}}]}`
	d := importDefaults{Kind: deconflict.ZoneAirspace, ShareWith: []string{"all"}}
	zs, err := decodeImport([]byte(body), "syr-af", d, lim)
	if err != nil {
		t.Fatal(err)
	}
	if len(zs) != 2 {
		t.Fatalf("got %d zones", len(zs))
	}
	a, b := zs[0], zs[1]
	if a.ID != "syr" || a.Name != "Syria" || a.Kind != deconflict.ZoneAirspace || a.Policy != deconflict.PolicyAcknowledge ||
		a.Volumes[0].AltUpperM != 20000 || a.Volumes[0].AltLowerM != deconflict.MinAltitudeM || a.ShareWith[0] != "all" {
		t.Errorf("first zone %+v", a)
	}
	if b.ID != "7" || b.Kind != deconflict.ZoneRestricted || b.Policy != deconflict.PolicyInform ||
		len(b.ShareWith) != 2 || b.ShareWith[1] != "group:coalition" {
		t.Errorf("second zone %+v", b)
	}
}

func TestDecodeImportListsEveryFeature(t *testing.T) {
	body := `{"type": "FeatureCollection", "features": [
	  {"type": "Feature", "properties": {"name": "no id"}, "geometry": {"type": "Point", "coordinates": [1,2]}},
	  {"type": "Feature", "properties": {"id": "ok", "kind": "castle"}, "geometry": {"type": "Point", "coordinates": [1,2]}},
	  {"type": "Feature", "properties": {"id": "b", "alt_lower_m": "high"}, "geometry": {"type": "Point", "coordinates": [1,2]}},
	  {"type": "Feature", "properties": {"id": "c"}, "geometry": null},
	  {"type": "Feature", "properties": {"id": "c", "start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "geometry": {"type": "Point", "coordinates": [1,2]}}]}`
	_, err := decodeImport([]byte(body), "p", importDefaults{Kind: deconflict.ZoneAirspace}, lim)
	got := strings.Join(fieldsOf(t, err), " ")
	for _, want := range []string{"features[0].properties.id", "features[1].properties.kind", "features[2].properties.alt_lower_m",
		"features[3].geometry", "features[4].properties.id", "features[4].properties.end"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("faults %q do not name %s", got, want)
		}
	}
}

func TestDecodeImportIDFrom(t *testing.T) {
	body := `{"type": "Feature", "properties": {"name": "Syria", "adm0_a3": "SYR"},
	  "geometry": {"type": "Polygon", "coordinates": [[[36,35],[37,35],[37,36],[36,35]]]}}`
	zs, err := decodeImport([]byte(body), "p", importDefaults{Kind: deconflict.ZoneAirspace, IDFrom: "adm0_a3"}, lim)
	if err != nil {
		t.Fatal(err)
	}
	if zs[0].ID != "SYR" || zs[0].Name != "Syria" {
		t.Errorf("got %+v", zs[0])
	}
}

func TestIfMatch(t *testing.T) {
	for h, want := range map[string]int64{`"3"`: 3, `3`: 3, `W/"3"`: 3, ` "12" `: 12} {
		r := newRequest(t, h)
		got, err := parseIfMatch(r)
		if err != nil || got != want {
			t.Errorf("If-Match %s: got %d, %v; want %d", h, got, err, want)
		}
	}
	for _, h := range []string{`*`, `"x"`, `"0"`, `"-1"`, `"1", "2"`, `"99999999999999999999"`, `W/`, `""`} {
		if _, err := parseIfMatch(newRequest(t, h)); deconflict.ErrorCode(err) != deconflict.EINVALID {
			t.Errorf("If-Match %s: got %v, want EINVALID", h, err)
		}
	}
}
