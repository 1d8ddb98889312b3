package strategic

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/cellindex"
)

// The candidate search runs on an in-memory copy of the store's cell index
// (package cellindex): a query costs tens of microseconds there against
// hundreds in SQL. The copy is built from the store's live objects at start
// and kept in step with the store's numbered change log after every commit.
// It may lag behind the store, never run ahead of it: every change up to
// liveIndex.seq is in it. A search therefore reports the seq it saw, and
// catchUp judges again whatever changed after it — the same protocol the
// search on a snapshot used, so the result is exact whatever the lag.

// liveIndex is the in-memory candidate index and how far it has caught up.
type liveIndex struct {
	ix  atomic.Pointer[cellindex.Index]
	seq atomic.Int64 // every change up to seq is applied
	// mu is held by the one goroutine applying changes; pending asks it to
	// look again for changes committed while it was busy.
	mu      sync.Mutex
	pending atomic.Bool
}

func indexKey(r deconflict.ObjectRef) cellindex.ObjectKey {
	return cellindex.ObjectKey{Kind: r.Kind, Party: r.Party, ID: r.ID}
}

// loadIndex builds the in-memory index from every live operation and zone of
// a snapshot of the store, compiling them on every core (and keeping them in
// the cache, which the first searches then find warm), and puts it in place.
func (s *Service) loadIndex(ctx context.Context) error {
	ix := cellindex.New()
	return s.store.Snapshot(ctx, func(r deconflict.Reader, seq int64) error {
		var objs []*object
		var mu sync.Mutex
		var firstErr error
		work := make(chan func() (*object, error))
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for job := range work {
					o, err := job()
					mu.Lock()
					if err != nil && firstErr == nil {
						firstErr = err
					}
					if o != nil {
						objs = append(objs, o)
					}
					mu.Unlock()
				}
			})
		}
		feed := func() error {
			defer close(work)
			for _, state := range []deconflict.OperationState{deconflict.StatePlanned, deconflict.StateActive} {
				ops, err := r.Operations(ctx, deconflict.OperationFilter{State: state})
				if err != nil {
					return err
				}
				for i := range ops {
					op := &ops[i]
					work <- func() (*object, error) { return s.compileOperation(op, true) }
				}
			}
			zones, err := r.Zones(ctx, deconflict.ZoneFilter{})
			if err != nil {
				return err
			}
			for i := range zones {
				z := &zones[i]
				work <- func() (*object, error) { return s.compileZone(z, true) }
			}
			return nil
		}
		err := feed()
		wg.Wait()
		if err != nil {
			return err
		}
		if firstErr != nil {
			return firstErr
		}
		for _, o := range objs {
			s.cache.Add(keyOf(o.ref), o)
			ix.Put(indexKey(o.ref), o.ref.Version, o.index, o)
		}
		// Readers take seq before the index: never a newer seq with an
		// older index.
		s.index.ix.Store(ix)
		s.index.seq.Store(seq)
		return nil
	})
}

// refreshIndex applies the changes committed since the index's seq. Callers
// call it after each commit; when another goroutine is applying changes, it
// leaves them to it. Errors leave the index behind, which costs catch-up
// work but never correctness; the next commit tries again.
func (s *Service) refreshIndex(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	li := &s.index
	li.pending.Store(true)
	for li.pending.Load() && li.mu.TryLock() {
		li.pending.Store(false)
		s.applyChanges(ctx)
		li.mu.Unlock()
	}
}

func (s *Service) applyChanges(ctx context.Context) {
	li := &s.index
	changes, complete, err := s.store.ChangesSince(ctx, li.seq.Load())
	if err != nil || len(changes) == 0 {
		return
	}
	if !complete {
		// The log no longer reaches back to the index: start again.
		s.loadIndex(ctx)
		return
	}
	ix := li.ix.Load()
	for _, c := range changes {
		ref := deconflict.ObjectRef{Kind: c.Kind, Party: c.Party, ID: c.ID, Version: c.Version}
		var o *object
		if c.Live {
			if o, err = s.load(ctx, s.store, ref); err != nil {
				return // the index stays at the last change applied
			}
		}
		if o == nil || (o.ref.Kind == deconflict.KindOperation && !o.state.Live()) {
			ix.Remove(indexKey(ref))
		} else {
			ix.Put(indexKey(ref), o.ref.Version, s.indexEntries(o), o)
		}
		li.seq.Store(c.Seq)
	}
}

// indexEntries returns the index entries of o: those computed when it was
// submitted, or computed now for an object compiled from the store.
func (s *Service) indexEntries(o *object) []deconflict.IndexedVolume {
	if o.index != nil {
		return o.index
	}
	if o.ref.Kind == deconflict.KindZone {
		return zoneIndex(o.volumes, o.minima, coverings(o.volumes, o.minima.LateralM))
	}
	return operationIndex(o.volumes, coverings(o.volumes, s.settings.OperationMinima.LateralM/2))
}

// searchIndex runs detect on the in-memory index, returning the seq up to
// which its findings are exact.
func (s *Service) searchIndex(ctx context.Context, subj *object, qs []deconflict.CandidateQuery, now time.Time) (searched, error) {
	// seq first: the index holds at least every change up to it.
	seq := s.index.seq.Load()
	return searched{findings: s.detect(s.index.ix.Load(), subj, qs, now), seq: seq}, nil
}
