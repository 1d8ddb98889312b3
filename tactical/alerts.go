package tactical

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/deconflict/deconflict"
)

// pairKey names a pair of tracks by their serials, lower first.
type pairKey struct{ lo, hi uint64 }

func makePairKey(a, b *track) pairKey {
	if a.serial > b.serial {
		a, b = b, a
	}
	return pairKey{a.serial, b.serial}
}

func (k pairKey) shard() uint64 {
	return (k.lo*0x9E3779B97F4A7C15 ^ k.hi*0xC2B2AE3D27D4EB4F) >> 58 % shards
}

// alertRec is one alert in force. A separation alert lives in a pair shard
// and is changed under its lock; an entry or nonconformance alert belongs
// to its track and is changed under the track's lock.
type alertRec struct {
	kind    deconflict.AlertKind
	id      string
	a, b    *track // b only for separation, a.serial < b.serial
	pair    pairKey
	zoneKey string
	zone    deconflict.ZoneRef
	mark    bool // zone alerts: still found in this judgement
	// The idents tracks and parties were made from.
	whoA, whoB *ident

	state    deconflict.AlertState
	timeTo   float64
	pos      [2]float64
	hasCPA   bool
	cpa      deconflict.CPA
	tracks   []deconflict.TrackRef
	parties  []string
	raisedAt time.Time
	updated  time.Time

	// What the last transition told, for the hysteresis.
	sentState deconflict.AlertState
	sentEntry float64 // Unix seconds of the predicted entry or loss
	sentCPA   deconflict.CPA
	sentAhead bool
}

// hasPartner reports whether t has a separation alert with b.
func (t *track) hasPartner(b *track) bool {
	t.pmu.Lock()
	defer t.pmu.Unlock()
	for _, rec := range t.partners {
		if rec.a == b || rec.b == b {
			return true
		}
	}
	return false
}

func (r *alertRec) other(t *track) *track {
	if r.a == t {
		return r.b
	}
	return r.a
}

// finding is what one judgement found: state, seconds to entry (or loss of
// separation) after tEval, where, and for a separation the closest approach
// (seconds after tEval, lateral and vertical metres; ahead when it is still
// to come).
type finding struct {
	state            deconflict.AlertState
	timeTo           float64
	tEval            int64
	pos              [2]float64
	hasCPA           bool
	cpaT, cpaD, cpaV float64
	ahead            bool
}

func link(rec *alertRec) {
	for _, t := range [...]*track{rec.a, rec.b} {
		t.pmu.Lock()
		t.partners = append(t.partners, rec)
		t.pmu.Unlock()
	}
}

func unlink(rec *alertRec) {
	for _, t := range [...]*track{rec.a, rec.b} {
		t.pmu.Lock()
		if i := slices.Index(t.partners, rec); i >= 0 {
			last := len(t.partners) - 1
			t.partners[i] = t.partners[last]
			t.partners[last] = nil
			t.partners = t.partners[:last]
		}
		t.pmu.Unlock()
	}
}

func unixTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// set copies a finding into the alert and refreshes who is involved when a
// callsign or reporter changed.
func (rec *alertRec) set(f *finding) {
	rec.state, rec.timeTo, rec.pos = f.state, f.timeTo, f.pos
	rec.hasCPA = f.hasCPA
	if f.hasCPA {
		rec.cpa = deconflict.CPA{Time: unixTime(f.tEval + int64(math.Round(f.cpaT*1e9))), DistanceM: f.cpaD, VerticalM: f.cpaV}
	}
	wa := rec.a.who.Load()
	var wb *ident
	if rec.b != nil {
		wb = rec.b.who.Load()
	}
	if rec.tracks != nil && wa == rec.whoA && wb == rec.whoB {
		return
	}
	rec.whoA, rec.whoB = wa, wb
	rec.tracks = rec.tracks[:0]
	var parties []string
	for _, t := range [...]*track{rec.a, rec.b} {
		if t == nil {
			continue
		}
		w := t.who.Load()
		rec.tracks = append(rec.tracks, deconflict.TrackRef{Party: t.key.party, ID: t.key.id, Callsign: w.callsign})
		parties = append(parties, t.key.party, w.reporter)
	}
	slices.SortFunc(rec.tracks, func(x, y deconflict.TrackRef) int {
		return cmp.Or(cmp.Compare(x.Party, y.Party), cmp.Compare(x.ID, y.ID))
	})
	if rec.zone.Party != "" {
		parties = append(parties, rec.zone.Party)
	}
	slices.Sort(parties)
	rec.parties = slices.Compact(parties)
}

// note records what a transition told.
func (rec *alertRec) note(f *finding) {
	rec.sentState = f.state
	rec.sentEntry = float64(f.tEval)/1e9 + f.timeTo
	rec.sentCPA = rec.cpa
	rec.sentAhead = f.ahead
}

// raise fills a new alert and returns its transition.
func (e *Engine) raise(rec *alertRec, f *finding) Transition {
	rec.set(f)
	rec.raisedAt = unixTime(f.tEval)
	rec.updated = rec.raisedAt
	rec.id = alertID(rec, f.tEval)
	rec.note(f)
	return rec.transition(deconflict.EventAlertRaised)
}

// refresh takes a new finding for an alert in force and returns an update
// transition when it differs from what was last told by more than the
// hysteresis allows: another state; for a predicted alert, a time of entry
// moved by more than TimeStep; for a closest approach still ahead, its time
// moved by more than TimeStep or its distances by more than DistanceStep or
// VerticalStep. A steady encounter, whose predicted times stay put as the
// clock runs, is therefore told of once when raised and once when it
// changes state.
func (e *Engine) refresh(rec *alertRec, f *finding) (Transition, bool) {
	rec.set(f)
	step := e.cfg.TimeStep.Seconds()
	changed := f.state != rec.sentState
	if !changed && f.state == deconflict.AlertPredicted {
		changed = math.Abs(float64(f.tEval)/1e9+f.timeTo-rec.sentEntry) > step
	}
	if !changed && f.hasCPA && f.ahead {
		changed = !rec.sentAhead ||
			math.Abs(rec.cpa.Time.Sub(rec.sentCPA.Time).Seconds()) > step ||
			math.Abs(rec.cpa.DistanceM-rec.sentCPA.DistanceM) > e.cfg.DistanceStep ||
			math.Abs(rec.cpa.VerticalM-rec.sentCPA.VerticalM) > e.cfg.VerticalStep
	}
	if !changed {
		return Transition{}, false
	}
	rec.updated = unixTime(f.tEval)
	rec.note(f)
	return rec.transition(deconflict.EventAlertUpdated), true
}

// cleared ends an alert at time at (Unix nanoseconds).
func (e *Engine) cleared(rec *alertRec, at int64) Transition {
	rec.state = deconflict.AlertCleared
	rec.updated = unixTime(at)
	return rec.transition(deconflict.EventAlertCleared)
}

func (rec *alertRec) transition(kind deconflict.EventKind) Transition {
	return Transition{Kind: kind, Alert: rec.view(), Parties: slices.Clone(rec.parties)}
}

// view returns the alert as the API shows it, sharing nothing with rec.
func (rec *alertRec) view() deconflict.Alert {
	a := deconflict.Alert{
		ID:        rec.id,
		Kind:      rec.kind,
		State:     rec.state,
		TimeToS:   rec.timeTo,
		Tracks:    slices.Clone(rec.tracks),
		Position:  rec.pos,
		RaisedAt:  rec.raisedAt,
		UpdatedAt: rec.updated,
	}
	if rec.zone.Party != "" {
		z := rec.zone
		a.Zone = &z
	}
	if rec.hasCPA {
		c := rec.cpa
		a.CPA = &c
	}
	return a
}

// alertID names an alert by what it is about and when it was raised, so
// that a replay of the same reports names its alerts the same.
func alertID(rec *alertRec, raised int64) string {
	h := sha256.New()
	h.Write([]byte(rec.kind))
	for _, t := range rec.tracks {
		h.Write([]byte{0})
		h.Write([]byte(t.Party))
		h.Write([]byte{0})
		h.Write([]byte(t.ID))
	}
	h.Write([]byte{1})
	h.Write([]byte(rec.zoneKey))
	h.Write([]byte{1})
	h.Write([]byte(strconv.FormatInt(raised, 10)))
	return hex.EncodeToString(h.Sum(nil)[:12])
}
