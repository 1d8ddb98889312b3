package api

import (
	"net/http"

	"github.com/deconflict/deconflict"
)

// zoneBody is PUT /v1/zones/{id}. id and party may be sent back as read, but
// must then equal the path's id and the caller's party.
type zoneBody struct {
	ID        *string             `json:"id"`
	Party     *string             `json:"party"`
	Name      string              `json:"name"`
	Kind      deconflict.ZoneKind `json:"kind"`
	Policy    deconflict.Policy   `json:"policy"`
	Volumes   []volumeBody        `json:"volumes"`
	ShareWith []string            `json:"share_with"`
	Minima    *minimaBody         `json:"minima"`
}

// decodeZone decodes a zone body for party's zone id and checks it as the
// domain does. Altitudes left out span all altitudes; a policy left out is
// the kind's default.
func decodeZone(data []byte, party, id string, lim deconflict.Limits) (deconflict.Zone, error) {
	var b zoneBody
	if err := decodeStrict(data, "", &b); err != nil {
		return deconflict.Zone{}, err
	}
	var f deconflict.FieldErrors
	sameOrAbsent(&f, "id", b.ID, id, "the id in the path")
	sameOrAbsent(&f, "party", b.Party, party, "the caller's party")
	z := deconflict.Zone{
		Party:     party,
		ID:        id,
		Name:      b.Name,
		Kind:      b.Kind,
		Policy:    b.Policy,
		Volumes:   toVolumes(b.Volumes, false, &f),
		ShareWith: b.ShareWith,
		Minima:    b.Minima.toMinima(),
	}
	if err := f.Err(); err != nil {
		return deconflict.Zone{}, err
	}
	if err := z.Validate(lim); err != nil {
		return deconflict.Zone{}, err
	}
	return z, nil
}

// zoneAnswer is the answer of PUT /v1/zones/{id}.
type zoneAnswer struct {
	Zone      deconflict.Zone       `json:"zone"`
	Conflicts []deconflict.Conflict `json:"conflicts"`
}

func (s *Server) putZone(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	in, err := s.readPut(w, r)
	if err != nil {
		return err
	}
	z, err := decodeZone(in.body, c.Party, in.id, s.limits)
	if err != nil {
		return err
	}
	res, err := s.cfg.Zones.PutZone(r.Context(), c, z, in.ifMatch)
	if err != nil {
		return err
	}
	writeStored(w, res.Created, "/v1/zones/"+res.Zone.ID, res.Zone.Version,
		zoneAnswer{Zone: normZone(res.Zone), Conflicts: orEmpty(res.Conflicts)})
	return nil
}

func (s *Server) getZone(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	id, party, err := readGet(r)
	if err != nil {
		return err
	}
	z, err := s.cfg.Zones.Zone(r.Context(), c, party, id)
	if err != nil {
		return err
	}
	setETag(w, z.Version)
	writeJSON(w, http.StatusOK, map[string]any{"zone": normZone(z)})
	return nil
}

func (s *Server) listZones(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	q, err := query(r, "kind")
	if err != nil {
		return err
	}
	var f deconflict.FieldErrors
	kind := parseKind(q.Get("kind"), q.Has("kind"), "kind", &f)
	if err := f.Err(); err != nil {
		return err
	}
	zs, err := s.cfg.Zones.Zones(r.Context(), c, kind)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"zones": normZones(zs)})
	return nil
}

func (s *Server) deleteZone(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := query(r); err != nil {
		return err
	}
	if err := s.cfg.Zones.DeleteZone(r.Context(), c, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// parseKind reads a zone kind from a query parameter; given says whether it
// was present (an empty one is then a fault, not "all").
func parseKind(s string, given bool, field string, f *deconflict.FieldErrors) deconflict.ZoneKind {
	if !given {
		return ""
	}
	switch k := deconflict.ZoneKind(s); k {
	case deconflict.ZoneProtected, deconflict.ZoneAirspace, deconflict.ZoneRestricted:
		return k
	}
	f.Add(field, "must be one of protected, airspace, restricted (got %q)", clip(s))
	return ""
}
