package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
)

// POST /v1/zones:import takes a GeoJSON FeatureCollection (or one Feature,
// taken as a collection of one) and makes each feature a zone whose single
// volume is the feature's geometry. Real GeoJSON files carry many members
// and properties of their own (Natural Earth's NAME, ISO_A3, ...): members
// and properties this API does not name are ignored, while the ones it names
// must have the right type.

// geojsonBody is a FeatureCollection, or a single Feature.
type geojsonBody struct {
	Type       *string         `json:"type"`
	Features   []featureBody   `json:"features"`
	ID         json.RawMessage `json:"id"`
	Geometry   *geometryBody   `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

func (geojsonBody) foreignMembersAllowed() {}

type featureBody struct {
	Type       *string         `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   *geometryBody   `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

func (featureBody) foreignMembersAllowed() {}

// propertiesBody holds the feature properties that make a zone.
type propertiesBody struct {
	ID        json.RawMessage `json:"id"`
	Name      *string         `json:"name"`
	Kind      *string         `json:"kind"`
	Policy    *string         `json:"policy"`
	AltLowerM *float64        `json:"alt_lower_m"`
	AltUpperM *float64        `json:"alt_upper_m"`
	BufferM   *float64        `json:"buffer_m"`
	Start     *time.Time      `json:"start"`
	End       *time.Time      `json:"end"`
	ShareWith stringList      `json:"share_with"`
	Minima    *minimaBody     `json:"minima"`
}

func (propertiesBody) foreignMembersAllowed() {}

// importDefaults are the query parameters of an import: a value for any
// property a feature leaves out, and IDFrom, a property to take ids from
// (such as adm0_a3 in Natural Earth files).
type importDefaults struct {
	ID, Name, IDFrom              string
	Kind                          deconflict.ZoneKind
	Policy                        deconflict.Policy
	AltLowerM, AltUpperM, BufferM *float64
	Start, End                    *time.Time
	ShareWith                     []string
}

// importParams are the query parameters POST /v1/zones:import takes.
var importParams = []string{"id", "id_from", "name", "kind", "policy", "alt_lower_m", "alt_upper_m", "buffer_m", "start", "end", "share_with"}

func parseImportDefaults(q url.Values) (importDefaults, error) {
	var d importDefaults
	var f deconflict.FieldErrors
	d.ID = optionalID(q, "id", &f)
	d.Name = q.Get("name")
	d.IDFrom = q.Get("id_from")
	if q.Has("id_from") && (d.IDFrom == "" || len(d.IDFrom) > 200) {
		f.Add("id_from", "must name a feature property, 1 to 200 characters")
	}
	d.Kind = parseKind(q.Get("kind"), q.Has("kind"), "kind", &f)
	if q.Has("policy") {
		switch p := deconflict.Policy(q.Get("policy")); p {
		case deconflict.PolicyInform, deconflict.PolicyAcknowledge, deconflict.PolicyDeny:
			d.Policy = p
		default:
			f.Add("policy", "must be one of inform, acknowledge, deny (got %q)", clip(string(p)))
		}
	}
	d.AltLowerM = parseFloat(q, "alt_lower_m", &f)
	d.AltUpperM = parseFloat(q, "alt_upper_m", &f)
	d.BufferM = parseFloat(q, "buffer_m", &f)
	for _, t := range []struct {
		name string
		dst  **time.Time
	}{{"start", &d.Start}, {"end", &d.End}} {
		if q.Has(t.name) {
			tm := parseTime(q, t.name, &f)
			*t.dst = &tm
		}
	}
	if q.Has("share_with") {
		for _, s := range strings.Split(q.Get("share_with"), ",") {
			if s = strings.TrimSpace(s); s != "" {
				d.ShareWith = append(d.ShareWith, s)
			}
		}
	}
	return d, f.Err()
}

// decodeImport decodes a FeatureCollection into party's zones, one per
// feature in order, each checked as the domain does. Every feature at fault
// is listed, with paths features[i]...; the result is all zones or none.
func decodeImport(data []byte, party string, d importDefaults, lim deconflict.Limits) ([]deconflict.Zone, error) {
	var b geojsonBody
	if err := decodeStrict(data, "", &b); err != nil {
		return nil, err
	}
	var f deconflict.FieldErrors
	var features []featureBody
	switch {
	case b.Type == nil:
		f.Add("type", "is required: FeatureCollection")
	case *b.Type == "FeatureCollection":
		features = b.Features
		if len(features) == 0 {
			f.Add("features", "must hold at least one feature")
		}
	case *b.Type == "Feature":
		features = []featureBody{{Type: b.Type, ID: b.ID, Geometry: b.Geometry, Properties: b.Properties}}
	default:
		f.Add("type", "must be FeatureCollection (or Feature), not %q", clip(*b.Type))
	}
	zones := make([]deconflict.Zone, 0, len(features))
	firstWithID := map[string]int{}
	for i := range features {
		z, idField := features[i].toZone(i, party, d, &f)
		if z.ID != "" {
			if j, dup := firstWithID[z.ID]; dup {
				f.Add(idField, "id %q is also the id of features[%d]; each zone needs its own", z.ID, j)
			} else {
				firstWithID[z.ID] = i
			}
		}
		if err := z.Validate(lim); err != nil {
			if e, ok := err.(*deconflict.Error); ok {
				for _, fe := range e.Fields {
					if fe.Field == "id" && z.ID == "" {
						continue // already said: the id is missing
					}
					f = append(f, deconflict.FieldError{Field: featurePath(i, fe.Field, idField), Message: fe.Message})
				}
			}
		}
		zones = append(zones, z)
		if len(f) > maxFaults {
			break
		}
	}
	if len(f) > maxFaults {
		f = append(f[:maxFaults], deconflict.FieldError{Field: "features", Message: "more faults not listed; fix these first"})
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return zones, nil
}

// toZone makes feature i a zone. It returns the zone and the path its id
// came from, for faults about the id.
func (ft *featureBody) toZone(i int, party string, d importDefaults, f *deconflict.FieldErrors) (deconflict.Zone, string) {
	base := deconflict.Path("features", i)
	if ft.Type == nil || *ft.Type != "Feature" {
		f.Add(deconflict.Path(base, "type"), "must be Feature")
	}
	var p propertiesBody
	propsPath := deconflict.Path(base, "properties")
	if len(ft.Properties) > 0 {
		if err := decodeStrict(ft.Properties, propsPath, &p); err != nil {
			appendFaults(f, err)
		}
	}
	z := deconflict.Zone{Party: party, Name: d.Name, Kind: d.Kind, Policy: d.Policy, ShareWith: d.ShareWith}
	idField := deconflict.Path(propsPath, "id")
	switch {
	case d.IDFrom != "":
		idField = deconflict.Path(propsPath, d.IDFrom)
		var props map[string]json.RawMessage
		_ = json.Unmarshal(ft.Properties, &props)
		z.ID = idText(props[d.IDFrom], idField, f)
	case p.ID != nil:
		z.ID = idText(p.ID, idField, f)
	case ft.ID != nil:
		idField = deconflict.Path(base, "id")
		z.ID = idText(ft.ID, idField, f)
	default:
		z.ID = d.ID
	}
	if z.ID == "" {
		f.Add(idField, "is required: give each feature an id property (or the query parameter id_from naming the property to use)")
	}
	if p.Name != nil {
		z.Name = *p.Name
	}
	if p.Kind != nil {
		z.Kind = deconflict.ZoneKind(*p.Kind)
	}
	if p.Policy != nil {
		z.Policy = deconflict.Policy(*p.Policy)
	}
	if p.ShareWith != nil {
		z.ShareWith = p.ShareWith
	}
	z.Minima = p.Minima.toMinima()
	v := deconflict.Volume{
		Geometry:  ft.Geometry.toGeometry(deconflict.Path(base, "geometry"), f),
		AltLowerM: pick(p.AltLowerM, d.AltLowerM, deconflict.MinAltitudeM),
		AltUpperM: pick(p.AltUpperM, d.AltUpperM, deconflict.MaxAltitudeM),
		BufferM:   pick(p.BufferM, d.BufferM, 0),
		Start:     p.Start,
		End:       p.End,
	}
	if v.Start == nil {
		v.Start = d.Start
	}
	if v.End == nil {
		v.End = d.End
	}
	z.Volumes = []deconflict.Volume{v}
	return z, idField
}

func pick(own, def *float64, otherwise float64) float64 {
	switch {
	case own != nil:
		return *own
	case def != nil:
		return *def
	}
	return otherwise
}

// idText reads an id given as a JSON string or whole number.
func idText(raw json.RawMessage, path string, f *deconflict.FieldErrors) string {
	if raw == nil || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s == "" {
			f.Add(path, "must not be empty")
		}
		return s
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if _, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return string(n)
		}
	}
	f.Add(path, "must be a string or a whole number to serve as the zone id")
	return "invalid"
}

// featurePath moves the path of a fault in zone i to where it is in the
// GeoJSON: the geometry is the feature's, everything else is a property.
func featurePath(i int, zonePath, idField string) string {
	base := deconflict.Path("features", i)
	switch {
	case zonePath == "id":
		return idField
	case zonePath == "volumes":
		return deconflict.Path(base, "geometry")
	case strings.HasPrefix(zonePath, "volumes[0].geometry"):
		return base + strings.TrimPrefix(zonePath, "volumes[0]")
	case strings.HasPrefix(zonePath, "volumes[0]."):
		return deconflict.Path(base, "properties", strings.TrimPrefix(zonePath, "volumes[0]."))
	}
	return deconflict.Path(base, "properties", zonePath)
}

// appendFaults adds the field faults of an EINVALID error to f.
func appendFaults(f *deconflict.FieldErrors, err error) {
	e, ok := err.(*deconflict.Error)
	if !ok {
		f.Add("(body)", "%s", err.Error())
		return
	}
	if len(e.Fields) == 0 {
		f.Add("(body)", "%s", e.Message)
	}
	*f = append(*f, e.Fields...)
}

func (s *Server) importZones(w http.ResponseWriter, r *http.Request, c deconflict.Caller) error {
	q, err := query(r, importParams...)
	if err != nil {
		return err
	}
	d, err := parseImportDefaults(q)
	if err != nil {
		return err
	}
	data, err := s.readBody(w, r, mediaGeoJSON, mediaJSON)
	if err != nil {
		return err
	}
	zones, err := decodeImport(data, c.Party, d, s.limits)
	if err != nil {
		return err
	}
	out, err := s.cfg.Zones.ImportZones(r.Context(), c, zones)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"zones": normZones(out)})
	return nil
}
