package strategic_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/accounts"
	"github.com/deconflict/deconflict/sqlite"
	"github.com/deconflict/deconflict/strategic"
)

// The world of a pipeline property test: a real service on a real SQLite
// store, driven by random submissions, and a model of what was accepted
// that the brute-force oracle judges.

// objKey names an object of the model, version left out.
type objKey struct {
	kind      deconflict.ObjectKind
	party, id string
}

func keyOfRef(r deconflict.ObjectRef) objKey { return objKey{r.Kind, r.Party, r.ID} }

func (k objKey) String() string { return fmt.Sprintf("%s %s/%s", k.kind, k.party, k.id) }

// genObject is the model of one operation or zone as last accepted.
type genObject struct {
	key       objKey
	version   int64
	live      bool // a planned or active operation, or a zone not deleted
	state     deconflict.OperationState
	vols      []genVolume
	shareWith []string
	policy    deconflict.Policy  // zones
	minima    *deconflict.Minima // zones: their own, if any
}

func (o *genObject) ref() deconflict.ObjectRef {
	return deconflict.ObjectRef{Kind: o.key.kind, Party: o.key.party, ID: o.key.id, Version: o.version}
}

func (o *genObject) volumes() []deconflict.Volume {
	out := make([]deconflict.Volume, len(o.vols))
	for i, v := range o.vols {
		out[i] = v.vol
	}
	return out
}

// world is one run: the service under test and the model beside it.
type world struct {
	t        *rapid.T
	ctx      context.Context
	store    *sqlite.Store
	svc      *strategic.Service
	settings deconflict.Settings
	parties  []string
	sites    []site
	policies []deconflict.Policy // the policies zones draw from
	objs     map[objKey]*genObject
	order    []objKey // creation order: draws never depend on map order
	count    map[string]int
}

// newWorld opens a fresh store in a directory of outer's, with 2 to 4
// parties (the first two in group "g"), and a service on it whose clock
// stands at oracleNow.
func newWorld(outer *testing.T, t *rapid.T, settings deconflict.Settings, policies []deconflict.Policy) *world {
	dir, err := os.MkdirTemp(outer.TempDir(), "run")
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(filepath.Join(dir, "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(); os.RemoveAll(dir) })
	ctx := context.Background()
	acc := accounts.New(st)
	admin := deconflict.Caller{Admin: true}
	n := rapid.IntRange(2, 4).Draw(t, "parties")
	parties := make([]string, n)
	for i := range parties {
		parties[i] = "p" + strconv.Itoa(i)
		if _, _, err := acc.CreateParty(ctx, admin, deconflict.Party{ID: parties[i], Name: parties[i]}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := acc.PutGroup(ctx, admin, deconflict.Group{Name: "g", Members: parties[:2]}); err != nil {
		t.Fatal(err)
	}
	svc, err := strategic.New(ctx, st, strategic.Config{Settings: settings, Now: func() time.Time { return oracleNow }})
	if err != nil {
		t.Fatal(err)
	}
	sites := rapid.SliceOfNDistinct(rapid.SampledFrom(oracleSites), 1, 2, func(s site) string { return s.name }).Draw(t, "sites")
	return &world{t: t, ctx: ctx, store: st, svc: svc, settings: settings, parties: parties, sites: sites,
		policies: policies, objs: map[objKey]*genObject{}, count: map[string]int{}}
}

// checkRuns is rapid.Check with n runs, unless -rapid.checks or
// RAPID_CHECKS asks for another number: each run opens a store and makes
// dozens of durable writes, so rapid's default of 100 would be too slow.
// It sets the flag for its duration: not for parallel tests.
func checkRuns(t *testing.T, n int, prop func(*rapid.T)) {
	t.Helper()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "rapid.checks" })
	if _, ok := os.LookupEnv("RAPID_CHECKS"); ok {
		explicit = true
	}
	if f := flag.Lookup("rapid.checks"); f != nil && !explicit {
		old := f.Value.String()
		if err := f.Value.Set(strconv.Itoa(n)); err != nil {
			t.Fatal(err)
		}
		defer f.Value.Set(old)
	}
	rapid.Check(t, prop)
}

// runs returns how many runs a property test makes: fewer under the race
// detector, where the SQLite driver is many times slower.
func runs(normal, race int) int {
	if raceEnabled {
		return race
	}
	return normal
}

// objects returns the model's objects of kind ("" for all) in creation
// order, those of party excluded if notParty is set, live ones only if live.
func (w *world) objects(kind deconflict.ObjectKind, notParty string, live bool) []*genObject {
	var out []*genObject
	for _, k := range w.order {
		o := w.objs[k]
		if (kind == "" || k.kind == kind) && k.party != notParty && (!live || o.live) {
			out = append(out, o)
		}
	}
	return out
}

func (w *world) remember(o *genObject) {
	if _, ok := w.objs[o.key]; !ok {
		w.order = append(w.order, o.key)
	}
	w.objs[o.key] = o
}

// zoneMinima returns the minima a zone is judged with.
func (w *world) zoneMinima(z *genObject) deconflict.Minima {
	if z.minima != nil {
		return *z.minima
	}
	return w.settings.ZoneMinima
}

// minimaAgainst returns the minima a new volume of kind is judged with
// against object o.
func (w *world) minimaAgainst(o *genObject) deconflict.Minima {
	if o.key.kind == deconflict.KindZone {
		return w.zoneMinima(o)
	}
	return w.settings.OperationMinima
}

// opVolumes draws 1 to 3 operation volumes for party, about half of them
// placed against a live object of another party.
func (w *world) opVolumes(party string) []genVolume {
	n := rapid.IntRange(1, 3).Draw(w.t, "volumes")
	out := make([]genVolume, n)
	for i := range out {
		others := w.objects("", party, true)
		if len(others) > 0 && rapid.Bool().Draw(w.t, "near") {
			o := rapid.SampledFrom(others).Draw(w.t, "target")
			v := rapid.SampledFrom(o.vols).Draw(w.t, "target_volume")
			out[i] = nearVolume(w.t, v, w.minimaAgainst(o), w.settings.TimeBuffer, false)
			w.t.Logf("  volume %d placed against %v", i, o.key)
		} else {
			out[i] = randomOpVolume(w.t, w.sites)
		}
	}
	return out
}

func (w *world) shareWith(party string) []string {
	opts := [][]string{{}, {deconflict.ShareAll}, {"group:g"}}
	for _, p := range w.parties {
		if p != party {
			opts = append(opts, []string{p})
		}
	}
	return rapid.SampledFrom(opts).Draw(w.t, "share_with")
}

// step draws one action and applies it to the service and the model.
func (w *world) step() {
	switch r := intBetween(w.t, 0, 99, "action"); {
	case r < 60:
		w.newOperation()
	case r < 74:
		w.replaceOperation()
	case r < 80:
		w.cancelOperation()
	case r < 83:
		w.closeOperation()
	case r < 96:
		w.putZone()
	default:
		w.deleteZone()
	}
}

func (w *world) newOperation() {
	party := rapid.SampledFrom(w.parties).Draw(w.t, "party")
	w.count[party]++
	id := "op" + strconv.Itoa(w.count[party]) // the same ids for every party
	w.t.Logf("%s creates operation %s", party, id)
	w.submit(party, id, 0, w.opVolumes(party), w.shareWith(party),
		rapid.SampledFrom([]deconflict.OperationState{deconflict.StatePlanned, deconflict.StateActive}).Draw(w.t, "state"))
}

// replaceOperation moves an operation, live or not (a cancelled one comes back).
func (w *world) replaceOperation() {
	ops := w.objects(deconflict.KindOperation, "", false)
	if len(ops) == 0 {
		w.newOperation()
		return
	}
	o := rapid.SampledFrom(ops).Draw(w.t, "replace")
	w.t.Logf("%s replaces %v (version %d)", o.key.party, o.key, o.version)
	w.submit(o.key.party, o.key.id, o.version, w.opVolumes(o.key.party), w.shareWith(o.key.party),
		rapid.SampledFrom([]deconflict.OperationState{deconflict.StatePlanned, deconflict.StateActive}).Draw(w.t, "state"))
}

func (w *world) closeOperation() {
	ops := w.objects(deconflict.KindOperation, "", true)
	if len(ops) == 0 {
		return
	}
	o := rapid.SampledFrom(ops).Draw(w.t, "close")
	w.t.Logf("%s closes %v", o.key.party, o.key)
	w.submit(o.key.party, o.key.id, o.version, o.vols, o.shareWith, deconflict.StateClosed)
}

func (w *world) cancelOperation() {
	ops := w.objects(deconflict.KindOperation, "", true)
	if len(ops) == 0 {
		return
	}
	o := rapid.SampledFrom(ops).Draw(w.t, "cancel")
	ifMatch := rapid.SampledFrom([]int64{0, o.version}).Draw(w.t, "if_match")
	w.t.Logf("%s cancels %v", o.key.party, o.key)
	res, err := w.svc.CancelOperation(w.ctx, deconflict.Caller{Party: o.key.party}, o.key.id, ifMatch)
	if err != nil {
		w.t.Fatalf("cancel %v: %v", o.key, err)
	}
	o.version, o.state, o.live = res.Version, res.State, false
}

// awareOfAll acknowledges every conflict of cs that needs it, by ref.
func awareOfAll(cs []deconflict.Conflict) []deconflict.AwareOf {
	var out []deconflict.AwareOf
	for _, c := range cs {
		if c.Policy == deconflict.PolicyAcknowledge {
			out = append(out, deconflict.AwareOf{Ref: c.Ref})
		}
	}
	return out
}

// submit puts an operation, acknowledging what a check just before it
// showed, and records it in the model; the put must be accepted.
func (w *world) submit(party, id string, ifMatch int64, vols []genVolume, share []string, state deconflict.OperationState) {
	caller := deconflict.Caller{Party: party}
	o := &genObject{key: objKey{deconflict.KindOperation, party, id}, state: state, live: state.Live(), vols: vols, shareWith: share}
	var aware []deconflict.AwareOf
	if state.Live() {
		cs, err := w.svc.CheckConflicts(w.ctx, caller, o.volumes(), share)
		if err != nil {
			w.t.Fatalf("check %v: %v", o.key, err)
		}
		aware = awareOfAll(cs)
	}
	res, err := w.svc.PutOperation(w.ctx, caller, deconflict.Operation{ID: id, State: state, Volumes: o.volumes(), ShareWith: share, AwareOf: aware}, ifMatch)
	if err != nil {
		w.t.Fatalf("put %v (If-Match %d) acknowledging %d conflicts: %v", o.key, ifMatch, len(aware), err)
	}
	o.version = res.Operation.Version
	w.t.Logf("  accepted as version %d with %d conflicts", o.version, len(res.Conflicts))
	w.remember(o)
}

// putZone creates a zone, or replaces or re-creates one of the party's.
func (w *world) putZone() {
	party := rapid.SampledFrom(w.parties).Draw(w.t, "party")
	var ifMatch int64
	var id string
	own := w.objects(deconflict.KindZone, "", false)
	own = slices.DeleteFunc(own, func(o *genObject) bool { return o.key.party != party })
	if len(own) > 0 && rapid.Bool().Draw(w.t, "replace_zone") {
		z := rapid.SampledFrom(own).Draw(w.t, "zone")
		id = z.key.id
		if z.live {
			ifMatch = rapid.SampledFrom([]int64{0, z.version}).Draw(w.t, "if_match")
		}
	} else {
		w.count["zone "+party]++
		id = "zone" + strconv.Itoa(w.count["zone "+party])
	}
	z := &genObject{key: objKey{deconflict.KindZone, party, id}, live: true,
		policy: rapid.SampledFrom(w.policies).Draw(w.t, "policy"), shareWith: w.shareWith(party)}
	if rapid.Bool().Draw(w.t, "own_minima") {
		m := deconflict.Minima{VerticalM: between(w.t, 0, 300, "zone_vertical_m")}
		if rapid.Bool().Draw(w.t, "zone_lateral") {
			m.LateralM = between(w.t, 0, 3000, "zone_lateral_m")
		}
		z.minima = &m
	}
	n := rapid.IntRange(1, 2).Draw(w.t, "zone_volumes")
	for range n {
		ops := w.objects(deconflict.KindOperation, party, true)
		if len(ops) > 0 && rapid.Bool().Draw(w.t, "near") {
			o := rapid.SampledFrom(ops).Draw(w.t, "target")
			v := rapid.SampledFrom(o.vols).Draw(w.t, "target_volume")
			z.vols = append(z.vols, nearVolume(w.t, v, w.zoneMinima(z), w.settings.TimeBuffer, true))
		} else {
			z.vols = append(z.vols, randomZoneVolume(w.t, w.sites))
		}
	}
	kind := rapid.SampledFrom([]deconflict.ZoneKind{deconflict.ZoneProtected, deconflict.ZoneAirspace, deconflict.ZoneRestricted}).Draw(w.t, "kind")
	w.t.Logf("%s puts %v (%s, %s, minima %v)", party, z.key, kind, z.policy, z.minima)
	res, err := w.svc.PutZone(w.ctx, deconflict.Caller{Party: party}, deconflict.Zone{ID: id, Kind: kind, Policy: z.policy,
		Volumes: z.volumes(), ShareWith: z.shareWith, Minima: z.minima}, ifMatch)
	if err != nil {
		w.t.Fatalf("put %v: %v", z.key, err)
	}
	z.version = res.Zone.Version
	w.remember(z)
}

func (w *world) deleteZone() {
	zs := w.objects(deconflict.KindZone, "", true)
	if len(zs) == 0 {
		return
	}
	z := rapid.SampledFrom(zs).Draw(w.t, "delete")
	w.t.Logf("%s deletes %v", z.key.party, z.key)
	if err := w.svc.DeleteZone(w.ctx, deconflict.Caller{Party: z.key.party}, z.key.id); err != nil {
		w.t.Fatalf("delete %v: %v", z.key, err)
	}
	z.live = false
}
