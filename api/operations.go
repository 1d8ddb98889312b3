package api

import (
	"net/http"

	"github.com/deconflict/deconflict"
)

// operationBody is PUT /v1/operations/{id}. id and party may be sent back as
// read, but must then equal the path's id and the caller's party.
type operationBody struct {
	ID        *string                   `json:"id"`
	Party     *string                   `json:"party"`
	Callsign  string                    `json:"callsign"`
	Aircraft  string                    `json:"aircraft"`
	State     deconflict.OperationState `json:"state"`
	Volumes   []volumeBody              `json:"volumes"`
	ShareWith []string                  `json:"share_with"`
	AwareOf   []deconflict.AwareOf      `json:"aware_of"`
}

// decodeOperation decodes an operation body for party's operation id and
// checks it as the domain does (all but geometry and whether sharing targets
// exist). A missing state is planned.
func decodeOperation(data []byte, party, id string, lim deconflict.Limits) (deconflict.Operation, error) {
	var b operationBody
	if err := decodeStrict(data, "", &b); err != nil {
		return deconflict.Operation{}, err
	}
	var f deconflict.FieldErrors
	sameOrAbsent(&f, "id", b.ID, id, "the id in the path")
	sameOrAbsent(&f, "party", b.Party, party, "the caller's party")
	op := deconflict.Operation{
		Party:     party,
		ID:        id,
		Callsign:  b.Callsign,
		Aircraft:  b.Aircraft,
		State:     b.State,
		Volumes:   toVolumes(b.Volumes, true, &f),
		ShareWith: b.ShareWith,
		AwareOf:   b.AwareOf,
	}
	if op.State == "" {
		op.State = deconflict.StatePlanned
	}
	if err := f.Err(); err != nil {
		return deconflict.Operation{}, err
	}
	if err := op.Validate(lim); err != nil {
		return deconflict.Operation{}, err
	}
	return op, nil
}

// operationAnswer is the answer of PUT /v1/operations/{id}.
type operationAnswer struct {
	Operation deconflict.Operation  `json:"operation"`
	Conflicts []deconflict.Conflict `json:"conflicts"`
}

func (s *Server) putOperation(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	in, err := s.readPut(w, r)
	if err != nil {
		return err
	}
	op, err := decodeOperation(in.body, c.Party, in.id, s.limits)
	if err != nil {
		return err
	}
	res, err := s.cfg.Operations.PutOperation(r.Context(), c, op, in.ifMatch)
	if err != nil {
		return err
	}
	writeStored(w, res.Created, "/v1/operations/"+res.Operation.ID, res.Operation.Version,
		operationAnswer{Operation: normOperation(res.Operation), Conflicts: orEmpty(res.Conflicts)})
	return nil
}

func (s *Server) getOperation(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	id, party, err := readGet(r)
	if err != nil {
		return err
	}
	op, err := s.cfg.Operations.Operation(r.Context(), c, party, id)
	if err != nil {
		return err
	}
	setETag(w, op.Version)
	writeJSON(w, http.StatusOK, map[string]any{"operation": normOperation(op)})
	return nil
}

func (s *Server) listOperations(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	q, err := query(r, "bbox", "from", "to", "state")
	if err != nil {
		return err
	}
	var f deconflict.FieldErrors
	var oq deconflict.OperationQuery
	if q.Has("bbox") {
		oq.BBox = parseBBox(q.Get("bbox"), &f)
	}
	oq.From = parseTime(q, "from", &f)
	oq.To = parseTime(q, "to", &f)
	if !oq.From.IsZero() && !oq.To.IsZero() && !oq.From.Before(oq.To) {
		f.Add("to", "must be after from")
	}
	if q.Has("state") {
		switch st := deconflict.OperationState(q.Get("state")); st {
		case deconflict.StatePlanned, deconflict.StateActive, deconflict.StateClosed, deconflict.StateCancelled:
			oq.State = st
		default:
			f.Add("state", "must be one of planned, active, closed, cancelled (got %q)", clip(string(st)))
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	ops, err := s.cfg.Operations.Operations(r.Context(), c, oq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"operations": normOperations(ops)})
	return nil
}

func (s *Server) cancelOperation(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := query(r); err != nil {
		return err
	}
	ifMatch, err := parseIfMatch(r)
	if err != nil {
		return err
	}
	op, err := s.cfg.Operations.CancelOperation(r.Context(), c, id, ifMatch)
	if err != nil {
		return err
	}
	setETag(w, op.Version)
	writeJSON(w, http.StatusOK, map[string]any{"operation": normOperation(op)})
	return nil
}
