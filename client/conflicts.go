package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/deconflict/deconflict"
)

// CheckConflicts returns the conflicts that volumes would have if the caller
// submitted them as an operation shared with shareWith. Nothing is stored.
func (c *Client) CheckConflicts(ctx context.Context, volumes []deconflict.Volume, shareWith []string) ([]deconflict.Conflict, error) {
	body, err := jsonBody(struct {
		Volumes   []deconflict.Volume `json:"volumes"`
		ShareWith []string            `json:"share_with,omitempty"`
	}{volumes, shareWith})
	if err != nil {
		return nil, err
	}
	return c.CheckConflictsJSON(ctx, body)
}

// CheckConflictsJSON is CheckConflicts with the body as the user wrote it
// ({"volumes": [...], "share_with": [...]}), judged by the server.
func (c *Client) CheckConflictsJSON(ctx context.Context, body []byte) ([]deconflict.Conflict, error) {
	var out struct {
		Conflicts []deconflict.Conflict `json:"conflicts"`
	}
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/conflicts:check", body: body, out: &out})
	return out.Conflicts, err
}

// ListConflicts returns the caller's stored conflicts in state ("" for all).
func (c *Client) ListConflicts(ctx context.Context, state deconflict.ConflictState) ([]deconflict.Conflict, error) {
	var q url.Values
	if state != "" {
		q = url.Values{"state": {string(state)}}
	}
	var out struct {
		Conflicts []deconflict.Conflict `json:"conflicts"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/conflicts", query: q, out: &out})
	return out.Conflicts, err
}
