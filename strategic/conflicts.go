package strategic

import (
	"cmp"
	"context"
	"slices"

	"github.com/deconflict/deconflict"
)

// CheckConflicts returns the conflicts volumes would have as an operation of
// the caller shared as shareWith, as the caller would see them (ID "",
// state open). Nothing is stored, and no transaction is taken, so checks run
// on every core beside the writer.
func (s *Service) CheckConflicts(ctx context.Context, caller deconflict.Caller, volumes []deconflict.Volume, shareWith []string) ([]deconflict.Conflict, error) {
	if err := requireParty(caller); err != nil {
		return nil, err
	}
	select {
	case s.cpu <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.cpu }()
	// Judged as the operation it would be, so the same rules and limits apply.
	p, err := s.prepareOperation(deconflict.Operation{Party: caller.Party, ID: "check", State: deconflict.StatePlanned, Volumes: volumes, ShareWith: shareWith}, false)
	if err != nil {
		return nil, err
	}
	if err := checkShareTargets(ctx, s.store, p.op.ShareWith); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	pre, err := s.searchIndex(ctx, p.obj, p.queries, now)
	if err != nil {
		return nil, err
	}
	fs, err := s.catchUp(ctx, s.store, p.obj, p.queries, pre, now)
	if err != nil {
		return nil, err
	}
	aud := deconflict.Audience{Party: caller.Party}
	if len(fs) > 0 {
		if aud, err = audienceOf(ctx, s.store, caller.Party); err != nil {
			return nil, err
		}
	}
	return s.views(fs, aud), nil
}

// Conflicts returns the stored conflicts of the caller's party in state (""
// for all), as it sees them.
func (s *Service) Conflicts(ctx context.Context, caller deconflict.Caller, state deconflict.ConflictState) ([]deconflict.Conflict, error) {
	if err := requireParty(caller); err != nil {
		return nil, err
	}
	switch state {
	case "", deconflict.ConflictOpen, deconflict.ConflictClosed:
	default:
		return nil, deconflict.Invalid("state must be open or closed", deconflict.FieldError{Field: "state", Message: "must be open or closed"})
	}
	recs, err := s.store.Conflicts(ctx, deconflict.ConflictFilter{Party: caller.Party, State: state})
	if err != nil {
		return nil, err
	}
	aud, err := audienceOf(ctx, s.store, caller.Party)
	if err != nil {
		return nil, err
	}
	out := make([]deconflict.Conflict, 0, len(recs))
	for _, c := range recs {
		other, _ := c.Other(caller.Party)
		share, ok, err := s.sharedWith(ctx, s.store, other)
		if err != nil {
			return nil, err
		}
		out = append(out, s.view(c, caller.Party, ok && canSee(aud, other.Party, share)))
	}
	return out, nil
}

// Sweep closes the open conflicts whose window has ended; the server calls
// it every minute. It returns how many it closed.
func (s *Service) Sweep(ctx context.Context) (closed int, err error) {
	for {
		n, err := s.sweepSome(ctx)
		closed += n
		if err != nil || n < sweepBatch {
			return closed, err
		}
	}
}

// sweepBatch bounds the conflicts one sweep transaction closes, so that a
// sweep never holds the writer for long.
const sweepBatch = 500

// sweepSome closes up to sweepBatch ended conflicts in one transaction.
func (s *Service) sweepSome(ctx context.Context) (closed int, err error) {
	err = s.transact(ctx, func(tx deconflict.Tx) error {
		closed = 0
		now := s.now().UTC()
		recs, err := tx.Conflicts(ctx, deconflict.ConflictFilter{State: deconflict.ConflictOpen, EndedBy: now, Limit: sweepBatch})
		if err != nil {
			return err
		}
		ch := Change{}
		for _, c := range recs {
			if c.Window.End.After(now) {
				continue
			}
			c.State, c.ClosedReason, c.UpdatedAt = deconflict.ConflictClosed, ReasonEnded, now
			if err := tx.PutConflict(ctx, c); err != nil {
				return err
			}
			ch.Closed = append(ch.Closed, c)
		}
		if len(ch.Closed) == 0 {
			return nil
		}
		closed = len(ch.Closed)
		return s.record(ctx, tx, ch)
	})
	if err != nil {
		return 0, err
	}
	return closed, nil
}

// sortRecords orders records by ID, so that what a change writes and
// reports does not depend on map order.
func sortRecords(rs []deconflict.ConflictRecord) {
	slices.SortFunc(rs, func(a, b deconflict.ConflictRecord) int { return cmp.Compare(a.ID, b.ID) })
}
