package sqlite

import (
	"context"
	"database/sql"

	"github.com/deconflict/deconflict"
)

// keepChanges is how many of the latest changes the change table keeps. A
// snapshot older than that many writes catches up the slow way (a full
// search inside the writer), so the number only needs to exceed the writes
// that land while one request searches its snapshot.
const keepChanges = 1 << 16

// recordChange numbers a write of an operation or zone in commit order and
// now and then prunes the oldest numbers.
func (t *tx) recordChange(ctx context.Context, kind deconflict.ObjectKind, party, id string, version int64, live bool) error {
	var seq int64
	err := t.q.scanOne(ctx, `INSERT INTO change (kind, party, id, version, live) VALUES (?, ?, ?, ?, ?) RETURNING seq`,
		[]any{string(kind), party, id, version, live}, &seq)
	if err != nil {
		return wrap(err, "record change of %s %s/%s", kind, party, id)
	}
	t.maxSeq = max(t.maxSeq, seq)
	if seq%1024 == 0 {
		if _, err := t.q.exec(ctx, `DELETE FROM change WHERE seq <= ?`, seq-keepChanges); err != nil {
			return wrap(err, "prune changes")
		}
	}
	return nil
}

// ChangesSince lists the committed writes of operations and zones after seq,
// in order. Asked for changes after the last one committed, as a search that
// is up to date asks most of the time, it answers without reading the
// database.
func (s *Store) ChangesSince(ctx context.Context, seq int64) ([]deconflict.ObjectChange, bool, error) {
	if seq >= s.lastSeq.Load() {
		return nil, true, nil
	}
	return s.reader.ChangesSince(ctx, seq)
}

// ChangesSince lists the writes of operations and zones after seq, in order.
func (r *reader) ChangesSince(ctx context.Context, seq int64) ([]deconflict.ObjectChange, bool, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, false, err
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
