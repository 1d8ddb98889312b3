package api

import (
	"encoding/json"
	"time"

	"github.com/deconflict/deconflict"
)

// geometryBody is a GeoJSON geometry as a request carries it. bbox is a
// member RFC 7946 allows on any geometry; it is accepted and ignored (the
// footprint is computed from the coordinates).
type geometryBody struct {
	Type        *string         `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
	BBox        json.RawMessage `json:"bbox"`
}

// volumeBody is a volume as a request carries it. Altitudes are pointers so
// that a missing one can be told from 0: operations must give them, zones
// may leave them out.
type volumeBody struct {
	Geometry  *geometryBody `json:"geometry"`
	BufferM   *float64      `json:"buffer_m"`
	AltLowerM *float64      `json:"alt_lower_m"`
	AltUpperM *float64      `json:"alt_upper_m"`
	Start     *time.Time    `json:"start"`
	End       *time.Time    `json:"end"`
}

// toGeometry checks that a geometry names its type and coordinates; package
// geo checks the rest when the service compiles it.
func (g *geometryBody) toGeometry(path string, f *deconflict.FieldErrors) deconflict.Geometry {
	if g == nil {
		f.Add(path, "is required: a GeoJSON Point, LineString, Polygon or MultiPolygon")
		return deconflict.Geometry{}
	}
	var out deconflict.Geometry
	if g.Type == nil || *g.Type == "" {
		f.Add(deconflict.Path(path, "type"), "is required: Point, LineString, Polygon or MultiPolygon")
	} else {
		out.Type = *g.Type
	}
	if g.Coordinates == nil {
		f.Add(deconflict.Path(path, "coordinates"), "is required")
	}
	out.Coordinates = g.Coordinates
	return out
}

// toVolume converts a volume body. For operations (needAltitudes) the
// altitudes are required; for zones a missing one spans all altitudes.
func (v *volumeBody) toVolume(path string, needAltitudes bool, f *deconflict.FieldErrors) deconflict.Volume {
	out := deconflict.Volume{
		Geometry:  v.Geometry.toGeometry(deconflict.Path(path, "geometry"), f),
		AltLowerM: deconflict.MinAltitudeM,
		AltUpperM: deconflict.MaxAltitudeM,
		Start:     v.Start,
		End:       v.End,
	}
	if v.BufferM != nil {
		out.BufferM = *v.BufferM
	}
	if v.AltLowerM != nil {
		out.AltLowerM = *v.AltLowerM
	} else if needAltitudes {
		f.Add(deconflict.Path(path, "alt_lower_m"), "is required for an operation volume (metres)")
	}
	if v.AltUpperM != nil {
		out.AltUpperM = *v.AltUpperM
	} else if needAltitudes {
		f.Add(deconflict.Path(path, "alt_upper_m"), "is required for an operation volume (metres)")
	}
	return out
}

func toVolumes(vs []volumeBody, needAltitudes bool, f *deconflict.FieldErrors) []deconflict.Volume {
	if vs == nil {
		return nil
	}
	out := make([]deconflict.Volume, len(vs))
	for i := range vs {
		out[i] = vs[i].toVolume(deconflict.Path("volumes", i), needAltitudes, f)
	}
	return out
}

// minimaBody is a zone's own separation minima; a member left out is 0.
type minimaBody struct {
	LateralM  *float64 `json:"lateral_m"`
	VerticalM *float64 `json:"vertical_m"`
}

func (m *minimaBody) toMinima() *deconflict.Minima {
	if m == nil {
		return nil
	}
	var out deconflict.Minima
	if m.LateralM != nil {
		out.LateralM = *m.LateralM
	}
	if m.VerticalM != nil {
		out.VerticalM = *m.VerticalM
	}
	return &out
}

// sameOrAbsent refuses a body member that repeats what the path or the
// credentials already say, unless it says the same: a client may send back
// what it read, but cannot move an object by editing its body.
func sameOrAbsent(f *deconflict.FieldErrors, field string, got *string, want, what string) {
	if got != nil && *got != want {
		f.Add(field, "is %s (%q) and cannot be changed by the body; leave it out or give %q", what, want, want)
	}
}
