package api

import (
	"net/http"

	"github.com/deconflict/deconflict"
)

// putInput is what a PUT of an operation or a zone carries besides its body's
// meaning: the id in the path, the version named by If-Match (0: none) and
// the raw body.
type putInput struct {
	id      string
	ifMatch int64
	body    []byte
}

// readPut reads a PUT of an object: its path id, no query parameters, its
// If-Match and its JSON body.
func (s *Server) readPut(w http.ResponseWriter, r *http.Request) (putInput, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return putInput{}, err
	}
	if _, err := query(r); err != nil {
		return putInput{}, err
	}
	ifMatch, err := parseIfMatch(r)
	if err != nil {
		return putInput{}, err
	}
	body, err := s.readBody(w, r, mediaJSON)
	if err != nil {
		return putInput{}, err
	}
	return putInput{id: id, ifMatch: ifMatch, body: body}, nil
}

// writeStored answers an accepted create-or-replace: 201 with Location when
// the object was created, 200 when replaced, and the version as ETag.
func writeStored(w http.ResponseWriter, created bool, location string, version int64, answer any) {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", location)
	}
	setETag(w, version)
	writeJSON(w, status, answer)
}

// readGet reads a GET of one object: its path id and the optional ?party=
// naming another party's shared object ("" for the caller's own).
func readGet(r *http.Request) (id, party string, err error) {
	if id, err = pathID(r, "id"); err != nil {
		return "", "", err
	}
	q, err := query(r, "party")
	if err != nil {
		return "", "", err
	}
	var f deconflict.FieldErrors
	party = optionalID(q, "party", &f)
	return id, party, f.Err()
}
