package strategic

import (
	"context"
	"math"
	"slices"

	"github.com/golang/geo/r1"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// Why a conflict closed (deconflict.ConflictRecord.ClosedReason).
const (
	ReasonChanged   = "changed"   // the two no longer conflict after a change
	ReasonCancelled = "cancelled" // the operation was cancelled
	ReasonClosed    = "closed"    // the operation was closed
	ReasonEnded     = "ended"     // the conflict's window is over
	ReasonDeleted   = "deleted"   // the zone was deleted
)

// preparedOperation is an operation validated and compiled outside the
// transaction, so that the CPU work runs on every core and not in the
// single writer.
type preparedOperation struct {
	op      deconflict.Operation
	obj     *object
	queries []deconflict.CandidateQuery
}

// prepareOperation validates and compiles op, and covers its volumes for the
// candidate search and, when it is to be stored, for the in-memory index.
func (s *Service) prepareOperation(op deconflict.Operation, store bool) (*preparedOperation, error) {
	op = normalise(op)
	lim := s.settings.Limits
	vols, err := validateAll(func() error { return op.Validate(lim) }, op.Volumes, false, lim)
	if err != nil {
		return nil, err
	}
	p := &preparedOperation{op: op, obj: operationObject(&op, vols)}
	if op.State.Live() {
		covs := coverings(vols, s.settings.OperationMinima.LateralM/2)
		if store {
			p.obj.index = operationIndex(vols, covs)
		}
		p.queries = queries(vols, covs, s.settings.OperationMinima, s.settings.TimeBuffer, op.Party)
	}
	return p, nil
}

// normalise fills in what a submission may leave out.
func normalise(op deconflict.Operation) deconflict.Operation {
	if op.State == "" {
		op.State = deconflict.StatePlanned
	}
	if op.ShareWith == nil {
		op.ShareWith = []string{}
	}
	if op.AwareOf == nil {
		op.AwareOf = []deconflict.AwareOf{}
	}
	return op
}

// PutOperation creates or replaces the caller's operation (see
// deconflict.OperationService).
func (s *Service) PutOperation(ctx context.Context, caller deconflict.Caller, op deconflict.Operation, ifMatch int64) (deconflict.PutOperationResult, error) {
	if err := requireParty(caller); err != nil {
		return deconflict.PutOperationResult{}, err
	}
	op.Party = caller.Party
	p, pre, err := s.prepareAndSearch(ctx, op, ifMatch)
	if err != nil {
		return deconflict.PutOperationResult{}, err
	}
	var (
		res deconflict.PutOperationResult
		obj *object
	)
	err = s.transact(ctx, func(tx deconflict.Tx) error {
		now := s.now().UTC()
		next := p.op
		cur, err := tx.Operation(ctx, next.Party, next.ID)
		exists := err == nil
		if err != nil && deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
			return err
		}
		if err := precondition(next.ID, cur, exists, ifMatch); err != nil {
			return err
		}
		next.Version, next.CreatedAt, next.UpdatedAt = 1, now, now
		if exists {
			next.Version, next.CreatedAt = cur.Version+1, cur.CreatedAt
		}
		if err := checkShareTargets(ctx, tx, next.ShareWith); err != nil {
			return err
		}
		obj = p.obj.withVersion(next.Version)
		// An operation that did not exist has no stored conflicts.
		var stored map[otherKey]deconflict.ConflictRecord
		if exists {
			if stored, err = openConflicts(ctx, tx, obj.ref); err != nil {
				return err
			}
		}
		var fs []finding
		aud := deconflict.Audience{Party: next.Party}
		if next.State.Live() {
			if fs, err = s.catchUp(ctx, tx, obj, p.queries, pre, now); err != nil {
				return err
			}
			if len(fs) > 0 {
				if aud, err = audienceOf(ctx, tx, next.Party); err != nil {
					return err
				}
			}
			continueStored(fs, stored)
			if blocks := s.blocking(fs, next.AwareOf, aud); len(blocks) > 0 {
				return conflictError(blocks)
			}
		}
		if err := tx.PutOperation(ctx, next); err != nil {
			return err
		}
		// Cached now, not after the commit: a later submission in the same
		// batch that catches up with this write finds it compiled. Should
		// this closure fail after all, the entry is dropped below; an entry
		// for the same version written by a later closure replaces it.
		s.cache.Add(keyOf(obj.ref), obj)
		reason := ReasonChanged
		switch next.State {
		case deconflict.StateCancelled:
			reason = ReasonCancelled
		case deconflict.StateClosed:
			reason = ReasonClosed
		}
		ch := Change{Actor: next.Party, Object: &obj.ref, Stored: next, ShareWith: next.ShareWith}
		if err := writeConflicts(ctx, tx, fs, stored, reason, now, &ch); err != nil {
			return err
		}
		if err := s.record(ctx, tx, ch); err != nil {
			return err
		}
		res = deconflict.PutOperationResult{Operation: next, Conflicts: s.views(fs, aud), Created: !exists}
		return nil
	})
	if err != nil {
		if obj != nil {
			s.cache.Remove(keyOf(obj.ref))
		}
		return deconflict.PutOperationResult{}, err
	}
	return res, nil
}

// prepareAndSearch compiles op, searches its conflicts outside the writer
// (the transaction only catches up with what was written since, see
// catchUp) and gives the refusals that need no writer. At most GOMAXPROCS
// submissions do this CPU work at once: more would only queue for the cores,
// and with them the writer, whose every batch then waits its turn behind them.
func (s *Service) prepareAndSearch(ctx context.Context, op deconflict.Operation, ifMatch int64) (*preparedOperation, searched, error) {
	select {
	case s.cpu <- struct{}{}:
	case <-ctx.Done():
		return nil, searched{}, ctx.Err()
	}
	defer func() { <-s.cpu }()
	var (
		p   *preparedOperation
		pre searched
		err error
	)
	reused := false
	if r, ok := s.takeRefusal(op); ok {
		if p, pre, reused, err = s.retry(ctx, r, op); err != nil {
			return nil, searched{}, err
		}
	}
	if !reused {
		if p, err = s.prepareOperation(op, true); err != nil {
			return nil, searched{}, err
		}
		if p.op.State.Live() {
			if pre, err = s.searchIndex(ctx, p.obj, p.queries, s.now().UTC()); err != nil {
				return nil, searched{}, err
			}
		}
	}
	err = s.refuseEarly(ctx, p, ifMatch, pre)
	if deconflict.ErrorCode(err) == deconflict.ECONFLICT {
		s.keepRefusal(p, pre)
	}
	return p, pre, err
}

// precondition checks If-Match against the stored operation cur (exists
// false when there is none).
func precondition(id string, cur deconflict.Operation, exists bool, ifMatch int64) error {
	switch {
	case exists && ifMatch == 0:
		return deconflict.Errorf(deconflict.EPRECONDITIONMISSING, "operation %q exists (version %d); replacing it needs If-Match with its current version", id, cur.Version)
	case exists && ifMatch != cur.Version:
		return deconflict.Errorf(deconflict.EPRECONDITION, "operation %q is at version %d, not %d; fetch it and retry", id, cur.Version, ifMatch)
	case !exists && ifMatch != 0:
		return deconflict.Errorf(deconflict.EPRECONDITION, "operation %q does not exist, so If-Match %d cannot match; create it without If-Match", id, ifMatch)
	}
	return nil
}

// refuseEarly gives, outside the single writer, the refusals it would give:
// a missing or stale If-Match, and conflicts that block. It judges the
// committed state that the search saw, at most moments old; a refusal
// changes nothing, so answering it from a state that was current a moment
// ago is as true as answering from the latest one, and the client's next
// request sees newer state. An acceptance is only ever decided in the writer,
// on the latest state. About half the submissions of a busy exchange are
// refusals (a first submission rarely names every conflict), so this keeps
// them out of the writer's queue. nil means the writer decides.
func (s *Service) refuseEarly(ctx context.Context, p *preparedOperation, ifMatch int64, pre searched) error {
	cur, err := s.store.Operation(ctx, p.op.Party, p.op.ID)
	exists := err == nil
	if err != nil && deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
		return nil // the writer will meet the same fault and report it
	}
	if err := precondition(p.op.ID, cur, exists, ifMatch); err != nil {
		return err
	}
	if !p.op.State.Live() || len(pre.findings) == 0 {
		return nil
	}
	fs := pre.findings // read only, but for the copy continueStored writes
	if exists {
		stored, err := openConflicts(ctx, s.store, deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: cur.Party, ID: cur.ID, Version: cur.Version})
		if err != nil {
			return nil
		}
		fs = slices.Clone(fs)
		continueStored(fs, stored)
	}
	aud, err := audienceOf(ctx, s.store, p.op.Party)
	if err != nil {
		return nil
	}
	if blocks := s.blocking(fs, p.op.AwareOf, aud); len(blocks) > 0 {
		return conflictError(blocks)
	}
	return nil
}

// Operation returns an operation the caller may see; one it may not see is
// ENOTFOUND, exactly like one that does not exist.
func (s *Service) Operation(ctx context.Context, caller deconflict.Caller, party, id string) (deconflict.Operation, error) {
	if err := requireParty(caller); err != nil {
		return deconflict.Operation{}, err
	}
	if party == "" {
		party = caller.Party
	}
	notFound := deconflict.Errorf(deconflict.ENOTFOUND, "operation %q of party %q not found", id, party)
	if !deconflict.ValidID(party) || !deconflict.ValidID(id) {
		return deconflict.Operation{}, notFound
	}
	op, err := s.store.Operation(ctx, party, id)
	if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
		return deconflict.Operation{}, notFound
	}
	if err != nil {
		return deconflict.Operation{}, err
	}
	if party != caller.Party {
		aud, err := audienceOf(ctx, s.store, caller.Party)
		if err != nil {
			return deconflict.Operation{}, err
		}
		if !canSee(aud, op.Party, op.ShareWith) {
			return deconflict.Operation{}, notFound
		}
	}
	return redactOperation(op, caller.Party), nil
}

// redactOperation hides what another party's operation says about third
// parties: its aware_of may name objects the viewer may not see.
func redactOperation(op deconflict.Operation, viewer string) deconflict.Operation {
	if op.Party != viewer {
		op.AwareOf = []deconflict.AwareOf{}
	}
	return op
}

// Operations lists the operations the caller may see that match q.
func (s *Service) Operations(ctx context.Context, caller deconflict.Caller, q deconflict.OperationQuery) ([]deconflict.Operation, error) {
	if err := requireParty(caller); err != nil {
		return nil, err
	}
	var box s2.Rect
	if q.BBox != nil {
		var err error
		if box, err = bboxRect(*q.BBox); err != nil {
			return nil, err
		}
	}
	aud, err := audienceOf(ctx, s.store, caller.Party)
	if err != nil {
		return nil, err
	}
	ops, err := s.store.Operations(ctx, deconflict.OperationFilter{Visible: &aud, State: q.State, From: q.From, To: q.To})
	if err != nil {
		return nil, err
	}
	out := ops[:0]
	for _, op := range ops {
		if q.BBox != nil {
			in, err := s.inBox(op, box)
			if err != nil {
				return nil, err
			}
			if !in {
				continue
			}
		}
		out = append(out, redactOperation(op, caller.Party))
	}
	return slices.Clip(out), nil
}

// inBox reports whether any volume of op, its buffer included, reaches into box.
func (s *Service) inBox(op deconflict.Operation, box s2.Rect) (bool, error) {
	ref := deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: op.Party, ID: op.ID, Version: op.Version}
	o, ok := s.cache.Get(keyOf(ref))
	if !ok {
		vols, err := compileStored(op.Volumes, false, ref)
		if err != nil {
			return false, err
		}
		o = operationObject(&op, vols)
		s.cache.Add(keyOf(ref), o)
	}
	for _, v := range o.volumes {
		if expand(v.Footprint.Bounds(), v.BufferM).Intersects(box) {
			return true, nil
		}
	}
	return false, nil
}

// expand widens r by at least distM on every side: in longitude by the
// angle at the widened rectangle's latitude farthest from the equator, and to
// every longitude when it reaches a pole.
func expand(r s2.Rect, distM float64) s2.Rect {
	if distM <= 0 || r.IsEmpty() {
		return r
	}
	a := distM / deconflict.EarthRadiusM
	lat := r1.Interval{Lo: math.Max(r.Lat.Lo-a, -math.Pi/2), Hi: math.Min(r.Lat.Hi+a, math.Pi/2)}
	maxLat := math.Max(math.Abs(lat.Lo), math.Abs(lat.Hi))
	if maxLat >= math.Pi/2-1e-9 || a/math.Cos(maxLat) >= math.Pi {
		return s2.Rect{Lat: lat, Lng: s1.FullInterval()}
	}
	return s2.Rect{Lat: lat, Lng: r.Lng.Expanded(a / math.Cos(maxLat))}
}

// bboxRect checks a [west, south, east, north] box in degrees; west > east
// crosses the antimeridian.
func bboxRect(b [4]float64) (s2.Rect, error) {
	var f deconflict.FieldErrors
	for i, lim := range []float64{180, 90, 180, 90} {
		if !(b[i] >= -lim && b[i] <= lim) { // also refuses NaN
			f.Add(deconflict.Path("bbox", i), "must be a number from %g to %g", -lim, lim)
		}
	}
	if len(f) == 0 && b[1] > b[3] {
		f.Add("bbox", "south (%g) must not be above north (%g)", b[1], b[3])
	}
	if err := f.Err(); err != nil {
		return s2.Rect{}, err
	}
	deg := func(x float64) float64 { return x * math.Pi / 180 }
	return s2.Rect{
		Lat: r1.Interval{Lo: deg(b[1]), Hi: deg(b[3])},
		Lng: s1.IntervalFromEndpoints(deg(b[0]), deg(b[2])),
	}, nil
}

// CancelOperation cancels the caller's operation and closes its conflicts.
// ifMatch is optional (0: none). Cancelling an operation that is no longer
// live changes nothing and returns it as it is.
func (s *Service) CancelOperation(ctx context.Context, caller deconflict.Caller, id string, ifMatch int64) (deconflict.Operation, error) {
	if err := requireParty(caller); err != nil {
		return deconflict.Operation{}, err
	}
	var res deconflict.Operation
	err := s.transact(ctx, func(tx deconflict.Tx) error {
		now := s.now().UTC()
		cur, err := tx.Operation(ctx, caller.Party, id)
		if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
			return deconflict.Errorf(deconflict.ENOTFOUND, "operation %q not found", id)
		}
		if err != nil {
			return err
		}
		if ifMatch != 0 && ifMatch != cur.Version {
			return deconflict.Errorf(deconflict.EPRECONDITION, "operation %q is at version %d, not %d; fetch it and retry", id, cur.Version, ifMatch)
		}
		if !cur.State.Live() {
			res = cur
			return nil
		}
		next := cur
		next.State, next.Version, next.UpdatedAt = deconflict.StateCancelled, cur.Version+1, now
		if err := tx.PutOperation(ctx, next); err != nil {
			return err
		}
		ref := deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: next.Party, ID: next.ID, Version: next.Version}
		stored, err := openConflicts(ctx, tx, ref)
		if err != nil {
			return err
		}
		ch := Change{Actor: next.Party, Object: &ref, Stored: next, ShareWith: next.ShareWith}
		if err := writeConflicts(ctx, tx, nil, stored, ReasonCancelled, now, &ch); err != nil {
			return err
		}
		if err := s.record(ctx, tx, ch); err != nil {
			return err
		}
		res = next
		return nil
	})
	if err != nil {
		return deconflict.Operation{}, err
	}
	return res, nil
}
