package api

import (
	"strings"
	"testing"

	"github.com/deconflict/deconflict"
)

// The fuzz targets hold every decoder of outside input to two promises: it
// never panics, and what it returns either passes the domain's validation
// or is an EINVALID error with a message.

var fuzzSeeds = []string{
	``, `{}`, `[]`, `null`, `{"volumes": null}`, `{"a":1,"a":2}`, `{"volumes": [{}]}`,
	`{"volumes": [` + goodVolume + `]}`,
	`{"callsign": "X", "state": "active", "volumes": [` + goodVolume + `], "share_with": ["all", "group:g", "p"],
	  "aware_of": [{"party": "p", "id": "o", "version": 1}, {"ref": "r"}]}`,
	`{"name": "z", "kind": "airspace", "policy": "deny", "minima": {"lateral_m": 1, "vertical_m": 2},
	  "volumes": [{"geometry": {"type": "Point", "coordinates": [1, 2]}}]}`,
	`{"volumes": [{"geometry": {"type": "Point", "coordinates": [1, 2]}, "buffer_m": NaN}]}`,
	`{"volumes": [{"geometry": {"type": "Point", "coordinates": [1, 2]}, "buffer_m": 1e400}]}`,
	`{"volumes": [{"geometry": {"type": "Point", "coordinates": [[[[[[[[1]]]]]]]]}, "start": "x"}]}`,
	`{"volumes": [` + goodVolume + `]} {}`,
	`{"volumes": ` + strings.Repeat("[", 40),
	`{"type": "FeatureCollection", "features": [{"type": "Feature", "id": 3, "properties": {"kind": "airspace", "share_with": "a,b", "NAME": "x"},
	  "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}]}`,
	`{"type": "Feature", "properties": null, "geometry": null}`,
	`{"id": "p", "name": "P", "groups": ["g"], "roles": ["surveillance"]}`,
	`{"members": ["a", "b"], "name": "g"}`,
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
}

// invalidOr fails unless err is nil or a proper EINVALID error.
func invalidOr(t *testing.T, err error) bool {
	t.Helper()
	if err == nil {
		return false
	}
	e, ok := err.(*deconflict.Error)
	if !ok || e.Code != deconflict.EINVALID || e.Message == "" {
		t.Fatalf("decoder returned %#v, want an EINVALID *deconflict.Error", err)
	}
	for _, fe := range e.Fields {
		if fe.Field == "" || fe.Message == "" {
			t.Fatalf("fault without field or message: %+v", e.Fields)
		}
	}
	return true
}

func FuzzDecodeOperation(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		op, err := decodeOperation(data, "p", "op-1", lim)
		if invalidOr(t, err) {
			return
		}
		if err := op.Validate(lim); err != nil {
			t.Fatalf("decoded operation fails validation: %v", err)
		}
		if op.Party != "p" || op.ID != "op-1" {
			t.Fatalf("decoded operation moved: %s/%s", op.Party, op.ID)
		}
	})
}

func FuzzDecodeZone(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		z, err := decodeZone(data, "p", "z-1", lim)
		if invalidOr(t, err) {
			return
		}
		if err := z.Validate(lim); err != nil {
			t.Fatalf("decoded zone fails validation: %v", err)
		}
	})
}

// FuzzDecodeVolume fuzzes one volume inside a check body, the smallest
// document that holds one.
func FuzzDecodeVolume(f *testing.F) {
	f.Add([]byte(goodVolume))
	f.Add([]byte(`{"geometry": {"type": "MultiPolygon", "coordinates": [[[[0,0],[1,0],[1,1],[0,0]]]]}, "alt_lower_m": 0, "alt_upper_m": 1}`))
	f.Add([]byte(`{"geometry": {"type": "Point", "coordinates": [1, 2], "bbox": [1,2,1,2]}, "start": "2026-01-01T00:00:00+02:00"}`))
	f.Add([]byte(`{"buffer_m": "1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, _, err := decodeCheck([]byte(`{"volumes": [`+string(data)+`]}`), lim)
		if invalidOr(t, err) {
			return
		}
		if err := deconflict.ValidateVolumes(vs, lim); err != nil {
			t.Fatalf("decoded volumes fail validation: %v", err)
		}
	})
}

func FuzzDecodeCheck(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, share, err := decodeCheck(data, lim)
		if invalidOr(t, err) {
			return
		}
		op := deconflict.Operation{ID: "x", State: deconflict.StatePlanned, Volumes: vs, ShareWith: share}
		if err := op.Validate(lim); err != nil {
			t.Fatalf("decoded check fails validation: %v", err)
		}
	})
}

func FuzzDecodeImport(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		zs, err := decodeImport(data, "p", importDefaults{Kind: deconflict.ZoneAirspace}, lim)
		if invalidOr(t, err) {
			return
		}
		if len(zs) == 0 {
			t.Fatal("import decoded no zones without a fault")
		}
		for i := range zs {
			if err := zs[i].Validate(lim); err != nil {
				t.Fatalf("decoded zone %d fails validation: %v", i, err)
			}
			if len(zs[i].Volumes) != 1 {
				t.Fatalf("zone %d has %d volumes", i, len(zs[i].Volumes))
			}
		}
	})
}

func FuzzDecodeAccounts(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := decodeParty(data); !invalidOr(t, err) {
			if err := p.Validate(); err != nil {
				t.Fatalf("decoded party fails validation: %v", err)
			}
		}
		if g, err := decodeGroup(data, "g"); !invalidOr(t, err) {
			if err := g.Validate(); err != nil {
				t.Fatalf("decoded group fails validation: %v", err)
			}
		}
	})
}
