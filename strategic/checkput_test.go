package strategic_test

import (
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/deconflict/deconflict"
)

// TestCheckMatchesPut submits random operations, each right after a check of
// the same volumes, acknowledging what the check showed (by ref or by party,
// id and version), sometimes all of it, sometimes all but one, among zones
// that inform, must be acknowledged or deny. The put must report exactly the
// conflicts the check showed, or refuse with exactly those that block; and
// at the end the stored conflicts must still match the brute-force oracle.
func TestCheckMatchesPut(t *testing.T) {
	checkRuns(t, runs(20, 3), func(rt *rapid.T) {
		settings := deconflict.DefaultSettings()
		if rapid.Bool().Draw(rt, "custom_settings") {
			settings.TimeBuffer = 5 * time.Minute
			settings.OperationMinima = deconflict.Minima{LateralM: 1852, VerticalM: 100}
			settings.ZoneMinima = deconflict.Minima{LateralM: 200, VerticalM: 0}
		}
		w := newWorld(t, rt, settings, []deconflict.Policy{deconflict.PolicyInform, deconflict.PolicyAcknowledge, deconflict.PolicyDeny})
		steps := intBetween(rt, 15, 40, "steps")
		for range steps {
			switch r := intBetween(rt, 0, 99, "action"); {
			case r < 75:
				w.checkedSubmit()
			case r < 85:
				w.cancelOperation()
			default:
				w.putZone()
			}
		}
		w.check(false)
	})
}

// checkedSubmit checks a new or replacing operation, puts it, and compares.
func (w *world) checkedSubmit() {
	party := rapid.SampledFrom(w.parties).Draw(w.t, "party")
	own := w.objects(deconflict.KindOperation, "", false)
	own = slices.DeleteFunc(own, func(o *genObject) bool { return o.key.party != party })
	var id string
	var ifMatch int64
	if len(own) > 0 && rapid.Bool().Draw(w.t, "replace") {
		o := rapid.SampledFrom(own).Draw(w.t, "operation")
		id, ifMatch = o.key.id, o.version
	} else {
		w.count[party]++
		id = "op" + strconv.Itoa(w.count[party])
	}
	caller := deconflict.Caller{Party: party}
	o := &genObject{key: objKey{deconflict.KindOperation, party, id}, vols: w.opVolumes(party), shareWith: w.shareWith(party),
		state: rapid.SampledFrom([]deconflict.OperationState{deconflict.StatePlanned, deconflict.StateActive}).Draw(w.t, "state"), live: true}
	w.t.Logf("%s submits %v (If-Match %d)", party, o.key, ifMatch)

	checked, err := w.svc.CheckConflicts(w.ctx, caller, o.volumes(), o.shareWith)
	if err != nil {
		w.t.Fatalf("check: %v", err)
	}
	// Acknowledge each conflict that needs it, by ref or, when the other
	// side is visible, by party, id and version; perhaps leave one out.
	want := map[string]string{} // ref -> reason it blocks
	var aware []deconflict.AwareOf
	var acks []int
	for i, c := range checked {
		switch c.Policy {
		case deconflict.PolicyDeny:
			want[c.Ref] = deconflict.ReasonDenied
		case deconflict.PolicyAcknowledge:
			acks = append(acks, i)
		}
	}
	skip := -1
	if len(acks) > 0 && intBetween(w.t, 0, 2, "leave_one_out") == 0 {
		skip = rapid.SampledFrom(acks).Draw(w.t, "left_out")
		want[checked[skip].Ref] = deconflict.ReasonNotAcknowledged
	}
	for _, i := range acks {
		c := checked[i]
		switch {
		case i == skip:
		case c.With != nil && rapid.Bool().Draw(w.t, "by_name"):
			aware = append(aware, deconflict.AwareOf{Kind: c.With.Kind, Party: c.With.Party, ID: c.With.ID, Version: c.With.Version})
		default:
			aware = append(aware, deconflict.AwareOf{Ref: c.Ref})
		}
	}
	w.t.Logf("  check shows %d conflicts; %d should block", len(checked), len(want))

	res, err := w.svc.PutOperation(w.ctx, caller, deconflict.Operation{ID: id, State: o.state, Volumes: o.volumes(), ShareWith: o.shareWith, AwareOf: aware}, ifMatch)
	if len(want) > 0 {
		var de *deconflict.Error
		if !errors.As(err, &de) || de.Code != deconflict.ECONFLICT {
			w.t.Fatalf("put of %v: want a 409 listing %d blocking conflicts, got %v", o.key, len(want), err)
		}
		if len(de.Blocking) != len(want) {
			w.t.Fatalf("put of %v lists %d blocking conflicts, the check foresaw %d: %v", o.key, len(de.Blocking), len(want), de.Blocking)
		}
		for _, b := range de.Blocking {
			if want[b.Ref] != b.Reason {
				w.t.Fatalf("put of %v blocks on %s (%s); the check foresaw %v", o.key, conflictJSON(b.Conflict), b.Reason, want)
			}
			sameConflict(w.t, checked, b.Conflict)
		}
		return
	}
	if err != nil {
		w.t.Fatalf("put of %v acknowledging all %d conflicts that need it: %v", o.key, len(acks), err)
	}
	if len(res.Conflicts) != len(checked) {
		w.t.Fatalf("put of %v reports %d conflicts, the check showed %d", o.key, len(res.Conflicts), len(checked))
	}
	for _, c := range res.Conflicts {
		if c.ID == "" || c.State != deconflict.ConflictOpen {
			w.t.Fatalf("put of %v reports %s: not stored as open", o.key, conflictJSON(c))
		}
		sameConflict(w.t, checked, c)
	}
	o.version = res.Operation.Version
	w.remember(o)
}

// sameConflict asserts that checked holds c, as the same party sees it,
// IDs aside (a check stores nothing, so its conflicts have none).
func sameConflict(t *rapid.T, checked []deconflict.Conflict, c deconflict.Conflict) {
	i := slices.IndexFunc(checked, func(x deconflict.Conflict) bool { return x.Ref == c.Ref })
	if i < 0 {
		t.Fatalf("reported %s, which the check did not show", conflictJSON(c))
	}
	x := checked[i]
	x.ID = c.ID
	if x.State == "" {
		x.State = c.State
	}
	if conflictJSON(x) != conflictJSON(c) {
		t.Fatalf("the check showed %s, the put reports %s", conflictJSON(checked[i]), conflictJSON(c))
	}
}
