package strategic_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/geo"
	"github.com/deconflict/deconflict/strategic"
)

// TestPipelineMatchesBruteForce drives the whole strategic pipeline (cell
// coverings, the candidate search in SQLite, the catch-up inside the writer,
// awareness, stored conflicts and their updates) with random submissions,
// and checks the open conflicts it stores against a brute-force oracle that
// judges every pair of live objects of different parties, volume pair by
// volume pair, with the exact predicate: the index must never miss a
// conflict nor the pipeline invent one.
func TestPipelineMatchesBruteForce(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings deconflict.Settings
		runs     int
	}{
		{"default settings", deconflict.DefaultSettings(), runs(12, 3)},
		{"time buffer and custom minima", func() deconflict.Settings {
			s := deconflict.DefaultSettings()
			s.TimeBuffer = 10 * time.Minute
			s.OperationMinima = deconflict.Minima{LateralM: 3_000, VerticalM: 150}
			s.ZoneMinima = deconflict.Minima{LateralM: 500, VerticalM: 30}
			return s
		}(), runs(8, 2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkRuns(t, tc.runs, func(rt *rapid.T) {
				w := newWorld(t, rt, tc.settings, []deconflict.Policy{deconflict.PolicyInform})
				steps := intBetween(rt, 20, 60, "steps")
				for i := range steps {
					w.step()
					if i%8 == 7 {
						w.check(false)
					}
				}
				w.check(true)
			})
		})
	}
}

// expected is a conflict the oracle finds, sides in record order: the
// operation first, and of two operations the lesser (party, id).
type expected struct {
	a, b   *genObject
	policy deconflict.Policy
	window deconflict.Window
	minD   float64
	pairs  []string // the conflicting volume pairs, described for a failure
}

// pairKey names an unordered pair of objects.
func pairKey(x, y objKey) string {
	s, u := x.String(), y.String()
	if s > u {
		s, u = u, s
	}
	return s + " ~ " + u
}

// oracle judges every pair of live objects of different parties that can
// conflict (operation–operation, operation–zone) over all their volume pairs.
func (w *world) oracle() map[string]expected {
	out := map[string]expected{}
	ops := w.objects(deconflict.KindOperation, "", true)
	zones := w.objects(deconflict.KindZone, "", true)
	tb := w.settings.TimeBuffer
	for i, a := range ops {
		for _, b := range ops[i+1:] {
			if a.key.party == b.key.party {
				continue
			}
			x, y := a, b
			if cmp.Or(cmp.Compare(y.key.party, x.key.party), cmp.Compare(y.key.id, x.key.id)) < 0 {
				x, y = y, x
			}
			m := w.settings.OperationMinima
			if e, ok := w.judgePair(x, y, geo.Minima{LateralM: m.LateralM, VerticalM: m.VerticalM, TimeBuffer: tb}); ok {
				e.policy = deconflict.PolicyAcknowledge
				out[pairKey(x.key, y.key)] = e
			}
		}
		for _, z := range zones {
			if z.key.party == a.key.party {
				continue
			}
			m := w.zoneMinima(z)
			if e, ok := w.judgePair(a, z, geo.Minima{LateralM: m.LateralM, VerticalM: m.VerticalM, TimeBuffer: tb}); ok {
				e.policy = z.policy
				out[pairKey(a.key, z.key)] = e
			}
		}
	}
	return out
}

// judgePair applies the predicate to every volume pair of a and b. It also
// holds geo.Conflicts to SPEC §3 written out, so that a fault of geo does
// not pass for one of the pipeline.
func (w *world) judgePair(a, b *genObject, m geo.Minima) (expected, bool) {
	e := expected{a: a, b: b, minD: math.Inf(1)}
	found := false
	for i, va := range a.vols {
		for j, vb := range b.vols {
			x, y := va.geo, vb.geo
			d := geo.Distance(x.Footprint, y.Footprint)
			reach := x.BufferM + y.BufferM + m.LateralM
			gap := math.Max(x.AltLowerM-y.AltUpperM, y.AltLowerM-x.AltUpperM)
			start, end := x.Start.Add(-m.TimeBuffer), x.End.Add(m.TimeBuffer)
			spec := start.Before(y.End) && y.Start.Before(end) && (gap <= 0 || gap < m.VerticalM) && (d == 0 || d < reach)
			got := geo.Conflicts(x, y, m)
			if got != spec {
				w.t.Fatalf("geo.Conflicts = %v but SPEC §3 says %v for %v[%d] and %v[%d]: distance %.4f m, reach %.4f m, altitude gap %g m",
					got, spec, a.key, i, b.key, j, d, reach, gap)
			}
			if !got {
				continue
			}
			win := deconflict.Window{Start: maxTime(start, y.Start), End: minTime(end, y.End)}
			if !win.End.After(oracleNow) {
				continue // over before the service's now: not reported
			}
			if !found || win.Start.Before(e.window.Start) {
				e.window.Start = win.Start
			}
			if !found || win.End.After(e.window.End) {
				e.window.End = win.End
			}
			found = true
			e.minD = math.Min(e.minD, d)
			e.pairs = append(e.pairs, fmt.Sprintf("[%d]x[%d] distance %.3f m < reach %.3f m", i, j, d, reach))
		}
	}
	return e, found
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// check compares the service's open conflicts with the oracle's; full also
// asks the service to check every live operation afresh.
func (w *world) check(full bool) {
	want := w.oracle()
	recs, err := w.store.Conflicts(w.ctx, deconflict.ConflictFilter{State: deconflict.ConflictOpen})
	if err != nil {
		w.t.Fatal(err)
	}
	got := map[string]deconflict.ConflictRecord{}
	for _, r := range recs {
		k := pairKey(keyOfRef(r.A), keyOfRef(r.B))
		if old, dup := got[k]; dup {
			w.t.Fatalf("two open conflicts %s and %s for %s", old.ID, r.ID, k)
		}
		got[k] = r
	}
	var faults []string
	for _, k := range sortedKeys(want) {
		if _, ok := got[k]; !ok {
			faults = append(faults, "missed "+k+": "+w.describe(want[k]))
		}
	}
	for _, k := range sortedKeys(got) {
		if _, ok := want[k]; !ok {
			faults = append(faults, fmt.Sprintf("invented %s: stored %s, min distance %.3f m", k, recordJSON(got[k]), got[k].MinDistanceM))
		}
	}
	if len(faults) > 0 {
		w.t.Fatalf("open conflicts differ from the oracle's (%d stored, %d expected):\n%s", len(got), len(want), strings.Join(faults, "\n"))
	}
	for k, r := range got {
		e := want[k]
		if r.A != e.a.ref() || r.B != e.b.ref() {
			w.t.Fatalf("%s: stored sides %v, %v; want %v, %v (current versions, record order)", k, r.A, r.B, e.a.ref(), e.b.ref())
		}
		if r.Policy != e.policy {
			w.t.Fatalf("%s: policy %s, want %s", k, r.Policy, e.policy)
		}
		if tol := math.Max(1, 0.005*e.minD); math.Abs(r.MinDistanceM-e.minD) > tol {
			w.t.Fatalf("%s: min_distance_m %.4f, want %.4f (±%.3f)", k, r.MinDistanceM, e.minD, tol)
		}
		if !r.Window.Start.Equal(e.window.Start) || !r.Window.End.Equal(e.window.End) {
			w.t.Fatalf("%s: window %s – %s, want %s – %s", k, r.Window.Start, r.Window.End, e.window.Start, e.window.End)
		}
	}
	views := w.checkViews(recs)
	if full {
		w.checkFresh(recs, views)
	}
}

// checkViews checks that each party lists exactly its open conflicts, with
// the stored distance where it may see the other side; it returns each
// party's views by conflict ID.
func (w *world) checkViews(recs []deconflict.ConflictRecord) map[string]map[string]deconflict.Conflict {
	out := map[string]map[string]deconflict.Conflict{}
	for _, p := range w.parties {
		cs, err := w.svc.Conflicts(w.ctx, deconflict.Caller{Party: p}, deconflict.ConflictOpen)
		if err != nil {
			w.t.Fatal(err)
		}
		byID := map[string]deconflict.Conflict{}
		for _, c := range cs {
			byID[c.ID] = c
		}
		n := 0
		for _, r := range recs {
			if r.A.Party != p && r.B.Party != p {
				continue
			}
			n++
			c, ok := byID[r.ID]
			if !ok {
				w.t.Fatalf("party %s does not list its conflict %s", p, recordJSON(r))
			}
			if c.With != nil {
				other, _ := r.Other(p)
				if *c.With != other || c.MinDistanceM == nil || *c.MinDistanceM != r.MinDistanceM {
					w.t.Fatalf("party %s sees conflict %s as %s", p, recordJSON(r), conflictJSON(c))
				}
			}
		}
		if n != len(cs) {
			w.t.Fatalf("party %s lists %d open conflicts, the store holds %d of it", p, len(cs), n)
		}
		out[p] = byID
	}
	return out
}

// checkFresh asks the service, and a new one on the same store with nothing
// cached, to check each live operation's volumes as if submitted again: the
// answer must name exactly the objects its stored conflicts name (by ref, as
// its party sees them).
func (w *world) checkFresh(recs []deconflict.ConflictRecord, views map[string]map[string]deconflict.Conflict) {
	cold, err := strategic.New(w.ctx, w.store, strategic.Config{Settings: w.settings, Now: func() time.Time { return oracleNow }})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, svc := range []*strategic.Service{w.svc, cold} {
		w.checkFreshWith(svc, recs, views)
	}
}

func (w *world) checkFreshWith(svc *strategic.Service, recs []deconflict.ConflictRecord, views map[string]map[string]deconflict.Conflict) {
	for _, o := range w.objects(deconflict.KindOperation, "", true) {
		var want []string
		for _, r := range recs {
			if keyOfRef(r.A) == o.key || keyOfRef(r.B) == o.key {
				want = append(want, views[o.key.party][r.ID].Ref)
			}
		}
		cs, err := svc.CheckConflicts(w.ctx, deconflict.Caller{Party: o.key.party}, o.volumes(), o.shareWith)
		if err != nil {
			w.t.Fatalf("check %v: %v", o.key, err)
		}
		var have []string
		for _, c := range cs {
			have = append(have, c.Ref)
		}
		slices.Sort(want)
		slices.Sort(have)
		if !slices.Equal(want, have) {
			w.t.Fatalf("checking %v again finds %d conflicts, it has %d stored", o.key, len(have), len(want))
		}
	}
}

// describe shows a missed conflict with what a reproduction needs.
func (w *world) describe(e expected) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", strings.Join(e.pairs, "; "))
	for _, o := range []*genObject{e.a, e.b} {
		fmt.Fprintf(&b, "\n    %v v%d:", o.key, o.version)
		for i, v := range o.vols {
			js, _ := json.Marshal(v.vol)
			fmt.Fprintf(&b, "\n      [%d] %s", i, js)
		}
	}
	return b.String()
}

func recordJSON(r deconflict.ConflictRecord) string { js, _ := json.Marshal(r); return string(js) }

func conflictJSON(c deconflict.Conflict) string { js, _ := json.Marshal(c); return string(js) }
