package client

import (
	"context"
	"net/http"

	"github.com/deconflict/deconflict"
)

// CreateParty creates a party (admin only) and returns it with its first
// token, which the server shows this once.
func (c *Client) CreateParty(ctx context.Context, p deconflict.Party) (deconflict.Party, string, error) {
	body, err := jsonBody(struct {
		ID     string   `json:"id"`
		Name   string   `json:"name,omitempty"`
		Groups []string `json:"groups,omitempty"`
		Roles  []string `json:"roles,omitempty"`
	}{p.ID, p.Name, p.Groups, p.Roles})
	if err != nil {
		return deconflict.Party{}, "", err
	}
	var out struct {
		Party deconflict.Party `json:"party"`
		Token string           `json:"token"`
	}
	_, err = c.do(ctx, request{method: http.MethodPost, path: "/v1/parties", body: body, out: &out})
	return out.Party, out.Token, err
}

// CreateToken makes another token for party (admin only). It returns the
// token, shown this once, and its prefix, which RevokeToken takes.
func (c *Client) CreateToken(ctx context.Context, party string) (token, prefix string, err error) {
	var out struct {
		Token  string `json:"token"`
		Prefix string `json:"prefix"`
	}
	_, err = c.do(ctx, request{method: http.MethodPost, path: "/v1/parties/" + seg(party) + "/tokens", out: &out})
	return out.Token, out.Prefix, err
}

// RevokeToken revokes the token with this prefix (admin only).
func (c *Client) RevokeToken(ctx context.Context, prefix string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/v1/tokens/" + seg(prefix)})
	return err
}

// PutGroup sets the members of group name, creating it if need be (admin only).
func (c *Client) PutGroup(ctx context.Context, name string, members []string) (deconflict.Group, error) {
	if members == nil {
		members = []string{} // an empty group is a statement, not a missing field
	}
	body, err := jsonBody(struct {
		Members []string `json:"members"`
	}{members})
	if err != nil {
		return deconflict.Group{}, err
	}
	var out struct {
		Group deconflict.Group `json:"group"`
	}
	_, err = c.do(ctx, request{method: http.MethodPut, path: "/v1/groups/" + seg(name), body: body, out: &out})
	return out.Group, err
}
