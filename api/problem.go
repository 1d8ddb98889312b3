package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/deconflict/deconflict"
)

// Problem is an error answer (RFC 9457, application/problem+json). Errors
// lists validation faults by JSON path; Conflicts lists what blocks a 409.
type Problem struct {
	Type      string                  `json:"type"`
	Title     string                  `json:"title"`
	Status    int                     `json:"status"`
	Detail    string                  `json:"detail"`
	Errors    []deconflict.FieldError `json:"errors,omitempty"`
	Conflicts []deconflict.Blocking   `json:"conflicts,omitempty"`
}

// ProblemTypePrefix starts the type URI of every problem; the rest is the
// error code of the root package (urn:deconflict:problem:invalid).
const ProblemTypePrefix = "urn:deconflict:problem:"

// codeMethodNotAllowed is the one problem code of the API's own: no service
// can answer "wrong method".
const codeMethodNotAllowed = "method_not_allowed"

// statusOf is the one place where error codes become HTTP statuses.
var statusOf = map[string]struct {
	status int
	title  string
}{
	deconflict.EINVALID:             {http.StatusBadRequest, "The request is not valid"},
	deconflict.EUNAUTHORIZED:        {http.StatusUnauthorized, "Authentication is required"},
	deconflict.EFORBIDDEN:           {http.StatusForbidden, "Not allowed"},
	deconflict.ENOTFOUND:            {http.StatusNotFound, "Not found"},
	codeMethodNotAllowed:            {http.StatusMethodNotAllowed, "Method not allowed"},
	deconflict.ECONFLICT:            {http.StatusConflict, "Conflict"},
	deconflict.EPRECONDITION:        {http.StatusPreconditionFailed, "The version does not match"},
	deconflict.ETOOLARGE:            {http.StatusRequestEntityTooLarge, "The request body is too large"},
	deconflict.EUNSUPPORTED:         {http.StatusUnsupportedMediaType, "Unsupported media type"},
	deconflict.EPRECONDITIONMISSING: {http.StatusPreconditionRequired, "If-Match is required"},
	deconflict.EUNAVAILABLE:         {http.StatusServiceUnavailable, "Not ready"},
	deconflict.EINTERNAL:            {http.StatusInternalServerError, "Internal error"},
}

// problemFor turns err into the problem the client sees. Errors that are not
// coded, or carry a code this table does not know, are the server's fault:
// the client gets a generic 500 and the real error is only logged.
func problemFor(err error) (Problem, bool) {
	code := deconflict.ErrorCode(err)
	st, known := statusOf[code]
	if !known || code == deconflict.EINTERNAL {
		st = statusOf[deconflict.EINTERNAL]
		return Problem{Type: ProblemTypePrefix + deconflict.EINTERNAL, Title: st.title, Status: st.status,
			Detail: "internal error; the server has logged it"}, true
	}
	p := Problem{Type: ProblemTypePrefix + code, Title: st.title, Status: st.status, Detail: deconflict.ErrorMessage(err)}
	var e *deconflict.Error
	if errors.As(err, &e) {
		p.Errors = e.Fields
		p.Conflicts = e.Blocking
	}
	if p.Detail == "" {
		p.Detail = st.title
	}
	return p, false
}

// fail answers err as a problem; internal errors are logged with the request.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p, internal := problemFor(err)
	if internal {
		s.log.ErrorContext(r.Context(), "request failed", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="deconflict"`)
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p Problem) {
	writeBody(w, p.Status, "application/problem+json", p)
}
