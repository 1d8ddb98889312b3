package api

import (
	"net/http"
	"strings"

	"github.com/deconflict/deconflict"
)

// maxAuthHeader bounds the Authorization header read; no token is near it.
const maxAuthHeader = 1024

// authenticate returns the caller of r, allowed for a route of access a.
func (s *Server) authenticate(r *http.Request, a access) (deconflict.Caller, error) {
	h := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(strings.TrimSpace(h), " ")
	token = strings.TrimSpace(token)
	switch {
	case h == "":
		return deconflict.Caller{}, deconflict.Errorf(deconflict.EUNAUTHORIZED, "send a token: Authorization: Bearer <token>")
	case !strings.EqualFold(scheme, "Bearer") || token == "":
		return deconflict.Caller{}, deconflict.Errorf(deconflict.EUNAUTHORIZED, "the Authorization header must read: Bearer <token>")
	case len(h) > maxAuthHeader:
		return deconflict.Caller{}, deconflict.Errorf(deconflict.EUNAUTHORIZED, "the token is not known")
	}
	c, err := s.cfg.Accounts.Authenticate(r.Context(), token)
	if err != nil {
		return deconflict.Caller{}, err
	}
	switch {
	case a == adminOnly && !c.Admin:
		return deconflict.Caller{}, deconflict.Errorf(deconflict.EFORBIDDEN, "this needs the admin token")
	case a == partyOnly && c.Party == "":
		return deconflict.Caller{}, deconflict.Errorf(deconflict.EFORBIDDEN, "the admin token does not act for a party; use a party's token")
	}
	return c, nil
}
