package strategic

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/deconflict/deconflict"
)

// The single writer is the exchange's bottleneck, so the expensive part of a
// submission — the candidate search and the exact predicate over every
// candidate — runs outside it, on a snapshot of the committed state and on
// every core. Inside the writer, catchUp brings those findings up to date
// with the writes that committed after the snapshot: each object written
// since is judged again as it is now. The result is exactly what a search
// inside the writer would find, at a fraction of its cost there.

// searched is the outcome of a search on a snapshot.
type searched struct {
	findings []finding
	seq      int64 // the last change the snapshot included
}

// catchUp returns the findings of subj as of r (the transaction, or the
// store), from those found up to change pre.seq: objects written since are
// dropped from them and judged again in their current version. When r no
// longer keeps every change since, it judges every live object of r.
func (s *Service) catchUp(ctx context.Context, r deconflict.Reader, subj *object, qs []deconflict.CandidateQuery, pre searched, now time.Time) ([]finding, error) {
	changes, complete, err := r.ChangesSince(ctx, pre.seq)
	if err != nil {
		return nil, err
	}
	if !complete {
		return s.detectAll(ctx, r, subj, now)
	}
	return s.catchUpWith(ctx, r, subj, pre, changes, now)
}

// latestChanges holds catchUpWith's maps of the last change of each object,
// for reuse: one a submission otherwise, in the writer.
var latestChanges = sync.Pool{New: func() any { return map[otherKey]deconflict.ObjectChange{} }}

// catchUpWith is catchUp given the changes committed after pre.seq, all of
// them. It rewrites pre.findings.
func (s *Service) catchUpWith(ctx context.Context, r deconflict.Reader, subj *object, pre searched, changes []deconflict.ObjectChange, now time.Time) ([]finding, error) {
	// The snapshot judged the submission before it had its new version.
	for i := range pre.findings {
		restamp(&pre.findings[i].rec, subj.ref)
	}
	if len(changes) == 0 {
		return pre.findings, nil
	}
	// The last write of each object is the one that counts.
	latest := latestChanges.Get().(map[otherKey]deconflict.ObjectChange)
	defer func() {
		if len(latest) <= 1024 { // a map grown larger keeps its size
			clear(latest)
			latestChanges.Put(latest)
		}
	}()
	for _, c := range changes {
		if c.Party == subj.ref.Party || (c.Kind == deconflict.KindZone && subj.ref.Kind == deconflict.KindZone) {
			continue // never a conflict: own objects, and zone against zone
		}
		latest[otherKey{c.Kind, c.Party, c.ID}] = c
	}
	if len(latest) == 0 {
		return pre.findings, nil
	}
	// Room for a few new findings: most objects written since conflict with
	// nothing of subj's (a finding is some hundred bytes).
	fs := make([]finding, 0, len(pre.findings)+min(len(latest), 4))
	for _, f := range pre.findings {
		if _, changed := latest[otherKey{f.other.ref.Kind, f.other.ref.Party, f.other.ref.ID}]; !changed {
			fs = append(fs, f)
		}
	}
	for k, c := range latest {
		if !c.Live {
			continue
		}
		other, err := s.load(ctx, r, deconflict.ObjectRef{Kind: k.kind, Party: k.party, ID: k.id, Version: c.Version})
		if err != nil {
			return nil, err
		}
		if other == nil || (other.ref.Kind == deconflict.KindOperation && !other.state.Live()) {
			continue
		}
		if f, ok := s.judge(subj, other, allPairs(len(subj.volumes), len(other.volumes)), now); ok {
			fs = append(fs, f)
		}
	}
	sortFindings(fs)
	return fs, nil
}

// detectAll judges subj against every live object of r: exact, slow, and
// only needed when the in-memory index has fallen further behind the store
// than the store's change log reaches (see catchUp).
func (s *Service) detectAll(ctx context.Context, r deconflict.Reader, subj *object, now time.Time) ([]finding, error) {
	var refs []deconflict.ObjectRef
	for _, state := range []deconflict.OperationState{deconflict.StatePlanned, deconflict.StateActive} {
		ops, err := r.Operations(ctx, deconflict.OperationFilter{State: state})
		if err != nil {
			return nil, err
		}
		for _, op := range ops {
			refs = append(refs, deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: op.Party, ID: op.ID, Version: op.Version})
		}
	}
	if subj.ref.Kind == deconflict.KindOperation {
		zones, err := r.Zones(ctx, deconflict.ZoneFilter{})
		if err != nil {
			return nil, err
		}
		for _, z := range zones {
			refs = append(refs, deconflict.ObjectRef{Kind: deconflict.KindZone, Party: z.Party, ID: z.ID, Version: z.Version})
		}
	}
	var fs []finding
	for _, ref := range refs {
		if ref.Party == subj.ref.Party {
			continue
		}
		other, err := s.load(ctx, r, ref)
		if err != nil {
			return nil, err
		}
		if other == nil {
			continue
		}
		if f, ok := s.judge(subj, other, allPairs(len(subj.volumes), len(other.volumes)), now); ok {
			fs = append(fs, f)
		}
	}
	sortFindings(fs)
	return fs, nil
}

// sortFindings puts findings in the order of the other object.
func sortFindings(fs []finding) {
	slices.SortFunc(fs, func(a, b finding) int {
		x, y := a.other.ref, b.other.ref
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Party, y.Party), cmp.Compare(x.ID, y.ID))
	})
}

// allPairs lists every volume pair of two objects; judge rejects most of
// them on time, altitude and bounding rectangles before measuring anything.
func allPairs(n, m int) []volumePair {
	out := make([]volumePair, 0, n*m)
	for i := range n {
		for j := range m {
			out = append(out, volumePair{i, j})
		}
	}
	return out
}

// restamp sets the version of the side of rec that is the object ref.
func restamp(rec *deconflict.ConflictRecord, ref deconflict.ObjectRef) {
	for _, side := range []*deconflict.ObjectRef{&rec.A, &rec.B} {
		if side.Kind == ref.Kind && side.Party == ref.Party && side.ID == ref.ID {
			side.Version = ref.Version
		}
	}
}
