package strategic_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/deconflict/deconflict"
)

// Alpha flies over 36.0E 35.0N; bravo's plan crosses it.
func TestHiddenConflictBlocksUntilAcknowledgedByRef(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	e.mustPut("alpha", op("secret-sortie", vol(square(36.0, 35.0, 0.05), 0, 60)), 0)

	_, err := e.put("bravo", op("bravo-plan", vol(square(36.02, 35.01, 0.05), 30, 90)), 0)
	bs := blocked(t, err)
	if len(bs) != 1 || bs[0].Reason != deconflict.ReasonNotAcknowledged || bs[0].Policy != deconflict.PolicyAcknowledge {
		t.Fatalf("blocking %+v", bs)
	}
	assertHidden(t, bs[0].Conflict, "alpha", "secret-sortie")
	if strings.Contains(err.Error(), "alpha") || strings.Contains(err.Error(), "secret-sortie") {
		t.Fatalf("409 message leaks the hidden object: %v", err)
	}
	if w := bs[0].Window; !w.Start.Equal(t0.Add(30*60e9)) || !w.End.Equal(t0.Add(60*60e9)) {
		t.Fatalf("window %v, want the overlap 07:30-08:00", w)
	}
	if r := bs[0].Region; r[0] > 35.95 || r[2] < 36.07 || r[1] > 34.95 || r[3] < 35.06 {
		t.Fatalf("rounded region %v does not hold the overlap", r)
	}

	// Guessing the hidden object's party, id and version is no acknowledgement.
	guess := op("bravo-plan", vol(square(36.02, 35.01, 0.05), 30, 90))
	guess.AwareOf = []deconflict.AwareOf{awareOf("alpha", "secret-sortie", 1)}
	blocked(t, func() error { _, err := e.put("bravo", guess, 0); return err }())

	ok := op("bravo-plan", vol(square(36.02, 35.01, 0.05), 30, 90))
	ok.AwareOf = []deconflict.AwareOf{awareRef(bs[0].Ref)}
	res := e.mustPut("bravo", ok, 0)
	if !res.Created || res.Operation.Version != 1 || len(res.Conflicts) != 1 {
		t.Fatalf("accepted %+v", res)
	}
	c := res.Conflicts[0]
	assertHidden(t, c, "alpha", "secret-sortie")
	if c.ID == "" || c.State != deconflict.ConflictOpen || c.Ref != bs[0].Ref {
		t.Fatalf("stored conflict as bravo sees it: %s", describe(c))
	}

	// Both see the stored conflict; neither shared, so neither sees the other.
	for _, p := range []string{"alpha", "bravo"} {
		cs := e.conflicts(p, deconflict.ConflictOpen)
		if len(cs) != 1 || cs[0].ID != c.ID {
			t.Fatalf("%s sees %v", p, cs)
		}
	}
	assertHidden(t, e.conflicts("alpha", "")[0], "bravo", "bravo-plan")
	if cs := e.conflicts("charlie", ""); len(cs) != 0 {
		t.Fatalf("a third party sees %v", cs)
	}
}

func TestSharedConflictShowsDetailsAndAcceptsPartyIDVersion(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	a := op("a1", vol(square(36.0, 35.0, 0.05), 0, 60))
	a.ShareWith = []string{"bravo"}
	e.mustPut("alpha", a, 0)

	b := op("b1", vol(point(36.13, 35.0), 10, 50))
	b.Volumes[0].BufferM = 1000
	b.ShareWith = []string{"group:coalition"}
	_, err := e.put("bravo", b, 0)
	bs := blocked(t, err)
	c := bs[0].Conflict
	if c.With == nil || *c.With != (deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: "alpha", ID: "a1", Version: 1}) {
		t.Fatalf("with %+v", c.With)
	}
	// The point is 0.08° of longitude east of the square's edge at 35°N:
	// about 7.3 km, under the 9,260 m minimum plus the point's 1 km buffer.
	want := 0.08 * math.Pi / 180 * deconflict.EarthRadiusM * math.Cos(35*math.Pi/180)
	if c.MinDistanceM == nil || math.Abs(*c.MinDistanceM-want) > 0.005*want {
		t.Fatalf("min distance %v, want about %.0f m", c.MinDistanceM, want)
	}

	b.AwareOf = []deconflict.AwareOf{awareOf("alpha", "a1", 1)}
	res := e.mustPut("bravo", b, 0)
	if len(res.Conflicts) != 1 || res.Conflicts[0].With == nil {
		t.Fatalf("conflicts %v", res.Conflicts)
	}
	// Bravo shared with the coalition, of which alpha is a member.
	ac := e.conflicts("alpha", deconflict.ConflictOpen)
	if len(ac) != 1 || ac[0].With == nil || ac[0].With.Party != "bravo" || ac[0].With.ID != "b1" || ac[0].MinDistanceM == nil {
		t.Fatalf("alpha sees %s", describe(ac[0]))
	}
	// Named with the kind too, still fine; with the wrong kind, not.
	b.AwareOf = []deconflict.AwareOf{{Kind: deconflict.KindZone, Party: "alpha", ID: "a1", Version: 1}}
	blocked(t, func() error { _, err := e.put("bravo", b, 1); return err }())
	b.AwareOf = []deconflict.AwareOf{{Kind: deconflict.KindOperation, Party: "alpha", ID: "a1", Version: 1}}
	e.mustPut("bravo", b, 1)
}

func TestReplaceKeepsConflictAndMovingAwayClosesIt(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	a := op("a1", vol(square(36.0, 35.0, 0.05), 0, 60))
	a.ShareWith = []string{"all"}
	e.mustPut("alpha", a, 0)
	b := op("b1", vol(square(36.05, 35.0, 0.05), 0, 60))
	b.AwareOf = []deconflict.AwareOf{awareOf("alpha", "a1", 1)}
	first := e.mustPut("bravo", b, 0).Conflicts[0]

	_, err := e.put("bravo", b, 0)
	wantCode(t, err, deconflict.EPRECONDITIONMISSING)
	_, err = e.put("bravo", b, 7)
	wantCode(t, err, deconflict.EPRECONDITION)
	_, err = e.put("bravo", op("nope", vol(square(0, 0, 0.01), 0, 10)), 1)
	wantCode(t, err, deconflict.EPRECONDITION)

	b.Volumes[0] = vol(square(36.06, 35.0, 0.05), 0, 45)
	res := e.mustPut("bravo", b, 1)
	if res.Created || res.Operation.Version != 2 || len(res.Conflicts) != 1 {
		t.Fatalf("replace %+v", res)
	}
	if res.Conflicts[0].ID != first.ID || !res.Conflicts[0].Window.End.Equal(t0.Add(45*60e9)) {
		t.Fatalf("replaced conflict %s, first %s", describe(res.Conflicts[0]), describe(first))
	}
	recs := e.records()
	if len(recs) != 1 || recs[0].A.Version+recs[0].B.Version != 3 {
		t.Fatalf("records %+v", recs)
	}

	// A fresh acknowledgement is needed for each version, of the other's current version.
	b.Volumes[0] = vol(square(40, 35.0, 0.05), 0, 45)
	b.AwareOf = nil
	res = e.mustPut("bravo", b, 2)
	if len(res.Conflicts) != 0 {
		t.Fatalf("moved away but conflicts %v", res.Conflicts)
	}
	recs = e.records()
	if len(recs) != 1 || recs[0].State != deconflict.ConflictClosed || recs[0].ClosedReason != "changed" || recs[0].ID != first.ID {
		t.Fatalf("records after moving away %+v", recs)
	}
	if cs := e.conflicts("alpha", deconflict.ConflictOpen); len(cs) != 0 {
		t.Fatalf("alpha still has open conflicts %v", cs)
	}
	if cs := e.conflicts("alpha", deconflict.ConflictClosed); len(cs) != 1 || cs[0].State != deconflict.ConflictClosed {
		t.Fatalf("alpha's closed conflicts %v", cs)
	}
}

func TestStaleAwareOfBlocks(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	a := op("a1", vol(square(36.0, 35.0, 0.05), 0, 60))
	a.ShareWith = []string{"all"}
	e.mustPut("alpha", a, 0)
	b := op("b1", vol(square(36.05, 35.0, 0.05), 0, 60))
	b.AwareOf = []deconflict.AwareOf{awareOf("alpha", "a1", 1)}
	e.mustPut("bravo", b, 0)

	// Alpha changes its operation: it now has to acknowledge bravo's.
	a.Volumes[0] = vol(square(36.01, 35.0, 0.05), 0, 60)
	bs := blocked(t, func() error { _, err := e.put("alpha", a, 1); return err }())
	if bs[0].With != nil || bs[0].ID == "" {
		t.Fatalf("alpha blocked by %s; want the stored conflict, bravo hidden", describe(bs[0].Conflict))
	}
	a.AwareOf = []deconflict.AwareOf{awareRef(bs[0].Ref)}
	e.mustPut("alpha", a, 1)

	// Bravo's acknowledgement of version 1 no longer holds.
	stale := blocked(t, func() error { _, err := e.put("bravo", b, 1); return err }())
	if stale[0].With.Version != 2 {
		t.Fatalf("blocking names %+v, want alpha's version 2", stale[0].With)
	}
	b.AwareOf = []deconflict.AwareOf{awareOf("alpha", "a1", 2)}
	e.mustPut("bravo", b, 1)
}

func TestCancelClosesConflicts(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	e.mustPut("alpha", op("a1", vol(square(36.0, 35.0, 0.05), 0, 60)), 0)
	_, err := e.put("bravo", op("b1", vol(square(36.0, 35.0, 0.05), 0, 60)), 0)
	ref := blocked(t, err)[0].Ref
	b := op("b1", vol(square(36.0, 35.0, 0.05), 0, 60))
	b.AwareOf = []deconflict.AwareOf{awareRef(ref)}
	e.mustPut("bravo", b, 0)

	_, err = e.svc.CancelOperation(e.ctx, party("alpha"), "a1", 5)
	wantCode(t, err, deconflict.EPRECONDITION)
	_, err = e.svc.CancelOperation(e.ctx, party("bravo"), "a1", 0)
	wantCode(t, err, deconflict.ENOTFOUND)
	got, err := e.svc.CancelOperation(e.ctx, party("alpha"), "a1", 1)
	if err != nil || got.State != deconflict.StateCancelled || got.Version != 2 {
		t.Fatalf("cancel: %+v, %v", got, err)
	}
	recs := e.records()
	if len(recs) != 1 || recs[0].State != deconflict.ConflictClosed || recs[0].ClosedReason != "cancelled" {
		t.Fatalf("records %+v", recs)
	}
	// Cancelled operations are not candidates any more: only bravo's blocks charlie.
	_, err = e.put("charlie", op("c1", vol(square(36.0, 35.0, 0.05), 0, 60)), 0)
	if bs := blocked(t, err); len(bs) != 1 {
		t.Fatalf("charlie blocked by %d conflicts, want 1 (bravo's)", len(bs))
	}
	again, err := e.svc.CancelOperation(e.ctx, party("alpha"), "a1", 0)
	if err != nil || again.Version != 2 {
		t.Fatalf("cancelling twice: %+v, %v", again, err)
	}
}

func TestClosingAnOperationClosesItsConflicts(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	a := op("a1", vol(square(36.0, 35.0, 0.05), 0, 60))
	a.ShareWith = []string{"all"}
	e.mustPut("alpha", a, 0)
	b := op("b1", vol(square(36.0, 35.0, 0.05), 0, 60))
	b.AwareOf = []deconflict.AwareOf{awareOf("alpha", "a1", 1)}
	e.mustPut("bravo", b, 0)
	a.State = deconflict.StateClosed
	res := e.mustPut("alpha", a, 1)
	if len(res.Conflicts) != 0 || res.Operation.State != deconflict.StateClosed {
		t.Fatalf("closing: %+v", res)
	}
	if recs := e.records(); recs[0].ClosedReason != "closed" {
		t.Fatalf("records %+v", recs)
	}
}

func TestOwnOperationsNeverConflict(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	for _, id := range []string{"a1", "a2", "a3"} {
		if res := e.mustPut("alpha", op(id, vol(square(36.0, 35.0, 0.05), 0, 60)), 0); len(res.Conflicts) != 0 {
			t.Fatalf("own operations conflict: %v", res.Conflicts)
		}
	}
}

func TestTimeSemantics(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	e.mustPut("alpha", op("a1", vol(square(36.0, 35.0, 0.05), 0, 60)), 0)
	// Back to back: bravo starts when alpha ends.
	if res := e.mustPut("bravo", op("b1", vol(square(36.0, 35.0, 0.05), 60, 120)), 0); len(res.Conflicts) != 0 {
		t.Fatalf("back-to-back windows conflict: %v", res.Conflicts)
	}
	if res := e.mustPut("charlie", op("c1", vol(square(36.0, 35.0, 0.05), -60, 0)), 0); len(res.Conflicts) != 0 {
		t.Fatalf("back-to-back windows conflict: %v", res.Conflicts)
	}

	settings := deconflict.DefaultSettings()
	settings.TimeBuffer = 5 * 60e9
	e2 := newEnv(t, settings)
	e2.mustPut("alpha", op("a1", vol(square(36.0, 35.0, 0.05), 0, 60)), 0)
	_, err := e2.put("bravo", op("b1", vol(square(36.0, 35.0, 0.05), 64, 120)), 0)
	bs := blocked(t, err)
	if len(bs) != 1 {
		t.Fatalf("time buffer: %v", bs)
	}
	if res := e2.mustPut("charlie", op("c1", vol(square(36.0, 35.0, 0.05), 66, 120)), 0); len(res.Conflicts) != 0 {
		t.Fatalf("6 minutes apart with a 5 minute buffer conflict: %v", res.Conflicts)
	}
}

func TestVerticalMinimum(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	e.mustPut("alpha", op("a1", vol(square(36.0, 35.0, 0.05), 0, 60)), 0) // 5,000-6,000 m
	near := op("b1", vol(square(36.0, 35.0, 0.05), 0, 60))
	near.Volumes[0].AltLowerM, near.Volumes[0].AltUpperM = 6200, 7000 // 200 m above: under 304.8 m
	blocked(t, func() error { _, err := e.put("bravo", near, 0); return err }())
	far := op("c1", vol(square(36.0, 35.0, 0.05), 0, 60))
	far.Volumes[0].AltLowerM, far.Volumes[0].AltUpperM = 6400, 7000 // 400 m above
	if res := e.mustPut("charlie", far, 0); len(res.Conflicts) != 0 {
		t.Fatalf("400 m apart conflict: %v", res.Conflicts)
	}
}

func TestLateralMinimumWithBuffers(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	e.mustPut("alpha", op("a1", vol(point(36.0, 0), 0, 60)), 0)
	// 0.1° of the equator is 11,119.5 m; minimum 9,260 m.
	if res := e.mustPut("bravo", op("b1", vol(point(36.1, 0), 0, 60)), 0); len(res.Conflicts) != 0 {
		t.Fatalf("11.1 km apart conflict: %v", res.Conflicts)
	}
	// With 1 km buffers on each side it needs 11,260 m.
	a := op("a2", vol(point(36.0, 10), 0, 60))
	a.Volumes[0].BufferM = 1000
	e.mustPut("alpha", a, 0)
	c := op("c1", vol(point(36.1, 10), 0, 60))
	c.Volumes[0].BufferM = 1000
	blocked(t, func() error { _, err := e.put("charlie", c, 0); return err }())
}

func TestShareWithUnknownTargetIsInvalid(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	o := op("a1", vol(square(36.0, 35.0, 0.05), 0, 60))
	o.ShareWith = []string{"bravo", "nobody", "group:coalition", "group:nothing", "all"}
	de := wantCode(t, func() error { _, err := e.put("alpha", o, 0); return err }(), deconflict.EINVALID)
	if len(de.Fields) != 2 || de.Fields[0].Field != "share_with[1]" || de.Fields[1].Field != "share_with[3]" {
		t.Fatalf("fields %+v", de.Fields)
	}
	if _, err := e.svc.Operation(e.ctx, party("alpha"), "", "a1"); deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
		t.Fatalf("refused operation was stored: %v", err)
	}
}

func TestValidationListsEveryFault(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	bad := op("a1",
		vol(square(36.0, 35.0, 0.05), 0, 60),
		vol(geometry("Polygon", [][][2]float64{{{0, 0}, {1, 0}, {1, 1}}}), 0, 60), // unclosed, too short
		vol(square(36.0, 35.0, 0.05), 60, 0),                                      // end before start
	)
	de := wantCode(t, func() error { _, err := e.put("alpha", bad, 0); return err }(), deconflict.EINVALID)
	var fields []string
	for _, f := range de.Fields {
		fields = append(fields, f.Field)
	}
	joined := strings.Join(fields, " ")
	if !strings.Contains(joined, "volumes[1].geometry") || !strings.Contains(joined, "volumes[2].end") {
		t.Fatalf("fields %v, want volumes[1].geometry... and volumes[2].end", fields)
	}
	_, err := e.svc.PutOperation(e.ctx, deconflict.Caller{Admin: true}, op("x", vol(square(0, 0, 1), 0, 1)), 0)
	wantCode(t, err, deconflict.EFORBIDDEN)
}

func TestNeedToKnowOnReads(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	hidden := op("hidden", vol(square(36.0, 35.0, 0.05), 0, 60))
	e.mustPut("alpha", hidden, 0)
	shared := op("shared", vol(square(10.0, 50.0, 0.05), 0, 60))
	shared.ShareWith = []string{"group:coalition"}
	shared.AwareOf = []deconflict.AwareOf{awareOf("bravo", "whatever", 3)}
	e.mustPut("alpha", shared, 0)

	_, missing := e.svc.Operation(e.ctx, party("bravo"), "alpha", "nothing-here")
	_, hiddenErr := e.svc.Operation(e.ctx, party("bravo"), "alpha", "hidden")
	wantCode(t, hiddenErr, deconflict.ENOTFOUND)
	if strings.ReplaceAll(missing.Error(), "nothing-here", "hidden") != hiddenErr.Error() {
		t.Fatalf("hidden and missing differ: %q vs %q", hiddenErr, missing)
	}
	_, err := e.svc.Operation(e.ctx, party("bravo"), "alpha", "shared")
	wantCode(t, err, deconflict.ENOTFOUND)
	got, err := e.svc.Operation(e.ctx, party("charlie"), "alpha", "shared")
	if err != nil || got.ID != "shared" || len(got.AwareOf) != 0 {
		t.Fatalf("charlie reads the coalition's operation: %+v, %v", got, err)
	}
	own, err := e.svc.Operation(e.ctx, party("alpha"), "", "shared")
	if err != nil || len(own.AwareOf) != 1 {
		t.Fatalf("alpha reads its own: %+v, %v", own, err)
	}

	list := func(caller string, q deconflict.OperationQuery) []string {
		ops, err := e.svc.Operations(e.ctx, party(caller), q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, o := range ops {
			ids = append(ids, o.Party+"/"+o.ID)
		}
		return ids
	}
	if got := strings.Join(list("bravo", deconflict.OperationQuery{}), ","); got != "" {
		t.Fatalf("bravo lists %s", got)
	}
	if got := strings.Join(list("charlie", deconflict.OperationQuery{}), ","); got != "alpha/shared" {
		t.Fatalf("charlie lists %s", got)
	}
	if got := strings.Join(list("alpha", deconflict.OperationQuery{}), ","); got != "alpha/hidden,alpha/shared" {
		t.Fatalf("alpha lists %s", got)
	}
	box := [4]float64{35, 34, 37, 36}
	if got := strings.Join(list("alpha", deconflict.OperationQuery{BBox: &box}), ","); got != "alpha/hidden" {
		t.Fatalf("alpha lists in %v: %s", box, got)
	}
	_, err = e.svc.Operations(e.ctx, party("alpha"), deconflict.OperationQuery{BBox: &[4]float64{0, 10, 1, 5}})
	wantCode(t, err, deconflict.EINVALID)
}

func TestBBoxAcrossTheAntimeridian(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	e.mustPut("alpha", op("east", vol(square(179.9, -17, 0.05), 0, 60)), 0)
	e.mustPut("alpha", op("west", vol(square(-179.9, -17, 0.05), 0, 60)), 0)
	e.mustPut("alpha", op("far", vol(square(0, -17, 0.05), 0, 60)), 0)
	box := [4]float64{179.5, -18, -179.5, -16}
	ops, err := e.svc.Operations(e.ctx, party("alpha"), deconflict.OperationQuery{BBox: &box})
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 || ops[0].ID != "east" || ops[1].ID != "west" {
		js, _ := json.Marshal(ops)
		t.Fatalf("ops in box across the antimeridian: %s", js)
	}
}

func TestCheckConflictsStoresNothing(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	a := op("a1", vol(square(36.0, 35.0, 0.05), 0, 60))
	a.ShareWith = []string{"bravo"}
	e.mustPut("alpha", a, 0)
	high := op("c1", vol(square(36.0, 35.0, 0.05), 0, 60)) // 1,000 m above alpha's
	high.Volumes[0].AltLowerM, high.Volumes[0].AltUpperM = 7000, 8000
	e.mustPut("charlie", high, 0)
	check := vol(square(36.0, 35.0, 0.1), 30, 40)
	check.AltUpperM = 8000
	cs, err := e.svc.CheckConflicts(e.ctx, party("bravo"), []deconflict.Volume{check}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 {
		t.Fatalf("check: %v", cs)
	}
	var shown, hidden int
	for _, c := range cs {
		if c.ID != "" || c.State != deconflict.ConflictOpen {
			t.Fatalf("check answered a stored-looking conflict %s", describe(c))
		}
		if c.With != nil {
			shown++
		} else {
			assertHidden(t, c, "charlie", "c1")
			hidden++
		}
	}
	if shown != 1 || hidden != 1 {
		t.Fatalf("shown %d hidden %d", shown, hidden)
	}
	if recs := e.records(); len(recs) != 0 {
		t.Fatalf("check stored %v", recs)
	}
	_, err = e.svc.CheckConflicts(e.ctx, party("bravo"), []deconflict.Volume{vol(square(36.0, 35.0, 0.1), 30, 40)}, []string{"ghost"})
	wantCode(t, err, deconflict.EINVALID)
}

func TestSweepClosesEndedConflicts(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	a := op("a1", vol(square(36.0, 35.0, 0.05), 0, 60), vol(square(36.0, 35.0, 0.05), 120, 180))
	a.ShareWith = []string{"all"}
	e.mustPut("alpha", a, 0)
	b := op("b1", vol(square(36.0, 35.0, 0.05), 0, 30))
	b.AwareOf = []deconflict.AwareOf{awareOf("alpha", "a1", 1)}
	e.mustPut("bravo", b, 0)
	c := op("c1", vol(square(36.0, 35.0, 0.05), 150, 170))
	c.ShareWith = []string{"all"}
	c.AwareOf = []deconflict.AwareOf{awareOf("alpha", "a1", 1)}
	e.mustPut("charlie", c, 0)

	if n, err := e.svc.Sweep(e.ctx); err != nil || n != 0 {
		t.Fatalf("sweep before anything ended: %d, %v", n, err)
	}
	e.clock.Set(t0.Add(30 * 60e9)) // bravo's conflict ends exactly now
	if n, err := e.svc.Sweep(e.ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	open := e.conflicts("alpha", deconflict.ConflictOpen)
	if len(open) != 1 || open[0].With.Party != "charlie" {
		t.Fatalf("alpha's open conflicts after the sweep %v", open)
	}
	closed := e.conflicts("bravo", deconflict.ConflictClosed)
	if len(closed) != 1 {
		t.Fatalf("bravo's closed %v", closed)
	}
	for _, r := range e.records() {
		if r.A.Party == "bravo" || r.B.Party == "bravo" {
			if r.ClosedReason != "ended" {
				t.Fatalf("closed for %q", r.ClosedReason)
			}
		}
	}
	// An ended conflict is not reopened, nor does it need acknowledging, when
	// bravo changes its plan after the fact.
	b.AwareOf = nil
	b.Callsign = "LATE"
	if res := e.mustPut("bravo", b, 1); len(res.Conflicts) != 0 {
		t.Fatalf("ended conflict came back: %v", res.Conflicts)
	}
}
