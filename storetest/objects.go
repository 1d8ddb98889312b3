package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

// volume is a point volume at lon, lat over [start, end).
func volume(lon, lat float64, start, end time.Time) deconflict.Volume {
	coords, _ := json.Marshal([2]float64{lon, lat})
	return deconflict.Volume{
		Geometry: deconflict.Geometry{Type: "Point", Coordinates: coords},
		BufferM:  2000, AltLowerM: 5500, AltUpperM: 6500, Start: &start, End: &end,
	}
}

func operation(party, id string, state deconflict.OperationState, start, end time.Time, share ...string) deconflict.Operation {
	if share == nil {
		share = []string{}
	}
	return deconflict.Operation{
		Party: party, ID: id, Version: 1, Callsign: "RFF" + id, State: state,
		Volumes:   []deconflict.Volume{volume(36.1, 35.9, start, end)},
		ShareWith: share, AwareOf: []deconflict.AwareOf{},
		CreatedAt: t0, UpdatedAt: t0,
	}
}

func putOps(t *testing.T, s deconflict.Store, ops ...deconflict.Operation) {
	t.Helper()
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		for _, op := range ops {
			if err := tx.PutOperation(ctx, op); err != nil {
				return err
			}
		}
		return nil
	})
}

func opIDs(ops []deconflict.Operation) []string {
	ids := []string{}
	for _, op := range ops {
		ids = append(ids, op.Party+"/"+op.ID)
	}
	return ids
}

func testOperations(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	mustParty(t, s, "usaf", "ru-af")
	op := operation("usaf", "strike-1", deconflict.StatePlanned, at(7, 20), at(7, 40), "ru-af", "group:coalition")
	op.Aircraft = "F-16"
	op.AwareOf = []deconflict.AwareOf{{Kind: deconflict.KindOperation, Party: "ru-af", ID: "su24", Version: 3}, {Ref: "r-opaque"}}
	op.Volumes = append(op.Volumes, deconflict.Volume{
		Geometry: deconflict.Geometry{Type: "LineString", Coordinates: json.RawMessage(`[[35.95,35.8],[36.1,35.95]]`)},
		BufferM:  1500.5, AltLowerM: -10, AltUpperM: 12000.25, Start: ptr(at(7, 30)), End: ptr(at(9, 0).Add(123456789)),
	})
	putOps(t, s, op)

	got, err := s.Operation(ctx, "usaf", "strike-1")
	if err != nil {
		t.Fatalf("Operation: %v", err)
	}
	sameJSON(t, "operation as stored", got, op)

	// Replacing keeps one operation, the new version.
	op2 := op
	op2.Version, op2.State, op2.UpdatedAt = 2, deconflict.StateActive, at(8, 0)
	op2.Volumes = op.Volumes[:1]
	op2.ShareWith = []string{}
	putOps(t, s, op2)
	got, _ = s.Operation(ctx, "usaf", "strike-1")
	sameJSON(t, "operation after replacing", got, op2)
	all, err := s.Operations(ctx, deconflict.OperationFilter{})
	if err != nil || len(all) != 1 {
		t.Fatalf("Operations after a replace = %q, %v; want the one operation", opIDs(all), err)
	}
	// The replaced sharing is gone: ru-af no longer sees it.
	vis, _ := s.Operations(ctx, deconflict.OperationFilter{Visible: &deconflict.Audience{Party: "ru-af"}})
	if len(vis) != 0 {
		t.Fatalf("after unsharing, ru-af still sees %q", opIDs(vis))
	}

	_, err = s.Operation(ctx, "usaf", "nope")
	wantCode(t, "missing operation", err, deconflict.ENOTFOUND)
	_, err = s.Operation(ctx, "ru-af", "strike-1")
	wantCode(t, "operation looked up under another party", err, deconflict.ENOTFOUND)

	err = writeErr(s, func(ctx context.Context, tx deconflict.Tx) error {
		return tx.PutOperation(ctx, operation("ghost", "x", deconflict.StatePlanned, at(1, 0), at(2, 0)))
	})
	wantCode(t, "operation of an unknown party", err, deconflict.EINVALID, deconflict.ENOTFOUND)
}

func ptr[T any](v T) *T { return &v }

func testOperationFilters(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	mustParty(t, s, "p1", "p2", "p3", "p4")
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		return tx.PutGroup(ctx, deconflict.Group{Name: "g", Members: []string{"p3"}})
	})
	putOps(t, s,
		operation("p1", "a", deconflict.StatePlanned, at(10, 0), at(11, 0)),
		operation("p1", "b", deconflict.StateActive, at(12, 0), at(13, 0), "p2"),
		operation("p2", "c", deconflict.StatePlanned, at(10, 0), at(11, 0), "group:g"),
		operation("p2", "d", deconflict.StateClosed, at(14, 0), at(15, 0), "all"),
		operation("p3", "e", deconflict.StateCancelled, at(9, 0), at(10, 0)),
	)
	p3 := &deconflict.Audience{Party: "p3", Groups: []string{"g"}}
	cases := []struct {
		name string
		f    deconflict.OperationFilter
		want []string
	}{
		{"all", deconflict.OperationFilter{}, []string{"p1/a", "p1/b", "p2/c", "p2/d", "p3/e"}},
		{"visible to p1: own and shared with all", deconflict.OperationFilter{Visible: &deconflict.Audience{Party: "p1"}}, []string{"p1/a", "p1/b", "p2/d"}},
		{"visible to p2: own, by party id, all", deconflict.OperationFilter{Visible: &deconflict.Audience{Party: "p2"}}, []string{"p1/b", "p2/c", "p2/d"}},
		{"visible to p3: own, by group, all", deconflict.OperationFilter{Visible: p3}, []string{"p2/c", "p2/d", "p3/e"}},
		{"visible to p4: only all", deconflict.OperationFilter{Visible: &deconflict.Audience{Party: "p4"}}, []string{"p2/d"}},
		{"visible to p4 as a member of g by its audience", deconflict.OperationFilter{Visible: &deconflict.Audience{Party: "p4", Groups: []string{"g"}}}, []string{"p2/c", "p2/d"}},
		{"party", deconflict.OperationFilter{Party: "p2"}, []string{"p2/c", "p2/d"}},
		{"state planned", deconflict.OperationFilter{State: deconflict.StatePlanned}, []string{"p1/a", "p2/c"}},
		{"state active", deconflict.OperationFilter{State: deconflict.StateActive}, []string{"p1/b"}},
		{"from: ending after 13:00 (an end at 13:00 is not after)", deconflict.OperationFilter{From: at(13, 0)}, []string{"p2/d"}},
		{"from 12:59", deconflict.OperationFilter{From: at(12, 59)}, []string{"p1/b", "p2/d"}},
		{"to: starting before 10:00 (a start at 10:00 is not before)", deconflict.OperationFilter{To: at(10, 0)}, []string{"p3/e"}},
		{"window 10:30 to 12:30", deconflict.OperationFilter{From: at(10, 30), To: at(12, 30)}, []string{"p1/a", "p1/b", "p2/c"}},
		{"limit", deconflict.OperationFilter{Limit: 2}, []string{"p1/a", "p1/b"}},
		{"visible, state and limit", deconflict.OperationFilter{Visible: &deconflict.Audience{Party: "p2"}, State: deconflict.StatePlanned, Limit: 5}, []string{"p2/c"}},
		{"nothing", deconflict.OperationFilter{Party: "p4"}, []string{}},
	}
	for _, c := range cases {
		got, err := s.Operations(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sameJSON(t, c.name, opIDs(got), c.want)
	}
}

func zone(party, id string, kind deconflict.ZoneKind, share ...string) deconflict.Zone {
	if share == nil {
		share = []string{}
	}
	v := volume(36.2, 36.0, t0, t0)
	v.Start, v.End = nil, nil // in force since always, until further notice
	return deconflict.Zone{
		Party: party, ID: id, Version: 1, Name: "zone " + id, Kind: kind, Policy: kind.DefaultPolicy(),
		Volumes: []deconflict.Volume{v}, ShareWith: share, CreatedAt: t0, UpdatedAt: t0,
	}
}

func zoneIDs(zs []deconflict.Zone) []string {
	ids := []string{}
	for _, z := range zs {
		ids = append(ids, z.Party+"/"+z.ID)
	}
	return ids
}

func testZones(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	mustParty(t, s, "tr", "sy", "un")
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		return tx.PutGroup(ctx, deconflict.Group{Name: "nato", Members: []string{"un"}})
	})
	hospital := zone("un", "hospital-7", deconflict.ZoneProtected, "all")
	hospital.Minima = &deconflict.Minima{LateralM: 500, VerticalM: 100}
	border := zone("tr", "border", deconflict.ZoneAirspace, "group:nato")
	exercise := zone("sy", "exercise", deconflict.ZoneRestricted)
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		for _, z := range []deconflict.Zone{hospital, border, exercise} {
			if err := tx.PutZone(ctx, z); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.Zone(ctx, "un", "hospital-7")
	if err != nil {
		t.Fatalf("Zone: %v", err)
	}
	sameJSON(t, "zone as stored", got, hospital)

	cases := []struct {
		name string
		f    deconflict.ZoneFilter
		want []string
	}{
		{"all", deconflict.ZoneFilter{}, []string{"sy/exercise", "tr/border", "un/hospital-7"}},
		{"kind", deconflict.ZoneFilter{Kind: deconflict.ZoneAirspace}, []string{"tr/border"}},
		{"party", deconflict.ZoneFilter{Party: "sy"}, []string{"sy/exercise"}},
		{"visible to sy", deconflict.ZoneFilter{Visible: &deconflict.Audience{Party: "sy"}}, []string{"sy/exercise", "un/hospital-7"}},
		{"visible to un by group", deconflict.ZoneFilter{Visible: &deconflict.Audience{Party: "un", Groups: []string{"nato"}}}, []string{"tr/border", "un/hospital-7"}},
		{"limit", deconflict.ZoneFilter{Limit: 1}, []string{"sy/exercise"}},
	}
	for _, c := range cases {
		got, err := s.Zones(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sameJSON(t, c.name, zoneIDs(got), c.want)
	}

	// Replace, then delete.
	border2 := border
	border2.Version, border2.Policy, border2.ShareWith = 2, deconflict.PolicyDeny, []string{"all"}
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.PutZone(ctx, border2) })
	got, _ = s.Zone(ctx, "tr", "border")
	sameJSON(t, "zone after replacing", got, border2)
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.DeleteZone(ctx, "tr", "border") })
	_, err = s.Zone(ctx, "tr", "border")
	wantCode(t, "deleted zone", err, deconflict.ENOTFOUND)
	if zs, _ := s.Zones(ctx, deconflict.ZoneFilter{Visible: &deconflict.Audience{Party: "sy"}}); len(zs) != 2 {
		t.Fatalf("after deleting, sy sees %q", zoneIDs(zs))
	}
	err = writeErr(s, func(ctx context.Context, tx deconflict.Tx) error { return tx.DeleteZone(ctx, "tr", "border") })
	wantCode(t, "deleting a missing zone", err, deconflict.ENOTFOUND)
}

func conflict(id string, a, b deconflict.ObjectRef, state deconflict.ConflictState) deconflict.ConflictRecord {
	return deconflict.ConflictRecord{
		ID: id, State: state, Policy: deconflict.PolicyAcknowledge, A: a, B: b,
		Window: deconflict.Window{Start: at(7, 20), End: at(7, 40)}, MinDistanceM: 1234.5,
		Region: [4]float64{35.9, 35.7, 36.2, 36.0}, OpenedAt: at(6, 0), UpdatedAt: at(6, 0),
	}
}

func confIDs(cs []deconflict.ConflictRecord) []string {
	ids := []string{}
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func testConflicts(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	mustParty(t, s, "p1", "p2", "p3")
	opA := deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: "p1", ID: "a", Version: 1}
	opB := deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: "p2", ID: "b", Version: 4}
	zoneB := deconflict.ObjectRef{Kind: deconflict.KindZone, Party: "p2", ID: "b", Version: 1}
	opC := deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: "p3", ID: "c", Version: 2}
	c1 := conflict("c1", opA, opB, deconflict.ConflictOpen)
	c2 := conflict("c2", opA, zoneB, deconflict.ConflictOpen)
	c3 := conflict("c3", opC, opB, deconflict.ConflictClosed)
	c3.ClosedReason = "cancelled"
	c3.Window.End = at(7, 30)
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		for _, c := range []deconflict.ConflictRecord{c3, c1, c2} {
			if err := tx.PutConflict(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.Conflicts(ctx, deconflict.ConflictFilter{})
	if err != nil {
		t.Fatalf("Conflicts: %v", err)
	}
	sameJSON(t, "conflicts as stored, in id order", got, []deconflict.ConflictRecord{c1, c2, c3})

	// Replacing by ID.
	c1.State, c1.ClosedReason, c1.UpdatedAt, c1.B.Version = deconflict.ConflictClosed, "changed", at(6, 30), 5
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.PutConflict(ctx, c1) })

	cases := []struct {
		name string
		f    deconflict.ConflictFilter
		want []string
	}{
		{"party on side a", deconflict.ConflictFilter{Party: "p1"}, []string{"c1", "c2"}},
		{"party on side b", deconflict.ConflictFilter{Party: "p2"}, []string{"c1", "c2", "c3"}},
		{"state open", deconflict.ConflictFilter{State: deconflict.ConflictOpen}, []string{"c2"}},
		{"state closed", deconflict.ConflictFilter{State: deconflict.ConflictClosed}, []string{"c1", "c3"}},
		{"object, any version", deconflict.ConflictFilter{Object: &deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: "p2", ID: "b", Version: 99}}, []string{"c1", "c3"}},
		{"object of another kind, same id", deconflict.ConflictFilter{Object: &zoneB}, []string{"c2"}},
		{"object and state", deconflict.ConflictFilter{Object: &opA, State: deconflict.ConflictClosed}, []string{"c1"}},
		{"party and limit", deconflict.ConflictFilter{Party: "p2", Limit: 2}, []string{"c1", "c2"}},
		{"none", deconflict.ConflictFilter{Party: "p9"}, []string{}},
		{"ended by the end of the earliest", deconflict.ConflictFilter{EndedBy: at(7, 30)}, []string{"c3"}},
		{"ended by the end of all", deconflict.ConflictFilter{EndedBy: at(7, 40)}, []string{"c1", "c2", "c3"}},
		{"ended before any ends", deconflict.ConflictFilter{EndedBy: at(7, 29)}, []string{}},
		{"open and ended", deconflict.ConflictFilter{State: deconflict.ConflictOpen, EndedBy: at(7, 40)}, []string{"c2"}},
	}
	for _, c := range cases {
		got, err := s.Conflicts(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sameJSON(t, c.name, confIDs(got), c.want)
	}
	got, _ = s.Conflicts(ctx, deconflict.ConflictFilter{Object: &opA, State: deconflict.ConflictClosed})
	sameJSON(t, "replaced conflict", got, []deconflict.ConflictRecord{c1})
}

func testMeta(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	_, err := s.Meta(ctx, "admin_token_hash")
	wantCode(t, "unset setting", err, deconflict.ENOTFOUND)
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		if err := tx.SetMeta(ctx, "k", []byte{0, 1, 2, 255}); err != nil {
			return err
		}
		return tx.SetMeta(ctx, "empty", []byte{})
	})
	if v, err := s.Meta(ctx, "k"); err != nil || string(v) != "\x00\x01\x02\xff" {
		t.Fatalf("Meta = %q, %v; want the bytes set", v, err)
	}
	if v, err := s.Meta(ctx, "empty"); err != nil || len(v) != 0 {
		t.Fatalf("empty Meta = %q, %v; want an empty value", v, err)
	}
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.SetMeta(ctx, "k", []byte("two")) })
	if v, _ := s.Meta(ctx, "k"); string(v) != "two" {
		t.Fatalf("Meta after overwrite = %q, want two", v)
	}
}
