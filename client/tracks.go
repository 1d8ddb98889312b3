package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/deconflict/deconflict"
)

// PostTracks sends a batch of track reports (at most 10,000) and returns how
// many the server took. A batch with any fault is refused whole.
func (c *Client) PostTracks(ctx context.Context, reports []deconflict.TrackReport) (int, error) {
	body, err := jsonBody(map[string]any{"reports": reports})
	if err != nil {
		return 0, err
	}
	var out struct {
		Accepted int `json:"accepted"`
	}
	_, err = c.do(ctx, request{method: http.MethodPost, path: "/v1/tracks", body: body, out: &out})
	return out.Accepted, err
}

// Tracks returns the live tracks the caller may see, within bbox (west,
// south, east, north) when it is not nil.
func (c *Client) Tracks(ctx context.Context, bbox *[4]float64) ([]deconflict.TrackReport, error) {
	var q url.Values
	if bbox != nil {
		q = url.Values{"bbox": {ftoa(bbox[0]) + "," + ftoa(bbox[1]) + "," + ftoa(bbox[2]) + "," + ftoa(bbox[3])}}
	}
	var out struct {
		Tracks []deconflict.TrackReport `json:"tracks"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/tracks", query: q, out: &out})
	return out.Tracks, err
}

// Alerts returns the alerts in force that concern the caller.
func (c *Client) Alerts(ctx context.Context) ([]deconflict.Alert, error) {
	var out struct {
		Alerts []deconflict.Alert `json:"alerts"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/alerts", query: url.Values{"active": {"true"}}, out: &out})
	return out.Alerts, err
}

// SetTrackSharing sets who sees the caller's live tracks (party ids,
// group:NAME, all; none for nobody) and returns the setting as stored.
func (c *Client) SetTrackSharing(ctx context.Context, shareWith []string) ([]string, error) {
	if shareWith == nil {
		shareWith = []string{}
	}
	body, err := jsonBody(map[string]any{"share_with": shareWith})
	if err != nil {
		return nil, err
	}
	var out struct {
		ShareWith []string `json:"share_with"`
	}
	_, err = c.do(ctx, request{method: http.MethodPut, path: "/v1/tracks/sharing", body: body, out: &out})
	return out.ShareWith, err
}

// Events returns one page of the caller's events after id after (limit 0:
// the server's page size), oldest first.
func (c *Client) Events(ctx context.Context, after int64, limit int) ([]deconflict.Event, error) {
	q := url.Values{"after": {strconv.FormatInt(after, 10)}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Events []deconflict.Event `json:"events"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/events", query: q, out: &out})
	return out.Events, err
}
