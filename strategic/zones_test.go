package strategic_test

import (
	"strings"
	"testing"

	"github.com/deconflict/deconflict"
)

func zone(id string, kind deconflict.ZoneKind, policy deconflict.Policy, g deconflict.Geometry) deconflict.Zone {
	// All altitudes, as the API makes of a zone volume without altitudes.
	v := deconflict.Volume{Geometry: g, AltLowerM: deconflict.MinAltitudeM, AltUpperM: deconflict.MaxAltitudeM}
	return deconflict.Zone{ID: id, Kind: kind, Policy: policy, Volumes: []deconflict.Volume{v}}
}

func (e *env) putZone(caller string, z deconflict.Zone) deconflict.PutZoneResult {
	e.t.Helper()
	res, err := e.svc.PutZone(e.ctx, party(caller), z, 0)
	if err != nil {
		e.t.Fatalf("%s puts zone %s: %v", caller, z.ID, err)
	}
	return res
}

func TestZonePolicies(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	// Zones without altitudes span them all; zones have no minima by default.
	e.putZone("alpha", zone("exercise", deconflict.ZoneRestricted, "", square(30, 40, 0.1)))
	e.putZone("alpha", zone("airspace", deconflict.ZoneAirspace, "", square(31, 40, 0.1)))
	hosp := zone("hospital", deconflict.ZoneProtected, deconflict.PolicyDeny, point(32, 40))
	hosp.Volumes[0].BufferM = 500
	hosp.ShareWith = []string{"all"}
	e.putZone("alpha", hosp)

	// inform: reported, accepted.
	res := e.mustPut("bravo", op("b-inform", vol(square(30.05, 40, 0.1), 0, 60)), 0)
	if len(res.Conflicts) != 1 || res.Conflicts[0].Policy != deconflict.PolicyInform {
		t.Fatalf("inform zone: %v", res.Conflicts)
	}
	assertHidden(t, res.Conflicts[0], "alpha", "exercise")

	// acknowledge (airspace by default): blocked until named by ref.
	_, err := e.put("bravo", op("b-ack", vol(square(31.05, 40, 0.1), 0, 60)), 0)
	bs := blocked(t, err)
	if bs[0].Policy != deconflict.PolicyAcknowledge || bs[0].Reason != deconflict.ReasonNotAcknowledged {
		t.Fatalf("airspace: %+v", bs)
	}
	ack := op("b-ack", vol(square(31.05, 40, 0.1), 0, 60))
	ack.AwareOf = []deconflict.AwareOf{awareRef(bs[0].Ref)}
	e.mustPut("bravo", ack, 0)

	// A party's own zones are no conflict for it.
	if res := e.mustPut("alpha", op("a-own", vol(square(32.0, 40.0, 0.01), 0, 60)), 0); len(res.Conflicts) != 0 {
		t.Fatalf("own zone conflicts: %v", res.Conflicts)
	}
	if _, err := e.svc.CancelOperation(e.ctx, party("alpha"), "a-own", 0); err != nil {
		t.Fatal(err)
	}

	// deny: blocked whatever aware_of says.
	deny := op("b-deny", vol(square(32.0, 40.0, 0.01), 0, 60))
	_, err = e.put("bravo", deny, 0)
	bs = blocked(t, err)
	if bs[0].Reason != deconflict.ReasonDenied || bs[0].With == nil || bs[0].With.Kind != deconflict.KindZone {
		t.Fatalf("denying zone: %s", describe(bs[0].Conflict))
	}
	deny.AwareOf = []deconflict.AwareOf{{Kind: deconflict.KindZone, Party: "alpha", ID: "hospital", Version: 1}, awareRef(bs[0].Ref)}
	bs = blocked(t, func() error { _, err := e.put("bravo", deny, 0); return err }())
	if bs[0].Reason != deconflict.ReasonDenied {
		t.Fatalf("reason %q", bs[0].Reason)
	}
	// Just clear of the hospital's 500 m buffer: 0.01° of latitude is 1,112 m,
	// so a square of half-side 0.005° starting 0.006° north is 667 m away.
	clear := op("b-deny", vol(square(32.0, 40.011, 0.005), 0, 60))
	if res := e.mustPut("bravo", clear, 0); len(res.Conflicts) != 0 {
		t.Fatalf("clear of the hospital: %v", res.Conflicts)
	}
}

func TestZoneMinimaOverride(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	plain := zone("plain", deconflict.ZoneProtected, deconflict.PolicyAcknowledge, point(20, 0))
	e.putZone("alpha", plain)
	wide := zone("wide", deconflict.ZoneProtected, deconflict.PolicyAcknowledge, point(21, 0))
	wide.Minima = &deconflict.Minima{LateralM: 5000}
	e.putZone("alpha", wide)
	// 3 km (0.027° of the equator) from each point.
	if res := e.mustPut("bravo", op("near-plain", vol(point(20.027, 0), 0, 60)), 0); len(res.Conflicts) != 0 {
		t.Fatalf("3 km from a zone without minima conflicts: %v", res.Conflicts)
	}
	blocked(t, func() error { _, err := e.put("bravo", op("near-wide", vol(point(21.027, 0), 0, 60)), 0); return err }())

	// A zone with a vertical minimum reaches that far above its ceiling.
	high := zone("ceiling", deconflict.ZoneRestricted, deconflict.PolicyAcknowledge, square(22, 0, 0.1))
	high.Volumes[0].AltLowerM, high.Volumes[0].AltUpperM = 0, 4800
	high.Minima = &deconflict.Minima{VerticalM: 300}
	e.putZone("alpha", high)
	blocked(t, func() error { _, err := e.put("bravo", op("above", vol(point(22, 0), 0, 60)), 0); return err }())
	high.Volumes[0].AltUpperM = 4600
	if _, err := e.svc.PutZone(e.ctx, party("alpha"), high, 1); err != nil {
		t.Fatal(err)
	}
	if res := e.mustPut("bravo", op("above", vol(point(22, 0), 0, 60)), 0); len(res.Conflicts) != 0 {
		t.Fatalf("400 m above a zone with a 300 m minimum: %v", res.Conflicts)
	}
}

func TestZonePutStoresConflictsAndDeleteClosesThem(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	b := op("b1", vol(square(30, 40, 0.05), 0, 60))
	b.ShareWith = []string{"alpha"}
	e.mustPut("bravo", b, 0)
	e.mustPut("charlie", op("c1", vol(square(50, 40, 0.05), 0, 60)), 0)

	z := zone("z1", deconflict.ZoneAirspace, "", square(30, 40, 0.2))
	res := e.putZone("alpha", z)
	if !res.Created || res.Zone.Version != 1 || res.Zone.Policy != deconflict.PolicyAcknowledge || len(res.Conflicts) != 1 {
		t.Fatalf("zone put %+v", res)
	}
	if w := res.Conflicts[0].With; w == nil || w.Party != "bravo" || w.ID != "b1" {
		t.Fatalf("alpha sees %s", describe(res.Conflicts[0]))
	}
	bc := e.conflicts("bravo", deconflict.ConflictOpen)
	if len(bc) != 1 {
		t.Fatalf("bravo sees %v", bc)
	}
	assertHidden(t, bc[0], "alpha", "z1")

	// The zone grows to cover charlie too: the same conflict with bravo, a new one with charlie.
	z.Volumes[0].Geometry = geometry("Polygon", [][][2]float64{{{29, 39}, {51, 39}, {51, 41}, {29, 41}, {29, 39}}})
	res2, err := e.svc.PutZone(e.ctx, party("alpha"), z, 0) // If-Match is optional for zones
	if err != nil {
		t.Fatal(err)
	}
	if res2.Zone.Version != 2 || len(res2.Conflicts) != 2 {
		t.Fatalf("zone replaced %+v", res2)
	}
	ids := map[string]bool{res2.Conflicts[0].ID: true, res2.Conflicts[1].ID: true}
	if !ids[res.Conflicts[0].ID] {
		t.Fatalf("the conflict with bravo changed id")
	}
	_, err = e.svc.PutZone(e.ctx, party("alpha"), z, 1)
	wantCode(t, err, deconflict.EPRECONDITION)

	if err := e.svc.DeleteZone(e.ctx, party("alpha"), "z1"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.svc.DeleteZone(e.ctx, party("alpha"), "z1"), deconflict.ENOTFOUND)
	for _, r := range e.records() {
		if r.State != deconflict.ConflictClosed || r.ClosedReason != "deleted" {
			t.Fatalf("after delete: %+v", r)
		}
	}
	// Created again, the zone continues its versions, so an old
	// acknowledgement cannot stand for the new zone.
	res3 := e.putZone("alpha", z)
	if res3.Zone.Version != 3 || !res3.Created {
		t.Fatalf("zone created again: %+v", res3.Zone)
	}
}

func TestZoneReads(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	e.putZone("alpha", zone("private", deconflict.ZoneProtected, "", point(1, 1)))
	pub := zone("public", deconflict.ZoneAirspace, "", square(2, 2, 1))
	pub.ShareWith = []string{"all"}
	e.putZone("alpha", pub)
	_, err := e.svc.Zone(e.ctx, party("bravo"), "alpha", "private")
	wantCode(t, err, deconflict.ENOTFOUND)
	if z, err := e.svc.Zone(e.ctx, party("bravo"), "alpha", "public"); err != nil || z.Kind != deconflict.ZoneAirspace {
		t.Fatalf("public zone: %+v, %v", z, err)
	}
	zs, err := e.svc.Zones(e.ctx, party("bravo"), "")
	if err != nil || len(zs) != 1 || zs[0].ID != "public" {
		t.Fatalf("bravo's zones %v, %v", zs, err)
	}
	zs, err = e.svc.Zones(e.ctx, party("alpha"), deconflict.ZoneProtected)
	if err != nil || len(zs) != 1 || zs[0].ID != "private" {
		t.Fatalf("alpha's protected zones %v, %v", zs, err)
	}
}

func TestImportFaultMessagesNameTheFeature(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	good := zone("z-good", deconflict.ZoneRestricted, "", square(5, 5, 1))
	// A ring that touches itself at (1,1): the message names the other position.
	bowtie := zone("z-bow", deconflict.ZoneRestricted, "", geometry("Polygon",
		[][][2]float64{{{0, 0}, {2, 0}, {1, 1}, {2, 2}, {0, 2}, {1, 1}, {0, 0}}}))
	_, err := e.svc.ImportZones(e.ctx, party("alpha"), []deconflict.Zone{good, bowtie})
	de := wantCode(t, err, deconflict.EINVALID)
	if len(de.Fields) == 0 || de.Fields[0].Field != "features[1].geometry.coordinates[0][5]" ||
		!strings.Contains(de.Fields[0].Message, "features[1].geometry.coordinates[0][2]") ||
		strings.Contains(de.Fields[0].Message, "volumes[") {
		t.Fatalf("fault %+v should name features[1]'s positions, not volumes[0]'s", de.Fields)
	}
}

func TestImportZonesAllOrNothing(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	good := zone("z-good", deconflict.ZoneRestricted, "", square(5, 5, 1))
	bad := zone("z-bad", deconflict.ZoneRestricted, "", geometry("Polygon", [][][2]float64{{{0, 0}, {1, 1}, {0, 0}}}))
	bad.Volumes[0].AltLowerM, bad.Volumes[0].AltUpperM = 100, 50
	dup := zone("z-good", deconflict.ZoneRestricted, "", square(6, 6, 1))
	unknownKind := zone("z-kind", "volcano", "", square(7, 7, 1))

	_, err := e.svc.ImportZones(e.ctx, party("alpha"), []deconflict.Zone{good, bad, dup, unknownKind})
	de := wantCode(t, err, deconflict.EINVALID)
	var fields []string
	for _, f := range de.Fields {
		fields = append(fields, f.Field)
	}
	joined := strings.Join(fields, " ")
	for _, want := range []string{"features[1].geometry", "features[1].properties.alt_lower_m", "features[2].properties.id", "features[3].properties.kind"} {
		if !strings.Contains(joined, want) {
			t.Fatalf("fields %v lack %s", fields, want)
		}
	}
	if zs, _ := e.svc.Zones(e.ctx, party("alpha"), ""); len(zs) != 0 {
		t.Fatalf("a refused import stored %v", zs)
	}

	shared := zone("z-two", deconflict.ZoneAirspace, "", square(8, 8, 1))
	shared.ShareWith = []string{"nobody"}
	_, err = e.svc.ImportZones(e.ctx, party("alpha"), []deconflict.Zone{good, shared})
	de = wantCode(t, err, deconflict.EINVALID)
	if de.Fields[0].Field != "features[1].properties.share_with[0]" {
		t.Fatalf("fields %+v", de.Fields)
	}
	if zs, _ := e.svc.Zones(e.ctx, party("alpha"), ""); len(zs) != 0 {
		t.Fatalf("a refused import stored %v", zs)
	}

	shared.ShareWith = []string{"group:coalition"}
	zs, err := e.svc.ImportZones(e.ctx, party("alpha"), []deconflict.Zone{good, shared})
	if err != nil || len(zs) != 2 || zs[1].Version != 1 || zs[1].Party != "alpha" {
		t.Fatalf("import: %+v, %v", zs, err)
	}
	zs, err = e.svc.ImportZones(e.ctx, party("alpha"), []deconflict.Zone{good})
	if err != nil || zs[0].Version != 2 {
		t.Fatalf("import again replaces: %+v, %v", zs, err)
	}
}
