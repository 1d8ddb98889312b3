package api

import (
	_ "embed"
	"net/http"
	"strconv"

	"github.com/deconflict/deconflict"
)

// openapiDoc is the OpenAPI 3.1 document of the API, written by hand and
// kept true by the tests: every route in the table is in it, every path in
// it is served, and every answer the API tests see matches its schema.
//
//go:embed openapi.json
var openapiDoc []byte

// OpenAPI returns the OpenAPI 3.1 document of the API (a copy).
func OpenAPI() []byte { return append([]byte(nil), openapiDoc...) }

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request, _ deconflict.Caller) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(openapiDoc)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openapiDoc)
	return nil
}
