package deconflict

import (
	"errors"
	"fmt"
)

// Error codes. Package api maps each to one HTTP status in one place.
const (
	EINVALID             = "invalid"               // 400: the request is malformed or fails validation
	EUNAUTHORIZED        = "unauthorized"          // 401: no or unknown credentials
	EFORBIDDEN           = "forbidden"             // 403: known caller, not allowed
	ENOTFOUND            = "not_found"             // 404: no such object, or the caller may not see it
	ECONFLICT            = "conflict"              // 409: awareness missing, a zone denies, or the object exists
	EPRECONDITION        = "precondition_failed"   // 412: If-Match does not match the current version
	EPRECONDITIONMISSING = "precondition_required" // 428: replacing needs If-Match
	ETOOLARGE            = "too_large"             // 413: body over the limit
	EUNSUPPORTED         = "unsupported_media"     // 415: wrong content type
	EUNAVAILABLE         = "unavailable"           // 503: the store is not ready
	EINTERNAL            = "internal"              // 500: a fault of ours, never of the client
)

// FieldError names one fault in a request by its JSON path, such as
// "volumes[2].geometry.coordinates[0][5]", and says what to fix.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type the services return to the API. Code picks the
// HTTP status; Message is shown to the user as the problem's detail; Fields
// lists validation faults; Blocking lists the conflicts behind a 409.
type Error struct {
	Code     string
	Message  string
	Fields   []FieldError
	Blocking []Blocking
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s (%s: %s)", e.Code, e.Message, e.Fields[0].Field, e.Fields[0].Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error with the given field faults.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// ErrorCode returns the code of err if it is or wraps an *Error, EINTERNAL
// otherwise, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic text so that nothing of the server's insides leaks.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// FieldErrors collects validation faults in order and turns them into one
// EINVALID error. The zero value is ready to use.
type FieldErrors []FieldError

// Add records a fault at path.
func (f *FieldErrors) Add(path, format string, args ...any) {
	*f = append(*f, FieldError{Field: path, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing was recorded, else an EINVALID *Error whose
// message is the first fault.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: f[0].Field + ": " + f[0].Message, Fields: f}
}
