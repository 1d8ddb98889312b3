package sqlite

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync/atomic"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/ledger"
)

// A request is one Transact call waiting for the writer.
type request struct {
	ctx   context.Context
	fn    func(deconflict.Tx) error
	state atomic.Int32 // queued, then running (writer) or abandoned (caller)
	done  chan error   // buffered: the writer never waits for the caller
}

const (
	queued int32 = iota
	running
	abandoned
)

// Transact runs fn with exclusive write access (see deconflict.Store).
//
// Calls from many goroutines are queued to the one writer goroutine, which
// takes all that are waiting (up to OpenOptions.MaxBatch) and runs them one
// after the other inside one BEGIN IMMEDIATE transaction, each in its own
// SAVEPOINT: a closure that fails (or panics) is rolled back to its savepoint
// alone and its caller gets its error, the others go on. One COMMIT, one
// fsync, then every caller is answered; if the COMMIT fails every caller whose
// closure succeeded gets that error and nothing of the batch is kept. So every
// write is serialised and thousands of small transactions a second commit.
//
// A call whose ctx ends while still queued returns ctx.Err() and fn never
// runs; once fn has started, Transact waits for the outcome, which is then
// the truth about what was stored. fn must not call Transact (it would wait on
// itself) nor keep tx after returning.
func (s *Store) Transact(ctx context.Context, fn func(tx deconflict.Tx) error) error {
	r := &request{ctx: ctx, fn: fn, done: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errClosed
	}
	select {
	case s.queue <- r:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(queued, abandoned) {
			return ctx.Err()
		}
		return <-r.done
	}
}

// write is the writer goroutine: it commits batches until Close closes the
// queue and the queue is empty.
func (s *Store) write() {
	defer close(s.done)
	batch := make([]*request, 0, s.opts.MaxBatch)
	for first := range s.queue {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < s.opts.MaxBatch {
			select {
			case r, ok := <-s.queue:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		s.commit(batch)
		clear(batch) // let answered requests be collected
		s.restartWAL()
	}
}

// commit runs one batch in one transaction and answers its callers.
func (s *Store) commit(batch []*request) {
	live := batch[:0:0]
	for _, r := range batch {
		if !r.state.CompareAndSwap(queued, running) {
			continue // its caller has gone
		}
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	ctx := context.Background()
	if _, err := s.wq.exec(ctx, "BEGIN IMMEDIATE"); err != nil {
		answerAll(live, nil, fmt.Errorf("sqlite: begin: %w", err))
		return
	}
	s.stats.batch(len(live))
	s.pending = s.ledger.Load()
	s.pendingEvent = s.lastEvent
	s.pendingSeq, s.batchChanges = s.lastSeq.Load(), s.batchChanges[:0]
	results := make([]error, len(live))
	s.batchEvents, s.batchLedger, s.batchNodes = s.batchEvents[:0], s.batchLedger[:0], s.batchNodes[:0]
	clear(s.closing)
	for i, r := range live {
		err, fatal := s.runOne(ctx, r)
		if fatal != nil {
			// The transaction is no longer ours to trust (a savepoint could
			// not be released or rolled back): keep nothing of the batch.
			s.wq.exec(ctx, "ROLLBACK") //nolint:errcheck // may already be rolled back
			s.forgetPartiesIfWritten()
			answerAll(live, results[:i], fmt.Errorf("sqlite: transaction batch aborted: %w", fatal))
			return
		}
		results[i] = err
	}
	if err := s.writeRecord(ctx); err != nil {
		s.wq.exec(ctx, "ROLLBACK") //nolint:errcheck // this error is the one to report
		s.forgetPartiesIfWritten()
		answerAll(live, results, err)
		return
	}
	if _, err := s.wq.exec(ctx, "COMMIT"); err != nil {
		s.wq.exec(ctx, "ROLLBACK") //nolint:errcheck // the commit error is the one to report
		s.forgetPartiesIfWritten()
		answerAll(live, results, fmt.Errorf("sqlite: commit: %w", err))
		return
	}
	// The changes in memory first: a reader that sees the new lastSeq finds
	// them there.
	s.changes.add(s.batchChanges)
	s.closing.unlist(s.sides)
	s.lastSeq.Store(s.pendingSeq)
	s.ledger.Store(s.pending)
	s.lastEvent = s.pendingEvent
	if fn := s.onEvents.Load(); fn != nil && len(s.batchEvents) > 0 {
		// A copy: the writer reuses batchEvents for the next batch.
		(*fn)(slices.Clone(s.batchEvents))
	}
	s.forgetPartiesIfWritten()
	for i, r := range live {
		r.done <- results[i]
	}
}

// writeRecord stores what the batch's closures recorded and kept in memory
// until its end: ledger entries and nodes, and events.
func (s *Store) writeRecord(ctx context.Context) error {
	if err := s.writeLedger(ctx); err != nil {
		return err
	}
	return s.writeEvents(ctx)
}

// forgetPartiesIfWritten empties the party cache after a batch that wrote
// parties or groups, committed or not, before any of its callers is
// answered: a caller that changed a group reads the change at once.
func (s *Store) forgetPartiesIfWritten() {
	if s.partiesWritten {
		s.parties.clear()
		s.partiesWritten = false
	}
}

// answerAll answers every request of a batch that did not commit: with its
// own error when its closure failed, else with err.
func answerAll(live []*request, results []error, err error) {
	for i, r := range live {
		if i < len(results) && results[i] != nil {
			r.done <- results[i]
		} else {
			r.done <- err
		}
	}
}

// runOne runs one closure inside a savepoint. err is the closure's outcome
// for its caller; fatal means the batch's transaction is broken.
func (s *Store) runOne(ctx context.Context, r *request) (err, fatal error) {
	if _, err := s.wq.exec(ctx, "SAVEPOINT tx"); err != nil {
		return nil, err
	}
	t := &tx{reader: reader{q: s.wq, store: s}, base: s.pending}
	defer func() {
		if err == nil && fatal == nil {
			if t.lastSeq != 0 {
				s.pendingSeq = t.lastSeq
			}
			s.batchChanges = append(s.batchChanges, t.changes...)
			if t.app != nil {
				s.pending = t.app
			}
			if t.lastEvent != 0 {
				s.pendingEvent = t.lastEvent
			}
			s.batchEvents = append(s.batchEvents, t.added...)
			s.closing.note(t.sideChanges)
			s.batchLedger = append(s.batchLedger, t.ledgerEntries...)
			s.batchNodes = append(s.batchNodes, t.ledgerNodes...)
		}
	}()
	t.reader.tx = t
	err = runClosure(r.fn, t)
	t.done.Store(true)
	if err != nil {
		if _, e := s.wq.exec(ctx, "ROLLBACK TO tx"); e != nil {
			return err, e
		}
	}
	if _, e := s.wq.exec(ctx, "RELEASE tx"); e != nil {
		return err, e
	}
	return err, nil
}

// runClosure calls fn, turning a panic into an internal error so that one
// bad closure cannot stop the writer (and with it every later transaction).
func runClosure(fn func(deconflict.Tx) error, t *tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: transaction function panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(t)
}

// tx is the deconflict.Tx handed to one closure. It reads and writes through
// the writer's connection, inside the closure's savepoint.
type tx struct {
	reader
	done atomic.Bool // set when the closure has returned
	// lastSeq is the last change it numbered (0 before the first), changes
	// the changes it wrote.
	lastSeq int64
	changes []deconflict.ObjectChange
	// base is the ledger as the closure found it; app, once it appends, the
	// ledger with its entries (see ledger.go), which with the new stored
	// nodes (level, index, hash, ...) wait for the batch's end.
	base, app     *ledger.Appender
	ledgerEntries []ledgerEntry
	ledgerNodes   []any
	// added lists the events it stored; lastEvent is the id of the last (0
	// before the first).
	added     []deconflict.StoredEvent
	lastEvent int64
	// sideChanges are its puts of conflicts, in order, for the writer to
	// unlist those closed once the batch commits (sides.go).
	sideChanges []sideChange
}

var _ deconflict.Tx = (*tx)(nil)

var errTxDone = errors.New("sqlite: transaction used after its function returned")
