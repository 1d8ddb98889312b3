package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func TestFlagsInterspersed(t *testing.T) {
	e := &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, getenv: func(k string) string {
		return map[string]string{"DECONFLICT_TOKEN": "from-env", "X_N": "7"}[k]
	}}
	f := newFlags(e, "party add", "ID")
	name := f.String("name", "", "", "")
	token := f.String("token", "DECONFLICT_TOKEN", "", "")
	n := f.Int("n", "X_N", 1, "")
	pos, err := f.parse(e, []string{"alpha", "--name", "Alpha AF", "--", "--not-a-flag"}, -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(pos) != 2 || pos[0] != "alpha" || pos[1] != "--not-a-flag" || *name != "Alpha AF" || *token != "from-env" || *n != 7 {
		t.Errorf("pos %q name %q token %q n %d", pos, *name, *token, *n)
	}

	f = newFlags(e, "x", "")
	token = f.String("token", "DECONFLICT_TOKEN", "", "")
	if _, err := f.parse(e, []string{"--token", "from-flag"}, 0); err != nil || *token != "from-flag" {
		t.Errorf("a flag must win over the environment: %q %v", *token, err)
	}
	var ue usageError
	if _, err := newFlags(e, "x", "").parse(e, []string{"--nope"}, 0); !errors.As(err, &ue) {
		t.Errorf("unknown flag: want a usage error, got %v", err)
	}
}

func TestFeatureCollection(t *testing.T) {
	ids := func(t *testing.T, data []byte) []string {
		t.Helper()
		var fc struct {
			Type     string
			Features []struct {
				Properties map[string]any
			}
		}
		if err := json.Unmarshal(data, &fc); err != nil || fc.Type != "FeatureCollection" {
			t.Fatalf("not a FeatureCollection: %s", data)
		}
		var out []string
		for _, f := range fc.Features {
			out = append(out, f.Properties["id"].(string))
		}
		return out
	}
	feature := []byte(`{"type":"Feature","properties":{"name":"Côte d'Ivoire","adm0_a3":"CIV"},"geometry":{"type":"Point","coordinates":[1,2]}}`)
	for _, c := range []struct {
		name, idFlag, idProp string
		in                   []byte
		want                 []string
	}{
		{"file name", "", "", feature, []string{"ne_10m_SYR"}},
		{"--id", "civ", "", feature, []string{"civ"}},
		{"--id-property", "", "name", feature, []string{"C-te-d-Ivoire"}},
		{"feature id", "", "", []byte(`{"type":"Feature","id":42,"properties":null,"geometry":{"type":"Point","coordinates":[1,2]}}`), []string{"42"}},
		{"bare geometry", "", "", []byte(`{"type":"Point","coordinates":[1,2]}`), []string{"ne_10m_SYR"}},
		{"collection", "", "", []byte(`{"type":"FeatureCollection","features":[
			{"type":"Feature","properties":{"id":"keep"},"geometry":null},
			{"type":"Feature","properties":{},"geometry":null}]}`), []string{"keep", "ne_10m_SYR-2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := featureCollection(c.in, c.idFlag, c.idProp, "ne_10m_SYR")
			if err != nil {
				t.Fatal(err)
			}
			got := ids(t, out)
			if len(got) != len(c.want) {
				t.Fatalf("ids %q, want %q", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("ids %q, want %q", got, c.want)
				}
			}
		})
	}
	var ue usageError
	_, err := featureCollection([]byte(`{"type":"FeatureCollection","features":[{},{}]}`), "x", "", "f")
	if !errors.As(err, &ue) {
		t.Errorf("--id with two features: want a usage error, got %v", err)
	}
	if _, err := featureCollection([]byte(`{"type":"Topology"}`), "", "", "f"); err == nil {
		t.Errorf("TopoJSON accepted")
	}
}

// FuzzFeatureCollection: whatever file `zones import` is given, the
// rewrite never panics, and what it sends is a FeatureCollection whose
// features all have a properties.id, or it says why not.
func FuzzFeatureCollection(f *testing.F) {
	f.Add([]byte(`{"type":"Feature","properties":{"name":"Syria"},"geometry":{"type":"Polygon","coordinates":[]}}`), "", "name")
	f.Add([]byte(`{"type":"FeatureCollection","features":[null,{"properties":7},{"id":{"a":1}}]}`), "", "")
	f.Add([]byte(`{"type":"Point","coordinates":[1,2]}`), "x", "")
	f.Add([]byte(`[]`), "", "")
	f.Fuzz(func(t *testing.T, data []byte, idFlag, idProp string) {
		out, err := featureCollection(data, idFlag, idProp, "file")
		if err != nil {
			return
		}
		var fc struct {
			Type     string            `json:"type"`
			Features []json.RawMessage `json:"features"`
		}
		if err := json.Unmarshal(out, &fc); err != nil || fc.Type != "FeatureCollection" {
			t.Fatalf("output is not a FeatureCollection: %s (%v)", out, err)
		}
	})
}
