package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/deconflict/deconflict"
)

func runZones(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "zones", args, map[string]func(context.Context, *env, []string) error{
		"import": zonesImport, "put": zonesPut, "get": zonesGet, "list": zonesList, "delete": zonesDelete,
	})
}

func zonesImport(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "zones import", "FILE.geojson")
	conn := addConn(f, false)
	// Defaults for what a feature's properties leave out; the server applies them.
	defaults := []struct {
		param string
		val   *string
	}{
		{"kind", f.String("kind", "", "", "default kind: protected, airspace, restricted")},
		{"policy", f.String("policy", "", "", "default policy: inform, acknowledge, deny (default: by kind)")},
		{"share_with", f.String("share-with", "", "", "default sharing: comma-separated party ids, group:NAME, all")},
		{"alt_lower_m", f.String("alt-lower-m", "", "", "default lower altitude, metres (default: the lowest there is)")},
		{"alt_upper_m", f.String("alt-upper-m", "", "", "default upper altitude, metres (default: the highest there is)")},
		{"buffer_m", f.String("buffer-m", "", "", "default buffer, metres")},
		{"start", f.String("start", "", "", "default start, RFC 3339 (default: in force since always)")},
		{"end", f.String("end", "", "", "default end, RFC 3339 (default: until further notice)")},
	}
	idFlag := f.String("id", "", "", "id of the zone when the file holds one feature without one (default: the file's name)")
	idProp := f.String("id-property", "", "", "take each feature's id from this property when it has no \"id\" (e.g. adm0_a3)")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	data, err := readInput(pos[0])
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(pos[0]), ".geojson"), ".json")
	fc, err := featureCollection(data, *idFlag, *idProp, base)
	if err != nil {
		if _, ok := err.(usageError); ok {
			return err
		}
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	q := url.Values{}
	for _, d := range defaults {
		if *d.val != "" {
			q.Set(d.param, *d.val)
		}
	}
	c, err := conn.client(false)
	if err != nil {
		return err
	}
	zones, err := c.ImportZones(ctx, fc, q)
	if err != nil {
		return conn.report(e, err)
	}
	if *conn.json {
		return printJSON(e.stdout, map[string]any{"zones": zones})
	}
	fmt.Fprintf(e.stdout, "imported %d zone%s\n", len(zones), plural(len(zones)))
	for _, z := range zones {
		fmt.Fprintf(e.stdout, "  %s\n", fmtZone(z))
	}
	return nil
}

var notIDChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// idFrom makes a valid id of a name found in a file (a property value, a
// file name), so that "Côte d'Ivoire" imports as "C-te-d-Ivoire".
func idFrom(s string) string {
	s = strings.Trim(notIDChars.ReplaceAllString(s, "-"), "-")
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// featureCollection turns a GeoJSON file into the FeatureCollection the
// server imports: a lone Feature or geometry is wrapped, and a feature
// without properties.id gets one from --id-property, its own "id" member,
// --id (one feature only) or the file's name (with "-N" when there are
// several). Everything else is passed as written for the server to judge.
func featureCollection(data []byte, idFlag, idProp, base string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("not a GeoJSON object: %v", err)
	}
	var typ string
	_ = json.Unmarshal(top["type"], &typ)
	var features []map[string]json.RawMessage
	switch typ {
	case "FeatureCollection":
		if err := json.Unmarshal(top["features"], &features); err != nil {
			return nil, fmt.Errorf("\"features\" must be an array of Feature objects: %v", err)
		}
	case "Feature":
		features = []map[string]json.RawMessage{top}
	case "Point", "LineString", "Polygon", "MultiPolygon", "MultiPoint", "MultiLineString", "GeometryCollection":
		features = []map[string]json.RawMessage{{"type": json.RawMessage(`"Feature"`), "geometry": json.RawMessage(data)}}
	default:
		return nil, fmt.Errorf("GeoJSON type %q: want a FeatureCollection, a Feature or a geometry", typ)
	}
	if idFlag != "" && len(features) != 1 {
		return nil, usagef("--id names the zone of a file with one feature; this one has %d (use --id-property)", len(features))
	}
	for i, ft := range features {
		if ft == nil {
			continue // the server names the fault
		}
		props := map[string]json.RawMessage{}
		if raw, ok := ft["properties"]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, &props); err != nil {
				continue // not an object: the server names the fault
			}
		}
		if _, ok := props["id"]; ok {
			continue
		}
		id := ""
		if idProp != "" {
			var s any
			if json.Unmarshal(props[idProp], &s) == nil && s != nil {
				id = idFrom(fmt.Sprint(s))
			}
		}
		if id == "" && idFlag != "" {
			id = idFlag
		}
		if id == "" {
			var s any
			if json.Unmarshal(ft["id"], &s) == nil && s != nil {
				id = idFrom(fmt.Sprint(s))
			}
		}
		if id == "" {
			id = idFrom(base)
			if len(features) > 1 {
				id = idFrom(fmt.Sprintf("%s-%d", base, i+1))
			}
		}
		props["id"], _ = json.Marshal(id)
		ft["properties"], _ = json.Marshal(props)
	}
	out := map[string]any{"type": "FeatureCollection", "features": features}
	return json.Marshal(out)
}

func zonesPut(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "zones put", "FILE")
	conn := addConn(f, false)
	idFlag := f.String("id", "", "", "zone id (default: the file's \"id\")")
	ifMatch := f.Int64("if-match", "", 0, "replace only if the zone is at this version")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	id, body, err := objectFile(pos[0], "zone")
	if err != nil {
		return err
	}
	if *idFlag != "" {
		id = *idFlag
	}
	if id == "" {
		return usagef("zones put: the file has no \"id\"; give one with --id")
	}
	delete(body, "conflicts")
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	c, err := conn.client(false)
	if err != nil {
		return err
	}
	res, err := c.PutZoneJSON(ctx, id, raw, *ifMatch)
	if err != nil {
		return conn.report(e, err)
	}
	if *conn.json {
		return printJSON(e.stdout, map[string]any{"zone": res.Zone, "conflicts": res.Conflicts})
	}
	verb := "replaced"
	if res.Created {
		verb = "created"
	}
	fmt.Fprintf(e.stdout, "%s %s\n", verb, fmtZone(res.Zone))
	printConflicts(e.stdout, res.Conflicts)
	return nil
}

func zonesGet(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "zones get", "ID")
	conn := addConn(f, false)
	party := f.String("party", "", "", "owner of the zone, when it is another party's shared one")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	c, err := conn.client(false)
	if err != nil {
		return err
	}
	z, err := c.GetZone(ctx, *party, pos[0])
	if err != nil {
		return conn.report(e, err)
	}
	if *conn.json {
		return printJSON(e.stdout, map[string]any{"zone": z})
	}
	fmt.Fprintln(e.stdout, fmtZone(z))
	return nil
}

func zonesList(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "zones list", "")
	conn := addConn(f, false)
	kind := f.String("kind", "", "", "only of this kind: protected, airspace, restricted")
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	c, err := conn.client(false)
	if err != nil {
		return err
	}
	zones, err := c.ListZones(ctx, deconflict.ZoneKind(*kind))
	if err != nil {
		return conn.report(e, err)
	}
	if *conn.json {
		if zones == nil {
			zones = []deconflict.Zone{}
		}
		return printJSON(e.stdout, map[string]any{"zones": zones})
	}
	fmt.Fprintf(e.stdout, "%d zone%s\n", len(zones), plural(len(zones)))
	for _, z := range zones {
		fmt.Fprintf(e.stdout, "  %s\n", fmtZone(z))
	}
	return nil
}

func zonesDelete(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "zones delete", "ID")
	conn := addConn(f, false)
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	c, err := conn.client(false)
	if err != nil {
		return err
	}
	if err := c.DeleteZone(ctx, pos[0]); err != nil {
		return conn.report(e, err)
	}
	if !*conn.json {
		fmt.Fprintf(e.stdout, "zone %s deleted\n", pos[0])
	}
	return nil
}
