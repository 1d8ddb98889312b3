package strategic

import (
	"cmp"
	"context"
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
// the live objects of other parties in r, one per other object, ordered by
// the other object. Conflicts whose window ended before now are not
// reported: nobody can act on them any more, and Sweep closes them.
func (s *Service) detect(ctx context.Context, r deconflict.Reader, ix *cellindex.Index, subj *object, qs []deconflict.CandidateQuery, now time.Time) ([]finding, error) {
	// The index names volume pairs; only those are judged.
	pairs := map[cacheKey][]volumePair{}
	for i, q := range qs {
		for _, c := range ix.Candidates(q) {
			if c.Party == subj.ref.Party || (c.Kind == deconflict.KindZone && subj.ref.Kind == deconflict.KindZone) {
				continue
			}
			k := cacheKey{kind: c.Kind, party: c.Party, id: c.ID, version: c.Version}
			p := volumePair{i, c.Volume}
			if !slices.Contains(pairs[k], p) {
				pairs[k] = append(pairs[k], p)
			}
		}
	}
	keys := make([]cacheKey, 0, len(pairs))
	for k := range pairs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b cacheKey) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.party, b.party), cmp.Compare(a.id, b.id))
	})

	out := make([]finding, 0, len(keys))
	for _, k := range keys {
		other, err := s.load(ctx, r, deconflict.ObjectRef{Kind: k.kind, Party: k.party, ID: k.id, Version: k.version})
		if err != nil {
			return nil, err
		}
		if other == nil || (other.ref.Kind == deconflict.KindOperation && !other.state.Live()) {
			continue // gone or no longer live since the index was read (outside a transaction)
		}
		if f, ok := s.judge(subj, other, pairs[k], now); ok {
			out = append(out, f)
		}
	}
	return out, nil
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
		if !geo.Conflicts(va, vb, m) {
			continue
		}
		w, d, reg := geo.Detail(va, vb, m)
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
