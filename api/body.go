package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/deconflict/deconflict"
)

// Media types a request body may be sent as.
const (
	mediaJSON    = "application/json"
	mediaGeoJSON = "application/geo+json"
)

// readBody returns the request body after checking, in this order, that it
// is not empty, that its media type is one of accepted and that it fits the
// body limit. A body over the limit is refused as soon as its size is known,
// without reading it when the client declares it.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, accepted ...string) ([]byte, error) {
	limit := s.limits.MaxBodyBytes
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return nil, deconflict.Invalid("request body is empty; send a JSON object")
	}
	if err := checkMediaType(r.Header.Get("Content-Type"), accepted); err != nil {
		return nil, err
	}
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge(limit)
	case err != nil:
		return nil, deconflict.Invalid("the request body could not be read: " + err.Error())
	case len(strings.TrimSpace(string(data))) == 0:
		return nil, deconflict.Invalid("request body is empty; send a JSON object")
	}
	return data, nil
}

func tooLarge(limit int64) error {
	return deconflict.Errorf(deconflict.ETOOLARGE, "the request body is over the limit of %d bytes; split it into smaller requests", limit)
}

// checkMediaType accepts a Content-Type naming one of accepted, with no
// charset or UTF-8 (JSON is UTF-8, RFC 8259).
func checkMediaType(header string, accepted []string) error {
	want := strings.Join(accepted, " or ")
	if header == "" {
		return deconflict.Errorf(deconflict.EUNSUPPORTED, "Content-Type is missing; send the body as %s", want)
	}
	mt, params, err := mime.ParseMediaType(header)
	if err != nil {
		return deconflict.Errorf(deconflict.EUNSUPPORTED, "Content-Type %q cannot be read; send the body as %s", clip(header), want)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return deconflict.Errorf(deconflict.EUNSUPPORTED, "charset %q is not supported; send UTF-8", clip(cs))
	}
	for _, a := range accepted {
		if mt == a {
			return nil
		}
	}
	return deconflict.Errorf(deconflict.EUNSUPPORTED, "Content-Type %s is not supported here; send the body as %s", clip(mt), want)
}
