package strategic

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/deconflict/deconflict"
)

// A submission refused for conflicts it did not name is, nearly always, sent
// again at once with those conflicts in aware_of: that is how a party
// acknowledges what it was shown (SPEC §3), and about half the submissions of
// a busy exchange are such first refusals. The resubmission carries the same
// volumes, so compiling them, covering them and judging every candidate
// again would repeat the costliest part of the first request. Instead the
// refusal keeps what it compiled and found, for a short while, and the
// resubmission only catches up with the writes committed since — the same
// catch-up the writer runs on every submission, so the findings are exactly
// those of a fresh search.

// retryTTL is how long a refusal's work is kept for its resubmission. An
// operator who takes longer is given a fresh search, which costs time but
// never correctness.
const retryTTL = 30 * time.Second

// retryCacheSize bounds the refusals kept: about a second's worth of refused
// submissions on a busy exchange, each a compiled footprint of a few
// kilobytes.
const retryCacheSize = 4096

// retryBudget bounds what the kept refusals weigh (see refusal.weight), so
// that parties submitting the largest operations the limits allow cannot
// make the server hold gigabytes: about 40 MB of compiled geometry. A
// refusal heavier than that is not kept.
const retryBudget = 500_000

// findingWeight is what one kept finding weighs, in vertices: a record of a
// few hundred bytes.
const findingWeight = 8

// refusal is the work of a refused submission, kept for its resubmission.
type refusal struct {
	p   *preparedOperation
	pre searched
	at  time.Time
	// weight is the vertices of its volumes plus findingWeight a finding.
	weight int
}

// weigh sets r.weight.
func (r *refusal) weigh() {
	r.weight = findingWeight * len(r.pre.findings)
	for _, v := range r.p.obj.volumes {
		r.weight += v.Footprint.NumVertices()
	}
}

// retryKey names the operation a refusal was for.
type retryKey struct{ party, id string }

// retryCache is the refusals kept, the least recently refused dropped first
// when there are more than retryCacheSize or they weigh more than
// retryBudget.
type retryCache struct {
	mu     sync.Mutex
	c      *simplelru.LRU[retryKey, refusal]
	weight int // of the refusals in c
}

func newRetryCache() *retryCache {
	rc := &retryCache{}
	c, err := simplelru.NewLRU[retryKey, refusal](retryCacheSize, func(_ retryKey, r refusal) { rc.weight -= r.weight })
	if err != nil {
		panic(err) // only for a size below 1
	}
	rc.c = c
	return rc
}

func (rc *retryCache) add(k retryKey, r refusal) {
	if r.weight > retryBudget {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.c.Remove(k) // its weight goes with it
	rc.c.Add(k, r)
	rc.weight += r.weight
	for rc.weight > retryBudget {
		rc.c.RemoveOldest()
	}
}

// take removes and returns the refusal kept under k.
func (rc *retryCache) take(k retryKey) (refusal, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r, ok := rc.c.Peek(k)
	if ok {
		rc.c.Remove(k)
	}
	return r, ok
}

// keepRefusal keeps the work behind a refusal for the resubmission.
func (s *Service) keepRefusal(p *preparedOperation, pre searched) {
	r := refusal{p: p, pre: pre, at: s.now()}
	r.weigh()
	s.retries.add(retryKey{p.op.Party, p.op.ID}, r)
}

// takeRefusal returns, and forgets, the work kept for op's last refusal when
// it is younger than retryTTL and op asks for the same search (the same
// volumes, state and sharing; aware_of, callsign and aircraft may differ).
// Taken, not read: catching up rewrites the findings, so no two requests may
// share them.
func (s *Service) takeRefusal(op deconflict.Operation) (refusal, bool) {
	r, ok := s.retries.take(retryKey{op.Party, op.ID})
	if !ok || s.now().Sub(r.at) > retryTTL || !sameSearch(r.p.op, op) {
		return refusal{}, false
	}
	return r, true
}

// retry prepares op from the work kept for its refusal r: op is validated
// (its volumes are those already compiled), and the findings are brought up
// to date from the store's change log. ok is false when the log no longer
// reaches back to them; then the caller searches afresh.
func (s *Service) retry(ctx context.Context, r refusal, op deconflict.Operation) (p *preparedOperation, pre searched, ok bool, err error) {
	op = normalise(op)
	if err := op.Validate(s.settings.Limits); err != nil {
		return nil, searched{}, false, err
	}
	p = &preparedOperation{op: op, obj: r.p.obj, queries: r.p.queries}
	if !op.State.Live() {
		return p, searched{}, true, nil
	}
	changes, complete, err := s.store.ChangesSince(ctx, r.pre.seq)
	if err != nil || !complete {
		return nil, searched{}, false, err
	}
	seq := r.pre.seq
	if len(changes) > 0 {
		seq = changes[len(changes)-1].Seq
	}
	fs, err := s.catchUpWith(ctx, s.store, p.obj, r.pre, changes, s.now().UTC())
	if err != nil {
		return nil, searched{}, false, err
	}
	return p, searched{findings: fs, seq: seq}, true, nil
}

// sameSearch reports whether two submissions of one operation compile and
// search alike: the same state, sharing and volumes, byte for byte in their
// coordinates.
func sameSearch(a, b deconflict.Operation) bool {
	a, b = normalise(a), normalise(b)
	if a.State != b.State || !slices.Equal(a.ShareWith, b.ShareWith) || len(a.Volumes) != len(b.Volumes) {
		return false
	}
	for i := range a.Volumes {
		if !sameVolume(&a.Volumes[i], &b.Volumes[i]) {
			return false
		}
	}
	return true
}

func sameVolume(a, b *deconflict.Volume) bool {
	return a.Geometry.Type == b.Geometry.Type && bytes.Equal(a.Geometry.Coordinates, b.Geometry.Coordinates) &&
		a.BufferM == b.BufferM && a.AltLowerM == b.AltLowerM && a.AltUpperM == b.AltUpperM &&
		sameTime(a.Start, b.Start) && sameTime(a.End, b.End)
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
