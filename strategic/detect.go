package strategic

import (
	"cmp"
	"slices"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/cellindex"
	"github.com/deconflict/deconflict/geo"
)

// finding is a conflict of the submitted object with one other object, as a
// record not yet stored (no ID unless it continues a stored one).
type finding struct {
	rec   deconflict.ConflictRecord
	other *object
}

// volumePair is volume i of the submitted object against volume j of another.
type volumePair struct{ i, j int }

// detect returns the conflicts of subj (its volumes searched with qs) with
// the live objects of other parties in ix, one per other object, ordered by
// the other object. Conflicts whose window ended before now are not
// reported: nobody can act on them any more, and Sweep closes them.
func (s *Service) detect(ix *cellindex.Index, subj *object, qs []deconflict.CandidateQuery, now time.Time) []finding {
	// The index hands back the compiled object each volume was filed with
	// (see loadIndex and applyChanges), so the search names no object by its
	// strings and looks none up. The volume pairs are gathered in one pooled
	// slice and grouped by object: this runs for every submission and check,
	// and the collector is the exchange's largest cost after the searches
	// themselves.
	buf, _ := s.detectBufs.Get().(*detectBuf)
	if buf == nil {
		buf = new(detectBuf)
	}
	defer func() {
		clear(buf.hits) // keeps no object alive
		clear(buf.pairs)
		clear(buf.found)
		buf.hits, buf.pairs, buf.found = buf.hits[:0], buf.pairs[:0], buf.found[:0]
		s.detectBufs.Put(buf)
	}()
	for i, q := range qs {
		buf.hits = ix.AppendHits(buf.hits[:0], q)
		for _, h := range buf.hits {
			o := h.Payload.(*object)
			if o.ref.Party == subj.ref.Party || (o.ref.Kind == deconflict.KindZone && subj.ref.Kind == deconflict.KindZone) {
				continue
			}
			buf.pairs = append(buf.pairs, candidatePair{o, volumePair{i, h.Volume}})
		}
	}
	cs := buf.pairs
	slices.SortFunc(cs, compareCandidatePairs)
	cs = slices.Compact(cs)

	pairs := make([]volumePair, 0, 8)
	for lo := 0; lo < len(cs); {
		other := cs[lo].other
		pairs = pairs[:0]
		hi := lo
		for ; hi < len(cs) && cs[hi].other == other; hi++ {
			pairs = append(pairs, cs[hi].pair)
		}
		lo = hi
		if other.ref.Kind == deconflict.KindOperation && !other.state.Live() {
			continue
		}
		if f, ok := s.judge(subj, other, pairs, now); ok {
			buf.found = append(buf.found, f)
		}
	}
	// Findings are large: gathered in the pooled slice, then copied once,
	// at their number.
	out := slices.Clone(buf.found)
	sortFindings(out)
	return out
}

// detectBuf is what detect gathers into, pooled.
type detectBuf struct {
	hits  []cellindex.Hit
	pairs []candidatePair
	found []finding
}

// candidatePair is a volume pair the index named, with the other object.
type candidatePair struct {
	other *object
	pair  volumePair
}

// compareCandidatePairs groups the pairs of each object (by the number it
// was compiled under: cheaper than comparing names), then orders by pair.
func compareCandidatePairs(a, b candidatePair) int {
	return cmp.Or(cmp.Compare(a.other.serial, b.other.serial), cmp.Compare(a.other.ref.Version, b.other.ref.Version),
		cmp.Compare(a.pair.i, b.pair.i), cmp.Compare(a.pair.j, b.pair.j))
}

// judge runs the exact predicate on the candidate pairs of two objects and
// aggregates the pairs that conflict into one finding.
func (s *Service) judge(subj, other *object, pairs []volumePair, now time.Time) (finding, bool) {
	a, b, swapped := orient(subj, other)
	policy, m := s.pairRules(a, b)
	var (
		found  bool
		window deconflict.Window
		minD   float64
		region [4]float64
	)
	for _, p := range pairs {
		if p.i >= len(subj.volumes) || p.j >= len(other.volumes) {
			continue // an index entry of another version; cannot happen inside a transaction
		}
		va, vb := subj.volumes[p.i], other.volumes[p.j]
		if swapped {
			va, vb = vb, va
		}
		d, ok := geo.ConflictDistance(va, vb, m)
		if !ok {
			continue
		}
		w, reg := geo.Overlap(va, vb, m)
		if !w.End.After(now) {
			continue
		}
		if !found {
			found, window, minD, region = true, w, d, reg
			continue
		}
		if w.Start.Before(window.Start) {
			window.Start = w.Start
		}
		if w.End.After(window.End) {
			window.End = w.End
		}
		minD = min(minD, d)
		region = unionRegion(region, reg)
	}
	if !found {
		return finding{}, false
	}
	return finding{
		rec: deconflict.ConflictRecord{
			State:        deconflict.ConflictOpen,
			Policy:       policy,
			A:            a.ref,
			B:            b.ref,
			Window:       window,
			MinDistanceM: minD,
			Region:       region,
		},
		other: other,
	}, true
}

// orient puts the two objects in record order: an operation before a zone,
// and between two operations the lesser (party, id) first, so that a record
// keeps its sides whichever of the two changes.
func orient(subj, other *object) (a, b *object, swapped bool) {
	switch {
	case subj.ref.Kind == deconflict.KindZone:
		return other, subj, true
	case other.ref.Kind == deconflict.KindZone:
		return subj, other, false
	case cmp.Or(cmp.Compare(other.ref.Party, subj.ref.Party), cmp.Compare(other.ref.ID, subj.ref.ID)) < 0:
		return other, subj, true
	default:
		return subj, other, false
	}
}

// pairRules returns the policy and minima a pair is judged with: between
// operations the deployment's operation minima and acknowledge; with a zone
// the zone's policy and minima.
func (s *Service) pairRules(a, b *object) (deconflict.Policy, geo.Minima) {
	if b.ref.Kind == deconflict.KindZone {
		return b.policy, geo.Minima{LateralM: b.minima.LateralM, VerticalM: b.minima.VerticalM, TimeBuffer: s.settings.TimeBuffer}
	}
	m := s.settings.OperationMinima
	return deconflict.PolicyAcknowledge, geo.Minima{LateralM: m.LateralM, VerticalM: m.VerticalM, TimeBuffer: s.settings.TimeBuffer}
}
