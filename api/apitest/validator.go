package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/deconflict/deconflict/api"
)

// Validator checks answers of the API against its OpenAPI document: that
// the status is documented for the route, the media type is, the documented
// headers are present and the body matches the documented schema.
type Validator struct {
	doc      map[string]any
	compiler *jsonschema.Compiler

	mu      sync.Mutex
	schemas map[string]*jsonschema.Schema
}

const docURL = "mem://openapi.json"

// NewValidator reads the API's OpenAPI document.
func NewValidator() (*Validator, error) {
	raw := api.OpenAPI()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	forSchema, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, forSchema); err != nil {
		return nil, err
	}
	return &Validator{doc: doc, compiler: c, schemas: map[string]*jsonschema.Schema{}}, nil
}

// Check returns an error saying how an answer departs from the document.
// An answer for a method and path the document does not have must be a 404
// or 405 problem.
func (v *Validator) Check(method, path string, status int, h http.Header, body []byte) error {
	tmpl, item := v.route(path)
	op, _ := item[strings.ToLower(method)].(map[string]any)
	if method == http.MethodHead && op == nil {
		op, _ = item["get"].(map[string]any)
		body = nil
	}
	if op == nil {
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			return fmt.Errorf("%s %s is not in the document, yet answered %d", method, path, status)
		}
		return v.checkBody("/components/schemas/Problem", "application/problem+json", h, body)
	}
	responses, _ := op["responses"].(map[string]any)
	code := strconv.Itoa(status)
	resp, ok := responses[code].(map[string]any)
	ptr := "/paths/" + escape(tmpl) + "/" + strings.ToLower(method) + "/responses/" + code
	if !ok {
		return fmt.Errorf("%s %s answered %d, which the document does not list for %s %s", method, path, status, strings.ToUpper(method), tmpl)
	}
	if ref, ok := resp["$ref"].(string); ok {
		ptr = strings.TrimPrefix(ref, "#")
		resp = v.pointer(ptr)
	}
	if hdrs, ok := resp["headers"].(map[string]any); ok {
		for name := range hdrs {
			if h.Get(name) == "" {
				return fmt.Errorf("%s %s %d: documented header %s is missing", method, path, status, name)
			}
		}
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(body) != 0 && method != http.MethodHead {
			return fmt.Errorf("%s %s %d: the document says no body, got %d bytes", method, path, status, len(body))
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return fmt.Errorf("%s %s %d: Content-Type %q: %v", method, path, status, h.Get("Content-Type"), err)
	}
	if _, ok := content[mt]; !ok {
		return fmt.Errorf("%s %s %d: Content-Type %s is not documented", method, path, status, mt)
	}
	if method == http.MethodHead {
		return nil
	}
	return v.checkBody(ptr+"/content/"+escape(mt)+"/schema", mt, h, body)
}

// checkBody validates a JSON body against the schema at ptr.
func (v *Validator) checkBody(ptr, wantType string, h http.Header, body []byte) error {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if mt != wantType {
		return fmt.Errorf("Content-Type %q, want %s", h.Get("Content-Type"), wantType)
	}
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return nil
	}
	sch, err := v.schema(ptr)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("body is not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("body does not match %s: %v\nbody: %s", ptr, err, clip(body))
	}
	return nil
}

func (v *Validator) schema(ptr string) (*jsonschema.Schema, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if s, ok := v.schemas[ptr]; ok {
		return s, nil
	}
	s, err := v.compiler.Compile(docURL + "#" + (&url.URL{Fragment: ptr}).EscapedFragment())
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", ptr, err)
	}
	v.schemas[ptr] = s
	return s, nil
}

// route finds the document's path template for a request path: literal
// segments must be equal, {name} segments take any one segment.
func (v *Validator) route(path string) (string, map[string]any) {
	segs := strings.Split(path, "/")
	for tmpl, item := range v.doc["paths"].(map[string]any) {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		match := true
		for i := range ts {
			if strings.HasPrefix(ts[i], "{") && strings.HasSuffix(ts[i], "}") {
				match = match && segs[i] != ""
			} else {
				match = match && ts[i] == segs[i]
			}
		}
		if match {
			return tmpl, item.(map[string]any)
		}
	}
	return "", nil
}

func (v *Validator) pointer(ptr string) map[string]any {
	var cur any = v.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		m, _ := cur.(map[string]any)
		cur = m[strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)]
	}
	m, _ := cur.(map[string]any)
	return m
}

func escape(tok string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(tok) }

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}
