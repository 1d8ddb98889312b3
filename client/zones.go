package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/deconflict/deconflict"
)

// PutZoneResult is the answer to a zone put: the stored zone, its open
// conflicts with live operations as its owner sees them, and whether it was
// created (201) rather than replaced (200).
type PutZoneResult struct {
	Zone      deconflict.Zone       `json:"zone"`
	Conflicts []deconflict.Conflict `json:"conflicts"`
	Created   bool                  `json:"-"`
}

// zoneBody is what PUT /v1/zones/{id} takes.
type zoneBody struct {
	Name      string              `json:"name,omitempty"`
	Kind      deconflict.ZoneKind `json:"kind"`
	Policy    deconflict.Policy   `json:"policy,omitempty"`
	Volumes   []deconflict.Volume `json:"volumes"`
	ShareWith []string            `json:"share_with,omitempty"`
	Minima    *deconflict.Minima  `json:"minima,omitempty"`
}

// PutZone creates or replaces the caller's zone z.ID; ifMatch is optional
// for zones (0: any version).
func (c *Client) PutZone(ctx context.Context, z deconflict.Zone, ifMatch int64) (PutZoneResult, error) {
	body, err := jsonBody(zoneBody{z.Name, z.Kind, z.Policy, z.Volumes, z.ShareWith, z.Minima})
	if err != nil {
		return PutZoneResult{}, err
	}
	return c.PutZoneJSON(ctx, z.ID, body, ifMatch)
}

// PutZoneJSON is PutZone with the body as the user wrote it (name, kind,
// policy, volumes, share_with, minima), judged by the server; a volume may
// leave out its altitudes there, which a deconflict.Volume cannot.
func (c *Client) PutZoneJSON(ctx context.Context, id string, body []byte, ifMatch int64) (PutZoneResult, error) {
	var out PutZoneResult
	res, err := c.do(ctx, request{method: http.MethodPut, path: "/v1/zones/" + seg(id), body: body, ifMatch: ifMatch, out: &out})
	out.Created = res.status == http.StatusCreated
	return out, err
}

// GetZone returns a zone the caller may see: its own when party is "",
// else party's (if shared with the caller).
func (c *Client) GetZone(ctx context.Context, party, id string) (deconflict.Zone, error) {
	var q url.Values
	if party != "" {
		q = url.Values{"party": {party}}
	}
	var out struct {
		Zone deconflict.Zone `json:"zone"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/zones/" + seg(id), query: q, out: &out})
	return out.Zone, err
}

// ListZones returns the zones the caller may see, of one kind ("" for all).
func (c *Client) ListZones(ctx context.Context, kind deconflict.ZoneKind) ([]deconflict.Zone, error) {
	var q url.Values
	if kind != "" {
		q = url.Values{"kind": {string(kind)}}
	}
	var out struct {
		Zones []deconflict.Zone `json:"zones"`
	}
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/zones", query: q, out: &out})
	return out.Zones, err
}

// DeleteZone deletes the caller's zone and closes its conflicts.
func (c *Client) DeleteZone(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/v1/zones/" + seg(id)})
	return err
}

// ImportZones posts a GeoJSON FeatureCollection to /v1/zones:import; each
// feature becomes a zone, its properties naming id, name, kind, policy,
// alt_lower_m, alt_upper_m, buffer_m, start, end and share_with, and
// defaults (kind=airspace, policy=acknowledge, share_with=a,b, ...) filling
// what a feature leaves out. Either every zone is imported or none, and the
// *Problem then lists every feature at fault.
func (c *Client) ImportZones(ctx context.Context, geojson []byte, defaults url.Values) ([]deconflict.Zone, error) {
	var out struct {
		Zones []deconflict.Zone `json:"zones"`
	}
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/zones:import", query: defaults,
		body: geojson, contentType: "application/geo+json", out: &out})
	return out.Zones, err
}
