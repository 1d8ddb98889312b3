package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/deconflict/deconflict"
)

// PutOperationResult is the answer to an accepted operation: the stored
// operation with its new version, its open conflicts as the caller sees
// them, and whether it was created (201) rather than replaced (200).
type PutOperationResult struct {
	Operation deconflict.Operation  `json:"operation"`
	Conflicts []deconflict.Conflict `json:"conflicts"`
	Created   bool                  `json:"-"`
}

// operationBody is what PUT /v1/operations/{id} takes: the fields a party
// chooses. Owner, id, version and times come from the path and the server.
type operationBody struct {
	Callsign  string                    `json:"callsign,omitempty"`
	Aircraft  string                    `json:"aircraft,omitempty"`
	State     deconflict.OperationState `json:"state,omitempty"`
	Volumes   []deconflict.Volume       `json:"volumes"`
	ShareWith []string                  `json:"share_with,omitempty"`
	AwareOf   []deconflict.AwareOf      `json:"aware_of,omitempty"`
}

// PutOperation creates or replaces the caller's operation op.ID. ifMatch is
// the version being replaced (0 to create). A refusal is a *Problem: 409
// with the blocking conflicts (see Problem.AwareOf), 428 when replacing
// without ifMatch, 412 when ifMatch is stale.
func (c *Client) PutOperation(ctx context.Context, op deconflict.Operation, ifMatch int64) (PutOperationResult, error) {
	body, err := jsonBody(operationBody{
		Callsign: op.Callsign, Aircraft: op.Aircraft, State: op.State,
		Volumes: op.Volumes, ShareWith: op.ShareWith, AwareOf: op.AwareOf,
	})
	if err != nil {
		return PutOperationResult{}, err
	}
	return c.PutOperationJSON(ctx, op.ID, body, ifMatch)
}

// PutOperationJSON is PutOperation with the body as the user wrote it
// (callsign, aircraft, state, volumes, share_with, aware_of), so that the
// server, not the client, judges every field of it.
func (c *Client) PutOperationJSON(ctx context.Context, id string, body []byte, ifMatch int64) (PutOperationResult, error) {
	var out PutOperationResult
	res, err := c.do(ctx, request{method: http.MethodPut, path: "/v1/operations/" + seg(id), body: body, ifMatch: ifMatch, out: &out})
	out.Created = res.status == http.StatusCreated
	return out, err
}

// GetOperation returns an operation the caller may see: its own when party
// is "", else party's (if shared with the caller).
func (c *Client) GetOperation(ctx context.Context, party, id string) (deconflict.Operation, error) {
	var q url.Values
	if party != "" {
		q = url.Values{"party": {party}}
	}
	var out struct {
		Operation deconflict.Operation `json:"operation"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/operations/" + seg(id), query: q, out: &out})
	return out.Operation, err
}

// ListOperations returns the operations the caller may see that match q.
func (c *Client) ListOperations(ctx context.Context, q deconflict.OperationQuery) ([]deconflict.Operation, error) {
	v := url.Values{}
	if q.BBox != nil {
		b := q.BBox
		v.Set("bbox", fmt.Sprintf("%s,%s,%s,%s", ftoa(b[0]), ftoa(b[1]), ftoa(b[2]), ftoa(b[3])))
	}
	if !q.From.IsZero() {
		v.Set("from", q.From.UTC().Format(time.RFC3339Nano))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.UTC().Format(time.RFC3339Nano))
	}
	if q.State != "" {
		v.Set("state", string(q.State))
	}
	var out struct {
		Operations []deconflict.Operation `json:"operations"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/operations", query: v, out: &out})
	return out.Operations, err
}

// CancelOperation cancels the caller's operation (kept, as cancelled, for
// the record) and returns it. ifMatch is optional (0: any version).
func (c *Client) CancelOperation(ctx context.Context, id string, ifMatch int64) (deconflict.Operation, error) {
	var out struct {
		Operation deconflict.Operation `json:"operation"`
	}
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/v1/operations/" + seg(id), ifMatch: ifMatch, out: &out})
	return out.Operation, err
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
