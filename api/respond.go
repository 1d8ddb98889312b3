package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/deconflict/deconflict"
)

// writeBody encodes v as the whole answer. Encoding first and writing after
// means a value that cannot be encoded never leaves half an answer behind.
func writeBody(w http.ResponseWriter, status int, contentType string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		contentType = "application/problem+json"
		buf.Reset()
		buf.WriteString(`{"type":"urn:deconflict:problem:internal","title":"Internal error","status":500,"detail":"internal error; the answer could not be encoded"}` + "\n")
	}
	writeBytes(w, status, contentType, buf.Bytes())
}

// writeBytes answers with body, already encoded as contentType.
func writeBytes(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	writeBody(w, status, "application/json", v)
}

// setETag names an object's version, as If-Match gives it back.
func setETag(w http.ResponseWriter, version int64) {
	w.Header().Set("ETag", `"`+strconv.FormatInt(version, 10)+`"`)
}

// The norm functions give every list in an answer as [] rather than null, so
// that clients can iterate without checking (the OpenAPI document says
// arrays, not nullable arrays).

func normParty(p deconflict.Party) deconflict.Party {
	p.Groups = orEmpty(p.Groups)
	p.Roles = orEmpty(p.Roles)
	return p
}

func normOperation(o deconflict.Operation) deconflict.Operation {
	o.Volumes = orEmpty(o.Volumes)
	o.ShareWith = orEmpty(o.ShareWith)
	o.AwareOf = orEmpty(o.AwareOf)
	return o
}

func normOperations(os []deconflict.Operation) []deconflict.Operation {
	out := make([]deconflict.Operation, len(os))
	for i, o := range os {
		out[i] = normOperation(o)
	}
	return out
}

func normZone(z deconflict.Zone) deconflict.Zone {
	z.Volumes = orEmpty(z.Volumes)
	z.ShareWith = orEmpty(z.ShareWith)
	return z
}

func normZones(zs []deconflict.Zone) []deconflict.Zone {
	out := make([]deconflict.Zone, len(zs))
	for i, z := range zs {
		out[i] = normZone(z)
	}
	return out
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
