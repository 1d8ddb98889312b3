package api

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
)

// Faults in query parameters are named by the parameter (bbox, from), in
// headers by the header (If-Match), in path segments by the segment's name
// (id): the JSON paths of the body never start with those names in the same
// request, so the field says where to look.

// query reads the query parameters of r, refusing any not in allowed (a
// typo such as ?stat=open would otherwise silently list everything) and any
// given twice.
func query(r *http.Request, allowed ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, deconflict.Invalid("the query string cannot be read: " + err.Error())
	}
	var f deconflict.FieldErrors
	for _, k := range sortedKeys(q) {
		switch {
		case !slices.Contains(allowed, k):
			if len(allowed) == 0 {
				f.Add(clip(k), "is not a query parameter of this route; it takes none")
			} else {
				f.Add(clip(k), "is not a query parameter of this route; it takes: %s", strings.Join(allowed, ", "))
			}
		case len(q[k]) > 1:
			f.Add(k, "is given %d times; give it once", len(q[k]))
		}
	}
	return q, f.Err()
}

func sortedKeys(q url.Values) []string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// pathID returns the path segment name after checking it is a valid id.
func pathID(r *http.Request, name string) (string, error) {
	id := r.PathValue(name)
	var f deconflict.FieldErrors
	f.CheckID(name, id)
	return id, f.Err()
}

// optionalID returns query parameter name, "" if absent, checked as an id.
func optionalID(q url.Values, name string, f *deconflict.FieldErrors) string {
	v := q.Get(name)
	if q.Has(name) {
		f.CheckID(name, v)
	}
	return v
}

// parseIfMatch reads If-Match as the version it names: "3", 3 or W/"3"
// (weak and strong are the same here: a version is exact). No header is 0.
func parseIfMatch(r *http.Request) (int64, error) {
	vals := r.Header.Values("If-Match")
	if len(vals) == 0 {
		return 0, nil
	}
	bad := func(msg string) (int64, error) {
		return 0, deconflict.Invalid("If-Match: "+msg, deconflict.FieldError{Field: "If-Match", Message: msg})
	}
	if len(vals) > 1 || strings.Contains(vals[0], ",") {
		return bad("must name one version, such as \"3\"")
	}
	s := strings.TrimSpace(vals[0])
	s = strings.TrimPrefix(s, "W/")
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 1 || strings.HasPrefix(s, "+") {
		return bad(`must be the version the ETag gave, such as "3" (got ` + strconv.Quote(clip(vals[0])) + ")")
	}
	return v, nil
}

// parseBBox reads west,south,east,north in degrees; west > east crosses the
// antimeridian.
func parseBBox(s string, f *deconflict.FieldErrors) *[4]float64 {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		f.Add("bbox", "must be west,south,east,north in degrees, such as 35.5,35.0,37.0,36.5 (got %q)", clip(s))
		return nil
	}
	var b [4]float64
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			f.Add("bbox", "must be four numbers west,south,east,north (got %q)", clip(s))
			return nil
		}
		b[i] = v
	}
	ok := true
	for _, i := range []int{0, 2} {
		if b[i] < -180 || b[i] > 180 {
			f.Add("bbox", "longitudes must be from -180 to 180 (got %g)", b[i])
			ok = false
		}
	}
	for _, i := range []int{1, 3} {
		if b[i] < -90 || b[i] > 90 {
			f.Add("bbox", "latitudes must be from -90 to 90 (got %g)", b[i])
			ok = false
		}
	}
	if ok && b[1] > b[3] {
		f.Add("bbox", "south must not be north of north (got %g > %g)", b[1], b[3])
		ok = false
	}
	if !ok {
		return nil
	}
	return &b
}

// parseTime reads an RFC 3339 time from query parameter name ("" is zero).
func parseTime(q url.Values, name string, f *deconflict.FieldErrors) time.Time {
	s := q.Get(name)
	if s == "" {
		if q.Has(name) {
			f.Add(name, "is empty; give an RFC 3339 time such as 2026-11-24T07:20:00Z or leave it out")
		}
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		f.Add(name, "must be an RFC 3339 time such as 2026-11-24T07:20:00Z (got %q)", clip(s))
	}
	return t
}

// parseFloat reads a number from query parameter name; nil if absent.
func parseFloat(q url.Values, name string, f *deconflict.FieldErrors) *float64 {
	if !q.Has(name) {
		return nil
	}
	v, err := strconv.ParseFloat(q.Get(name), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		f.Add(name, "must be a number (got %q)", clip(q.Get(name)))
		return nil
	}
	return &v
}
