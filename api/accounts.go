package api

import (
	"net/http"

	"github.com/deconflict/deconflict"
)

// partyBody is POST /v1/parties.
type partyBody struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Groups []string `json:"groups"`
	Roles  []string `json:"roles"`
}

// decodeParty decodes a party as the admin submits it.
func decodeParty(data []byte) (deconflict.Party, error) {
	var b partyBody
	if err := decodeStrict(data, "", &b); err != nil {
		return deconflict.Party{}, err
	}
	p := deconflict.Party{ID: b.ID, Name: b.Name, Groups: b.Groups, Roles: b.Roles}
	if err := p.Validate(); err != nil {
		return deconflict.Party{}, err
	}
	return p, nil
}

// groupBody is PUT /v1/groups/{name}; name may be sent back as read.
type groupBody struct {
	Name    *string  `json:"name"`
	Members []string `json:"members"`
}

// decodeGroup decodes the members of group name.
func decodeGroup(data []byte, name string) (deconflict.Group, error) {
	var b groupBody
	if err := decodeStrict(data, "", &b); err != nil {
		return deconflict.Group{}, err
	}
	var f deconflict.FieldErrors
	sameOrAbsent(&f, "name", b.Name, name, "the name in the path")
	if b.Members == nil {
		f.Add("members", "is required: the party ids of the group, [] for none")
	}
	if err := f.Err(); err != nil {
		return deconflict.Group{}, err
	}
	g := deconflict.Group{Name: name, Members: b.Members}
	if err := g.Validate(); err != nil {
		return deconflict.Group{}, err
	}
	return g, nil
}

func (s *Server) createParty(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	if _, err := query(r); err != nil {
		return err
	}
	data, err := s.readBody(w, r, mediaJSON)
	if err != nil {
		return err
	}
	p, err := decodeParty(data)
	if err != nil {
		return err
	}
	p, token, err := s.cfg.Accounts.CreateParty(r.Context(), c, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"party": normParty(p), "token": token})
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := query(r); err != nil {
		return err
	}
	t, secret, err := s.cfg.Accounts.CreateToken(r.Context(), c, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": secret, "prefix": t.Prefix})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	prefix, err := pathID(r, "prefix")
	if err != nil {
		return err
	}
	if _, err := query(r); err != nil {
		return err
	}
	if err := s.cfg.Accounts.RevokeToken(r.Context(), c, prefix); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) putGroup(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	name, err := pathID(r, "name")
	if err != nil {
		return err
	}
	if _, err := query(r); err != nil {
		return err
	}
	data, err := s.readBody(w, r, mediaJSON)
	if err != nil {
		return err
	}
	g, err := decodeGroup(data, name)
	if err != nil {
		return err
	}
	g, err = s.cfg.Accounts.PutGroup(r.Context(), c, g)
	if err != nil {
		return err
	}
	g.Members = orEmpty(g.Members)
	writeJSON(w, http.StatusOK, map[string]any{"group": g})
	return nil
}
