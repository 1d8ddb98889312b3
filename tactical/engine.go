package tactical

import (
	"cmp"
	"hash/maphash"
	"maps"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// Config sets the engine's minima, horizons and hysteresis. A zero field
// takes its default.
type Config struct {
	// LateralM and VerticalM are the separation minima between two aircraft
	// (default 9,260 m, 5 NM, and 304.8 m, 1,000 ft).
	LateralM  float64
	VerticalM float64
	// LookAhead is how far ahead paths are predicted (default 120 s).
	LookAhead time.Duration
	// StaleAfter drops a track whose last report is older (default 30 s). It
	// also bounds how far apart in time two reports are paired: a pair is
	// judged at the later report's time, the older track extrapolated.
	StaleAfter time.Duration
	// TimeStep, DistanceStep and VerticalStep are the hysteresis of alert
	// updates: an active alert is re-announced only when its state changes,
	// its predicted time of entry (or of the loss of separation, or of the
	// closest approach) moves by more than TimeStep (default 10 s), or its
	// closest approach changes by more than DistanceStep laterally (default
	// 1,000 m) or VerticalStep vertically (default 100 m).
	TimeStep     time.Duration
	DistanceStep float64
	VerticalStep float64
	// IndexSpeedMps is the ground speed the neighbour and zone indexes are
	// sized for (default 300 m/s). Faster aircraft are still checked against
	// everything, through a list every update scans.
	IndexSpeedMps float64
	// Now is the clock (default time.Now). Reports older than StaleAfter or
	// further ahead than StaleAfter by it are ignored. A replay passes a
	// clock that follows the report times.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	def := func(x *float64, d float64) {
		if !(*x > 0) {
			*x = d
		}
	}
	defD := func(x *time.Duration, d time.Duration) {
		if *x <= 0 {
			*x = d
		}
	}
	def(&c.LateralM, 9260)
	def(&c.VerticalM, 304.8)
	defD(&c.LookAhead, 120*time.Second)
	defD(&c.StaleAfter, 30*time.Second)
	defD(&c.TimeStep, 10*time.Second)
	def(&c.DistanceStep, 1000)
	def(&c.VerticalStep, 100)
	def(&c.IndexSpeedMps, 300)
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Transition is a change in an alert's life that the parties concerned must
// be told of: Kind is alert.raised, alert.updated or alert.cleared; Alert is
// the alert after the change (state cleared for the last); Parties are the
// parties to tell: both aircraft's parties and their reporters for a
// separation, the aircraft's party, its reporter and the zone's owner for
// an entry, the aircraft's party and its reporter for a nonconformance.
type Transition struct {
	Kind    deconflict.EventKind
	Alert   deconflict.Alert
	Parties []string
}

// Active is an alert in force as Alerts lists it, with the parties entitled
// to see it (as for its transitions).
type Active struct {
	Alert   deconflict.Alert
	Parties []string
}

// Track is a live track as Tracks lists it: the last report, Party set to the
// aircraft's party, and the party that reported it.
type Track struct {
	Report   deconflict.TrackReport
	Reporter string
}

const shards = 64

// Engine is the live picture: tracks, their predicted paths, and the alerts
// they raise. All methods are safe for concurrent use; updates of different
// aircraft run in parallel.
type Engine struct {
	cfg  Config
	p    params
	rMax float64 // radians: the largest reach filed in the grid (the fast tile holds larger)

	// tracks finds a track by a hash of its party and id. Each shard's map
	// is replaced whole when a track comes or goes, so that the lookup of
	// every update writes nothing (a lock's counter would bounce between
	// cores). A track whose hash another holds goes in over.
	tracks [shards]trackShard
	seed   maphash.Seed
	serial atomic.Uint64
	grid   *trackGrid
	fast   tile // tracks faster than the index speed

	pairs [shards]struct {
		mu sync.Mutex
		m  map[pairKey]*alertRec
	}

	zones atomic.Pointer[zoneSet]
	ops   atomic.Pointer[opSet]
	setMu sync.Mutex // serialises SetZones and SetOperations

	partyMu  sync.Mutex
	partyIDs map[string]uint32

	scratch sync.Pool
}

// New returns an engine with no tracks, zones or operations.
func New(cfg Config) *Engine {
	cfg = cfg.withDefaults()
	e := &Engine{cfg: cfg, seed: maphash.MakeSeed(), partyIDs: map[string]uint32{}}
	e.p = params{h: cfg.LateralM, v: cfg.VerticalM, t: cfg.LookAhead.Seconds(), s: cfg.StaleAfter.Seconds()}
	e.rMax = e.reachRadius(cfg.IndexSpeedMps, refileS)
	// Cells the size of the largest reach: a track's neighbours are then in
	// the few cells within two reaches of its centre.
	e.grid = newTrackGrid(e.rMax)
	for i := range e.tracks {
		e.tracks[i].m.Store(&map[uint64]*track{})
		e.pairs[i].m = map[pairKey]*alertRec{}
	}
	e.scratch.New = func() any { return new(scratch) }
	e.zones.Store(e.compileZones(nil))
	e.ops.Store(compileOps(nil))
	return e
}

// reachRadius is the radius of the reach of a track at ground speed gs:
// half of what it covers in StaleAfter, the look-ahead and extra seconds,
// plus half the lateral minimum and a metre of slack.
func (e *Engine) reachRadius(gs, extra float64) float64 {
	return (gs*(e.p.s+e.p.t+extra)/2 + e.p.h/2 + 1) / deconflict.EarthRadiusM
}

type scratch struct {
	tracks []*track
	vols   []int32
	best   []zoneBest
	zc     []zoneClear
}

type zoneBest struct {
	zone  int32
	entry float64
}

func (e *Engine) partyID(p string) uint32 {
	e.partyMu.Lock()
	defer e.partyMu.Unlock()
	id, ok := e.partyIDs[p]
	if !ok {
		id = uint32(len(e.partyIDs) + 1)
		e.partyIDs[p] = id
	}
	return id
}

// Update takes one position report of an aircraft of party (resolved by
// the caller: the reporter's own, or the one a surveillance reporter or the
// aircraft registry names), reported by reporter ("" for party itself), and
// returns the alert transitions it causes. An aircraft is one track per
// party and id, whoever reports it. A report older than the track's last
// one, or older or further ahead than StaleAfter by the clock, is ignored
// (no transitions, no error); a report that fails TrackReport.Validate, or
// has no party, is refused with an EINVALID error. Reports of different
// aircraft may be given concurrently.
func (e *Engine) Update(r deconflict.TrackReport, party, reporter string) ([]Transition, error) {
	if !plausible(&r) {
		if err := r.Validate(""); err != nil {
			return nil, err
		}
	}
	if party == "" {
		return nil, deconflict.Invalid("the aircraft's party is required", deconflict.FieldError{Field: "party", Message: "is required: every track belongs to a party"})
	}
	now := e.cfg.Now()
	if d := r.Time.Sub(now); d < -e.cfg.StaleAfter || d > e.cfg.StaleAfter {
		return nil, nil
	}
	if reporter == "" {
		reporter = party
	}
	for {
		t := e.lookup(party, r.ID)
		t.mu.Lock()
		if t.dead.Load() {
			t.mu.Unlock() // dropped while we waited: start a new track
			continue
		}
		out := e.update(t, &r, reporter)
		t.mu.Unlock()
		return out, nil
	}
}

// plausible is TrackReport.Validate without its regular expression or its
// messages (a tenth of an update's time): it accepts exactly what Validate
// accepts, and a report it refuses goes to Validate for the message.
func plausible(r *deconflict.TrackReport) bool {
	in := func(v, lo, hi float64) bool { return v >= lo && v <= hi } // false for NaN
	return validID(r.ID) && len(r.Callsign) <= 64 && (r.Party == "" || validID(r.Party)) && !r.Time.IsZero() &&
		in(r.Lat, -90, 90) && in(r.Lon, -180, 180) && in(r.AltM, -1_000, 100_000) &&
		in(r.GsMps, 0, 2_000) && in(r.TrackDeg, 0, 360) && in(r.VsMps, -500, 500)
}

func (e *Engine) hash(k trackKey) uint64 {
	return maphash.String(e.seed, k.id) ^ maphash.String(e.seed, k.party)*0x9E3779B97F4A7C15
}

// validID is deconflict.ValidID without a regular expression.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

type trackShard struct {
	mu   sync.Mutex // writers
	m    atomic.Pointer[map[uint64]*track]
	over atomic.Pointer[map[trackKey]*track] // nil when empty
}

// get returns the track of k (dead or alive), or nil.
func (sh *trackShard) get(h uint64, k trackKey) *track {
	if t := (*sh.m.Load())[h]; t != nil && t.key == k {
		return t
	}
	if o := sh.over.Load(); o != nil {
		return (*o)[k]
	}
	return nil
}

// put files t, replacing a dead track of the same key (mu held).
func (sh *trackShard) put(t *track) {
	m := *sh.m.Load()
	if o := m[t.hash]; o == nil || o.key == t.key {
		c := cloneWith(m, t.hash, t)
		sh.m.Store(&c)
		return
	}
	var over map[trackKey]*track
	if o := sh.over.Load(); o != nil {
		over = *o
	}
	over = cloneWith(over, t.key, t)
	sh.over.Store(&over)
}

// drop removes t if it is still filed (mu held).
func (sh *trackShard) drop(t *track) {
	m := *sh.m.Load()
	if m[t.hash] == t {
		m = maps.Clone(m)
		delete(m, t.hash)
		sh.m.Store(&m)
		return
	}
	if o := sh.over.Load(); o != nil && (*o)[t.key] == t {
		over := maps.Clone(*o)
		delete(over, t.key)
		sh.over.Store(&over)
	}
}

// all returns every track of the shard.
func (sh *trackShard) all(out []*track) []*track {
	for _, t := range *sh.m.Load() {
		out = append(out, t)
	}
	if o := sh.over.Load(); o != nil {
		for _, t := range *o {
			out = append(out, t)
		}
	}
	return out
}

func cloneWith[K comparable](m map[K]*track, k K, t *track) map[K]*track {
	c := make(map[K]*track, len(m)+1)
	maps.Copy(c, m)
	c[k] = t
	return c
}

// lookup returns the live track of (party, id), creating it.
func (e *Engine) lookup(party, id string) *track {
	key := trackKey{party, id}
	h := e.hash(key)
	sh := &e.tracks[h%shards]
	if t := sh.get(h, key); t != nil && !t.dead.Load() {
		return t
	}
	pid := e.partyID(party)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if t := sh.get(h, key); t != nil && !t.dead.Load() {
		return t
	}
	t := &track{serial: e.serial.Add(1), key: key, hash: h, partyID: pid}
	sh.put(t)
	return t
}

// update applies a report to t (t.mu held).
func (e *Engine) update(t *track, r *deconflict.TrackReport, reporter string) []Transition {
	k := kinFrom(r)
	if t.has && k.t < t.k.t {
		return nil
	}
	t.k, t.has = k, true
	t.report = *r
	t.report.Party = t.key.party
	if w := t.who.Load(); w == nil || w.callsign != r.Callsign || w.reporter != reporter {
		t.who.Store(&ident{callsign: r.Callsign, reporter: reporter})
		t.csNorm = norm(r.Callsign)
	}
	if t.idNorm == "" {
		t.idNorm = norm(t.key.id)
	}
	t.publish(&k)
	e.place(t)
	var out []Transition
	sc := e.scratch.Get().(*scratch)
	e.separate(t, sc, &out)
	e.judgeZones(t, e.zones.Load(), sc, &out)
	e.scratch.Put(sc)
	e.judgeConformance(t, e.ops.Load(), &out)
	return out
}

// place computes t's reach and files a reach that contains it in the grid
// (or the fast list). What is filed covers refileS seconds more than the
// reach, so that a track flying steadily finds its new reach inside the
// filed one for that long and writes nothing that other updates read (a
// write there would cost every core that scans the tile a cache miss).
// When it must file again, it enters the new tile before it leaves the old,
// so that it is always findable.
func (e *Engine) place(t *track) {
	k := &t.k
	t.re = e.reachOf(k, 0)
	if t.tile != nil && contains(&t.filed, &t.re) {
		return
	}
	t.filed = e.reachOf(k, refileS)
	var tl *tile
	if t.filed.r > e.rMax {
		tl = &e.fast
	} else {
		tl = e.grid.tileOf(t.filed.c)
	}
	layer := layerOf(t.filed.lo, t.filed.hi)
	if tl == t.tile && layer == t.layer {
		tl.set(t.slot, t, &t.filed)
		return
	}
	slot := tl.insert(t, layer, &t.filed)
	if t.tile != nil {
		t.tile.remove(t.layer, t.slot)
	}
	t.tile, t.layer, t.slot = tl, layer, slot
}

// refileS is how many seconds beyond its reach a track's filed reach covers.
const refileS = 10

// reachOf is the reach of a track over StaleAfter, the look-ahead and
// extra seconds from its report.
func (e *Engine) reachOf(k *kin, extra float64) reach {
	span := e.p.s + e.p.t + extra
	c, _, _ := k.at(span / 2)
	alt2 := k.alt + k.vs*span
	return reach{c: c, r: e.reachRadius(k.v.Norm(), extra), lo: min(k.alt, alt2), hi: max(k.alt, alt2)}
}

// contains reports whether reach a holds every point and altitude of b:
// the angle between the centres (bounded above from the chord) plus b's
// radius is within a's.
func contains(a, b *reach) bool {
	return b.lo >= a.lo && b.hi <= a.hi && arcUpperM(a.c, b.c)/deconflict.EarthRadiusM+b.r <= a.r
}

// separate judges t against every track whose reach meets its own and every
// track it has a separation alert with (t.mu held).
func (e *Engine) separate(a *track, sc *scratch, out *[]Transition) {
	q := a.re
	qq := newQuery(&q, e.p.v)
	cands := sc.tracks[:0]
	if a.tile != &e.fast {
		for _, tl := range e.nearTiles(a) {
			cands = tl.scan(&qq, cands)
		}
	} else {
		e.grid.g.near(s2.Point{Vector: q.c}, q.r+e.rMax, func(i, j int) {
			if tl := e.grid.tile(i, j, false); tl != nil {
				cands = tl.scan(&qq, cands)
			}
		})
	}
	cands = e.fast.scan(&qq, cands)
	a.pmu.Lock()
	for _, rec := range a.partners {
		cands = append(cands, rec.other(a))
	}
	partners := len(a.partners)
	a.pmu.Unlock()
	for i, b := range cands {
		if b == a || b.partyID == a.partyID || slices.Contains(cands[:i], b) {
			continue // a track filed in two tiles while it moves, or also a partner
		}
		kb, sb := b.read()
		if sb == 0 {
			continue // not yet published: its own update will judge the pair
		}
		enc := separation(&a.k, &kb, &e.p)
		// Without a conflict there is nothing to do unless the pair has an
		// alert, which a's partners would list. One linked since the list
		// was read was linked by b's update, which judged the pair with a's
		// new state (see applyPair), and separation is symmetric: it found
		// what a finds, so skipping is safe.
		if enc.conflict || partners > 0 && a.hasPartner(b) {
			e.applyPair(a, b, sb, &enc, out)
		}
	}
	clear(cands)
	sc.tracks = cands[:0]
}

// nearMargin is how far (radians, about 2 km) a track's centre may move
// before the list of tiles it scans is made again.
const nearMargin = 2000 / deconflict.EarthRadiusM

// nearTiles returns the tiles a's scan must read: of the tiles near a's,
// those whose cell comes within both reaches of a's centre. The chord test
// errs on the near side (see scan). The list is kept with a's track and
// made with a margin: a tile within reach of a centre within nearMargin of
// the one the list was made for, with a reach no larger, is within
// nearMargin more of that one.
func (e *Engine) nearTiles(a *track) []*tile {
	q := &a.re
	lim := q.r + e.rMax + f32Slack
	if a.near.tile == a.tile && lim <= a.near.lim && a.near.c.Sub(q.c).Norm2() <= nearMargin*nearMargin {
		return a.near.tiles
	}
	a.near.tiles = a.near.tiles[:0]
	for _, tl := range e.grid.near(a.tile, e.rMax) {
		if r := lim + nearMargin + tl.rad; tl.c.Sub(q.c).Norm2() <= r*r {
			a.near.tiles = append(a.near.tiles, tl)
		}
	}
	a.near.tile, a.near.lim, a.near.c = a.tile, lim, q.c
	return a.near.tiles
}

// applyPair records the finding for the pair (a, b), judged from b's state
// of sequence seqB. If b has published a newer state since, or has been
// dropped, the finding is dropped: b's own update publishes its state before
// it looks for neighbours, and a published its state before reading b's, so
// b's update is bound to see a's newest state and judge the pair itself.
// That way concurrent updates of the two never leave an alert decided on a
// state that is not the latest of both.
func (e *Engine) applyPair(a, b *track, seqB uint64, enc *encounter, out *[]Transition) {
	key := makePairKey(a, b)
	sh := &e.pairs[key.shard()]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if b.dead.Load() || b.seq.Load() != seqB {
		return
	}
	rec := sh.m[key]
	if !enc.conflict {
		if rec != nil {
			delete(sh.m, key)
			unlink(rec)
			*out = append(*out, e.cleared(rec, enc.tEval))
		}
		return
	}
	f := finding{state: deconflict.AlertPredicted, timeTo: enc.timeTo, tEval: enc.tEval, pos: lonLat(enc.pos),
		hasCPA: true, cpaT: enc.cpaT, cpaD: enc.cpaD, cpaV: enc.cpaV, ahead: enc.ahead}
	if enc.inside {
		f.state = deconflict.AlertInside
	}
	lo, hi := a, b
	if lo.serial > hi.serial {
		lo, hi = hi, lo
	}
	if rec == nil {
		rec = &alertRec{kind: deconflict.AlertSeparation, a: lo, b: hi, pair: key}
		sh.m[key] = rec
		link(rec)
		*out = append(*out, e.raise(rec, &f))
		return
	}
	if tr, ok := e.refresh(rec, &f); ok {
		*out = append(*out, tr)
	}
}

// judgeZones finds the zones t is in or predicted to enter and raises,
// updates and clears its entry alerts (t.mu held).
func (e *Engine) judgeZones(t *track, set *zoneSet, sc *scratch, out *[]Transition) {
	k := &t.k
	gs := k.v.Norm()
	cands := set.candidates(s2.Point{Vector: k.p}, gs*e.p.t, sc.vols[:0])
	best := sc.best[:0]
	zc := sc.zc[:0]
	reachM := gs * e.p.t
	for _, vi := range cands {
		v := &set.vols[vi]
		if set.zones[v.owner].partyID == t.partyID {
			continue
		}
		// A volume farther from the track than it can fly in the look-ahead,
		// counting the way flown since the clearance was measured, cannot be
		// entered: skip it without the exact test.
		var c *zoneClear
		for i := range t.zc {
			if t.zc[i].set == set && t.zc[i].vol == vi {
				c = &t.zc[i]
				break
			}
		}
		moved := math.Inf(1)
		if c != nil {
			moved = arcUpperM(k.p, c.p)
			if moved+reachM < c.clear {
				zc = append(zc, *c)
				continue
			}
		}
		te, ok := entry(k, v, e.p.t)
		if !ok {
			// Measured again only every clearStepM of flight: a volume near
			// enough to be reachable is tested exactly anyway.
			if c != nil && moved < clearStepM {
				zc = append(zc, *c)
			} else {
				zc = append(zc, zoneClear{set: set, vol: vi, p: k.p, clear: v.b.Clearance(s2.Point{Vector: k.p}) - 1})
			}
			continue
		}
		found := false
		for i := range best {
			if best[i].zone == v.owner {
				best[i].entry = min(best[i].entry, te)
				found = true
				break
			}
		}
		if !found {
			best = append(best, zoneBest{zone: v.owner, entry: te})
		}
	}
	t.zc = append(t.zc[:0], zc...)
	for _, rec := range t.zoneRecs {
		rec.mark = false
	}
	for _, zb := range best {
		z := &set.zones[zb.zone]
		p, _, _ := k.at(zb.entry)
		f := finding{state: deconflict.AlertPredicted, timeTo: zb.entry, tEval: k.t, pos: lonLat(p)}
		if zb.entry == 0 {
			f.state = deconflict.AlertInside
		}
		var rec *alertRec
		for _, r := range t.zoneRecs {
			if r.zoneKey == z.key && r.kind == z.kind { // a zone whose kind changed is another alert
				rec = r
				break
			}
		}
		if rec == nil {
			rec = &alertRec{kind: z.kind, a: t, zoneKey: z.key, zone: deconflict.ZoneRef{Party: z.Party, ID: z.ID}, mark: true}
			t.zoneRecs = append(t.zoneRecs, rec)
			*out = append(*out, e.raise(rec, &f))
			continue
		}
		rec.mark = true
		if tr, ok := e.refresh(rec, &f); ok {
			*out = append(*out, tr)
		}
	}
	kept := t.zoneRecs[:0]
	for _, rec := range t.zoneRecs {
		if rec.mark {
			kept = append(kept, rec)
		} else {
			*out = append(*out, e.cleared(rec, k.t))
		}
	}
	clear(t.zoneRecs[len(kept):])
	t.zoneRecs = kept
	sc.vols, sc.best, sc.zc = cands[:0], best[:0], zc[:0]
}

// clearStepM is how far a track flies before the clearance of a volume it
// was not predicted to enter is measured again.
const clearStepM = 5000

// zoneClear is how far a track was from a volume (metres, lateral only,
// less a metre for rounding) when it was at p.
type zoneClear struct {
	set   *zoneSet
	vol   int32
	p     r3.Vector
	clear float64
}

// arcUpperM bounds the great-circle distance between unit vectors a and b
// from above, in metres: the arc 2·asin(c/2) of a chord c is at most
// c·(1 + c²/20) for c up to 1/2.
func arcUpperM(a, b r3.Vector) float64 {
	c := a.Sub(b).Norm()
	if c > 0.5 {
		return math.Pi * deconflict.EarthRadiusM
	}
	return c * (1 + c*c/20) * deconflict.EarthRadiusM
}

// judgeConformance raises, keeps or clears t's nonconformance alert (t.mu
// held).
func (e *Engine) judgeConformance(t *track, ops *opSet, out *[]Transition) {
	matched, inside := ops.conforms(t.key.party, t.csNorm, t.idNorm, &t.k)
	if matched && !inside {
		f := finding{state: deconflict.AlertInside, tEval: t.k.t, pos: lonLat(t.k.p)}
		if t.confRec == nil {
			t.confRec = &alertRec{kind: deconflict.AlertNonconformance, a: t}
			*out = append(*out, e.raise(t.confRec, &f))
		} else if tr, ok := e.refresh(t.confRec, &f); ok {
			*out = append(*out, tr)
		}
		return
	}
	if t.confRec != nil {
		*out = append(*out, e.cleared(t.confRec, t.k.t))
		t.confRec = nil
	}
}

// Tick drops the tracks whose last report is older than StaleAfter at now,
// clearing their alerts, and returns those transitions.
func (e *Engine) Tick(now time.Time) []Transition {
	cutoff := now.Add(-e.cfg.StaleAfter).UnixNano()
	var stale []*track
	var all []*track
	for i := range e.tracks {
		all = e.tracks[i].all(all)
	}
	for _, t := range all {
		if t.seq.Load() != 0 && t.time() < cutoff {
			stale = append(stale, t)
		}
	}
	var out []Transition
	at := now.UnixNano()
	for _, t := range stale {
		t.mu.Lock()
		if t.dead.Load() || t.k.t >= cutoff {
			t.mu.Unlock()
			continue
		}
		t.dead.Store(true)
		if t.tile != nil {
			t.tile.remove(t.layer, t.slot)
			t.tile = nil
		}
		for _, rec := range t.zoneRecs {
			out = append(out, e.cleared(rec, at))
		}
		t.zoneRecs = nil
		if t.confRec != nil {
			out = append(out, e.cleared(t.confRec, at))
			t.confRec = nil
		}
		t.mu.Unlock()
		// t is dead, so no new pair alert can link it (applyPair checks).
		t.pmu.Lock()
		recs := slices.Clone(t.partners)
		t.pmu.Unlock()
		for _, rec := range recs {
			sh := &e.pairs[rec.pair.shard()]
			sh.mu.Lock()
			if sh.m[rec.pair] == rec {
				delete(sh.m, rec.pair)
				unlink(rec)
				out = append(out, e.cleared(rec, at))
			}
			sh.mu.Unlock()
		}
		sh := &e.tracks[t.hash%shards]
		sh.mu.Lock()
		sh.drop(t)
		sh.mu.Unlock()
	}
	return out
}

// SetZones replaces the zones in force and judges every track against the
// new set at once (at its last report), returning the transitions.
func (e *Engine) SetZones(zs []Zone) []Transition {
	e.setMu.Lock()
	defer e.setMu.Unlock()
	set := e.compileZones(zs)
	e.zones.Store(set)
	var out []Transition
	sc := e.scratch.Get().(*scratch)
	e.eachTrack(func(t *track) { e.judgeZones(t, set, sc, &out) })
	e.scratch.Put(sc)
	return out
}

// SetOperations replaces the active operations watched for conformance and
// judges every track against them at once, returning the transitions.
func (e *Engine) SetOperations(ops []Operation) []Transition {
	e.setMu.Lock()
	defer e.setMu.Unlock()
	set := compileOps(ops)
	e.ops.Store(set)
	var out []Transition
	e.eachTrack(func(t *track) { e.judgeConformance(t, set, &out) })
	return out
}

// eachTrack calls fn for every live, published track with its lock held.
func (e *Engine) eachTrack(fn func(t *track)) {
	var all []*track
	for i := range e.tracks {
		all = e.tracks[i].all(all)
	}
	for _, t := range all {
		t.mu.Lock()
		if !t.dead.Load() && t.has {
			fn(t)
		}
		t.mu.Unlock()
	}
}

// Tracks returns the live tracks, ordered by party and id.
func (e *Engine) Tracks() []Track {
	var out []Track
	e.eachTrack(func(t *track) {
		out = append(out, Track{Report: t.report, Reporter: t.who.Load().reporter})
	})
	slices.SortFunc(out, func(a, b Track) int {
		return cmp.Or(cmp.Compare(a.Report.Party, b.Report.Party), cmp.Compare(a.Report.ID, b.Report.ID))
	})
	return out
}

// TracksIn returns the live tracks within [west, south, east, north]
// (degrees; west > east crosses the antimeridian), ordered by party and id.
func (e *Engine) TracksIn(west, south, east, north float64) []Track {
	var out []Track
	for _, t := range e.Tracks() {
		r := &t.Report
		if r.Lat < south || r.Lat > north {
			continue
		}
		if west <= east && (r.Lon < west || r.Lon > east) || west > east && r.Lon < west && r.Lon > east {
			continue
		}
		out = append(out, t)
	}
	return out
}

// Alerts returns the alerts in force, ordered by when they were raised and
// by id. Their time_to_s, cpa and position are as of the latest report;
// raised_at and updated_at are the times of their transitions.
func (e *Engine) Alerts() []Active {
	var out []Active
	for i := range e.pairs {
		sh := &e.pairs[i]
		sh.mu.Lock()
		for _, rec := range sh.m {
			out = append(out, Active{Alert: rec.view(), Parties: slices.Clone(rec.parties)})
		}
		sh.mu.Unlock()
	}
	e.eachTrack(func(t *track) {
		for _, rec := range t.zoneRecs {
			out = append(out, Active{Alert: rec.view(), Parties: slices.Clone(rec.parties)})
		}
		if t.confRec != nil {
			out = append(out, Active{Alert: t.confRec.view(), Parties: slices.Clone(t.confRec.parties)})
		}
	})
	slices.SortFunc(out, func(a, b Active) int {
		return cmp.Or(a.Alert.RaisedAt.Compare(b.Alert.RaisedAt), cmp.Compare(a.Alert.ID, b.Alert.ID))
	})
	return out
}
