package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"sync"

	"github.com/deconflict/deconflict"
)

// keepChanges is how many of the latest changes the change table keeps. A
// snapshot older than that many writes catches up the slow way (a full
// search inside the writer), so the number only needs to exceed the writes
// that land while one request searches its snapshot.
const keepChanges = 1 << 16

// changesInMemory is how many of the latest committed changes the store
// also keeps in memory, where the writer's catch-up (and a search's) reads
// them without a query.
const changesInMemory = 8192

// changeLog is the latest committed changes, in order, numbered without gaps.
type changeLog struct {
	mu  sync.RWMutex
	log []deconflict.ObjectChange
}

// add appends changes just committed, keeping at least the latest
// changesInMemory. The log grows to twice that before its older half is
// dropped, so that the copying is paid once per changesInMemory changes, not
// at every commit.
func (c *changeLog) add(cs []deconflict.ObjectChange) {
	if len(cs) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.log)+len(cs) > 2*changesInMemory {
		keep := max(0, changesInMemory-len(cs))
		c.log = append(c.log[:0], c.log[len(c.log)-min(keep, len(c.log)):]...)
		clear(c.log[len(c.log):cap(c.log)]) // no stale strings kept alive
	}
	c.log = append(c.log, cs[max(0, len(cs)-2*changesInMemory):]...)
}

// since returns the kept changes after seq, last being the last committed;
// ok is false when memory no longer reaches back to seq.
func (c *changeLog) since(seq, last int64) (out []deconflict.ObjectChange, ok bool) {
	if seq >= last {
		return nil, true
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if len(c.log) == 0 || c.log[0].Seq > seq+1 {
		return nil, false
	}
	i := int(seq + 1 - c.log[0].Seq)
	if i >= len(c.log) {
		return nil, true
	}
	return slices.Clone(c.log[i:]), true
}

// recordChange numbers a write of an operation or zone in commit order (the
// writer numbers them, see Store.lastSeq) and now and then prunes the
// oldest numbers.
func (t *tx) recordChange(ctx context.Context, kind deconflict.ObjectKind, party, id string, version int64, live bool) error {
	if t.lastSeq == 0 {
		t.lastSeq = t.store.pendingSeq
	}
	c := deconflict.ObjectChange{Seq: t.lastSeq + 1, Kind: kind, Party: party, ID: id, Version: version, Live: live}
	if _, err := t.q.exec(ctx, `INSERT INTO change (seq, kind, party, id, version, live) VALUES (?, ?, ?, ?, ?, ?)`,
		c.Seq, string(kind), party, id, version, live); err != nil {
		return wrap(err, "record change of %s %s/%s", kind, party, id)
	}
	t.lastSeq = c.Seq
	t.changes = append(t.changes, c)
	if c.Seq%1024 == 0 {
		if _, err := t.q.exec(ctx, `DELETE FROM change WHERE seq <= ?`, c.Seq-keepChanges); err != nil {
			return wrap(err, "prune changes")
		}
	}
	return nil
}

// ChangesSince lists the committed writes of operations and zones after seq,
// in order: from memory when it reaches back that far (and without even
// that when seq is the last committed, as an up-to-date search asks), else
// from the database.
func (s *Store) ChangesSince(ctx context.Context, seq int64) ([]deconflict.ObjectChange, bool, error) {
	if cs, ok := s.changes.since(seq, s.lastSeq.Load()); ok {
		return cs, true, nil
	}
	return s.reader.ChangesSince(ctx, seq)
}

// ChangesSince lists the writes of operations and zones after seq, in order.
// Inside a transaction it reads the committed ones from memory when it can,
// then adds those of the batch so far.
func (r *reader) ChangesSince(ctx context.Context, seq int64) ([]deconflict.ObjectChange, bool, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, false, err
	}
	if t := r.tx; t != nil {
		s := t.store
		if cs, ok := s.changes.since(seq, s.lastSeq.Load()); ok {
			for _, c := range slices.Concat(s.batchChanges, t.changes) {
				if c.Seq > seq {
					cs = append(cs, c)
				}
			}
			return cs, true, nil
		}
	}
	// The oldest kept number tells whether everything after seq is still here.
	var oldest sql.NullInt64
	if err := r.q.scanOne(ctx, `SELECT min(seq) FROM change`, nil, &oldest); err != nil {
		return nil, false, wrap(err, "read changes")
	}
	if oldest.Valid && oldest.Int64 > seq+1 {
		return nil, false, nil
	}
	rows, err := r.q.query(ctx, `SELECT seq, kind, party, id, version, live FROM change WHERE seq > ? ORDER BY seq`, seq)
	if err != nil {
		return nil, false, wrap(err, "read changes")
	}
	defer rows.Close()
	var out []deconflict.ObjectChange
	for rows.Next() {
		var c deconflict.ObjectChange
		var kind string
		if err := rows.Scan(&c.Seq, &kind, &c.Party, &c.ID, &c.Version, &c.Live); err != nil {
			return nil, false, wrap(err, "read changes")
		}
		c.Kind = deconflict.ObjectKind(kind)
		out = append(out, c)
	}
	return out, true, wrap(rows.Err(), "read changes")
}

// Snapshot runs fn in one read transaction of the read pool: every read fn
// makes sees the same committed state, which includes exactly the changes
// up to seq.
func (s *Store) Snapshot(ctx context.Context, fn func(r deconflict.Reader, seq int64) error) error {
	sqlTx, err := s.readDB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return wrap(err, "begin snapshot")
	}
	defer sqlTx.Rollback() //nolint:errcheck // read-only: nothing to keep
	r := &reader{q: s.reader.q.in(sqlTx), store: s}
	var seq int64
	// The first read starts SQLite's read transaction: this number and every
	// later read come from the same state.
	if err := r.q.scanOne(ctx, `SELECT coalesce(max(seq), 0) FROM change`, nil, &seq); err != nil {
		return wrap(err, "begin snapshot")
	}
	return fn(r, seq)
}
