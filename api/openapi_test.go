package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func loadDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// TestOpenAPIStructure checks what makes the document a usable OpenAPI 3.1
// document: the version, info, operations with responses, refs that
// resolve and schemas that compile as JSON Schema 2020-12.
func TestOpenAPIStructure(t *testing.T) {
	doc := loadDoc(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Errorf("info needs title and version: %v", info)
	}
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatal("no paths")
	}
	ids := map[string]bool{}
	for p, item := range paths {
		if !strings.HasPrefix(p, "/") {
			t.Errorf("path %q does not start with /", p)
		}
		for m, op := range item.(map[string]any) {
			op := op.(map[string]any)
			resp, _ := op["responses"].(map[string]any)
			if len(resp) == 0 {
				t.Errorf("%s %s has no responses", m, p)
			}
			id, _ := op["operationId"].(string)
			if id == "" || ids[id] {
				t.Errorf("%s %s: operationId %q missing or repeated", m, p, id)
			}
			ids[id] = true
			// Every path parameter is declared.
			declared := map[string]bool{}
			params, _ := op["parameters"].([]any)
			for _, prm := range params {
				prm = resolve(t, doc, prm)
				if pm := prm.(map[string]any); pm["in"] == "path" {
					declared[pm["name"].(string)] = true
				}
			}
			for _, seg := range strings.Split(p, "/") {
				if strings.HasPrefix(seg, "{") && !declared[strings.Trim(seg, "{}")] {
					t.Errorf("%s %s: path parameter %s not declared", m, p, seg)
				}
			}
		}
	}

	// Every $ref resolves.
	var walk func(v any, at string)
	refs := 0
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				refs++
				if _, err := pointer(doc, r); err != nil {
					t.Errorf("%s: $ref %s: %v", at, r, err)
				}
			}
			for k, c := range v {
				walk(c, at+"/"+k)
			}
		case []any:
			for i, c := range v {
				walk(c, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
	walk(doc, "#")
	if refs < 50 {
		t.Errorf("only %d $refs: is the document complete?", refs)
	}

	// Every component schema compiles as JSON Schema 2020-12.
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(openapiDoc))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("mem://openapi.json", raw); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for name := range schemas {
		if _, err := c.Compile("mem://openapi.json#/components/schemas/" + name); err != nil {
			t.Errorf("schema %s does not compile: %v", name, err)
		}
	}
	// And so does every schema of a parameter, request or response.
	var schemaPtrs []string
	var collect func(v any, ptr string)
	collect = func(v any, ptr string) {
		m, ok := v.(map[string]any)
		if !ok {
			if a, ok := v.([]any); ok {
				for i, c := range a {
					collect(c, fmt.Sprintf("%s/%d", ptr, i))
				}
			}
			return
		}
		for k, c := range m {
			p := ptr + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
			if k == "schema" {
				schemaPtrs = append(schemaPtrs, p)
				continue
			}
			collect(c, p)
		}
	}
	collect(doc["paths"], "/paths")
	collect(doc["components"].(map[string]any)["parameters"], "/components/parameters")
	collect(doc["components"].(map[string]any)["responses"], "/components/responses")
	if len(schemaPtrs) < 40 {
		t.Errorf("found only %d schemas of parameters, requests and responses", len(schemaPtrs))
	}
	for _, p := range schemaPtrs {
		if _, err := c.Compile("mem://openapi.json#" + fragmentEscape(p)); err != nil {
			t.Errorf("schema at %s does not compile: %v", p, err)
		}
	}
	for _, want := range []string{"Party", "Group", "Volume", "Geometry", "Operation", "Zone", "Conflict", "Problem", "FeatureCollection", "CheckInput"} {
		if schemas[want] == nil {
			t.Errorf("no component schema %s", want)
		}
	}
}

func resolve(t *testing.T, doc map[string]any, v any) any {
	t.Helper()
	if m, ok := v.(map[string]any); ok {
		if r, ok := m["$ref"].(string); ok {
			got, err := pointer(doc, r)
			if err != nil {
				t.Fatalf("$ref %s: %v", r, err)
			}
			return got
		}
	}
	return v
}

// pointer resolves a local reference "#/a/b".
func pointer(doc map[string]any, ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("not a local reference")
	}
	var cur any = doc
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok || m[tok] == nil {
			return nil, fmt.Errorf("%q not found", tok)
		}
		cur = m[tok]
	}
	return cur, nil
}

// TestOpenAPIMatchesRoutes checks that the route table and the document
// name the same method+path pairs, both ways.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadDoc(t)
	documented := map[string]bool{}
	for p, item := range doc["paths"].(map[string]any) {
		for m := range item.(map[string]any) {
			for _, hm := range httpMethods {
				if m == hm {
					documented[strings.ToUpper(m)+" "+p] = true
				}
			}
		}
	}
	served := map[string]bool{}
	for _, rt := range Routes() {
		served[rt.Method+" "+rt.Path] = true
		if !documented[rt.Method+" "+rt.Path] {
			t.Errorf("%s %s is served but not in openapi.json", rt.Method, rt.Path)
		}
	}
	var missing []string
	for k := range documented {
		if !served[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		t.Errorf("%s is in openapi.json but not served", k)
	}
	// Public routes say so, and only they.
	for _, rt := range Routes() {
		op := doc["paths"].(map[string]any)[rt.Path].(map[string]any)[strings.ToLower(rt.Method)].(map[string]any)
		sec, has := op["security"].([]any)
		public := has && len(sec) == 0
		if public != (rt.Auth == "none") {
			t.Errorf("%s %s: auth %s but document security %v", rt.Method, rt.Path, rt.Auth, op["security"])
		}
	}
}

// fragmentEscape percent-encodes a JSON pointer for a URI fragment.
func fragmentEscape(p string) string {
	return (&url.URL{Fragment: p}).EscapedFragment()
}
