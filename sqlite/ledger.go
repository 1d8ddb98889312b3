package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/ledger"
)

// The ledger's tree is kept in memory as its right edge (ledger.Appender)
// and in the database as every entry and every perfect subtree's hash. The
// writer keeps two appenders: the committed one, and the one of the batch
// being written; each closure appends to a copy of the batch's and hands it
// on only when it succeeds, so a closure rolled back to its savepoint takes
// its entries with it, and a batch that fails to commit leaves the committed
// tree as it was.

// AppendLedger appends canonical entries to the ledger inside the
// transaction and returns the index of the first.
func (t *tx) AppendLedger(ctx context.Context, entries ...[]byte) (int64, error) {
	ctx, err := t.begin(ctx)
	if err != nil {
		return 0, err
	}
	if len(entries) == 0 {
		return int64(t.appender().Size()), nil
	}
	leaves := make([][]byte, len(entries))
	audiences := make([]string, len(entries))
	for i, c := range entries {
		// The journal builds entries with ledger.NewEntry; the store reads
		// only their audience, which it serves them by.
		aud, err := ledger.AudienceJSON(c)
		if err != nil {
			return 0, fmt.Errorf("sqlite: ledger entry %d: %w", i, err)
		}
		leaves[i], audiences[i] = ledger.LeafHash(c), string(aud)
	}
	app := t.appender().Clone()
	b, err := app.Append(leaves...)
	if err != nil {
		return 0, fmt.Errorf("sqlite: ledger append: %w", err)
	}
	for lo := 0; lo < len(entries); lo += rowChunk {
		hi := min(len(entries), lo+rowChunk)
		args := make([]any, 0, 4*(hi-lo))
		for i := lo; i < hi; i++ {
			args = append(args, int64(b.Start)+int64(i), entries[i], audiences[i], leaves[i])
		}
		if _, err := t.q.exec(ctx, `INSERT INTO ledger_entry (idx, canonical, audience, leaf_hash) VALUES `+placeholders(hi-lo, 4), args...); err != nil {
			return 0, wrap(err, "append to the ledger")
		}
	}
	var args []any
	for _, n := range b.Nodes {
		if n.ID.Level%nodeEvery != 0 || n.ID.Level == 0 {
			continue // computed when read; leaf hashes are kept with the entries
		}
		args = append(args, n.ID.Level, int64(n.ID.Index), n.Hash)
	}
	for len(args) > 0 {
		k := min(len(args), 3*rowChunk)
		if _, err := t.q.exec(ctx, `INSERT INTO ledger_node (level, idx, hash) VALUES `+placeholders(k/3, 3), args[:k]...); err != nil {
			return 0, wrap(err, "append to the ledger")
		}
		args = args[k:]
	}
	t.app = app
	return int64(b.Start), nil
}

// appender is the tree as this closure sees it.
func (t *tx) appender() *ledger.Appender {
	if t.app != nil {
		return t.app
	}
	return t.base
}

// LedgerHead returns the committed ledger's size and root (inside a
// transaction: as the transaction has it).
func (r *reader) LedgerHead(ctx context.Context) (deconflict.LedgerHead, error) {
	var a *ledger.Appender
	if r.tx != nil {
		if r.tx.done.Load() {
			return deconflict.LedgerHead{}, errTxDone
		}
		a = r.tx.appender()
	} else {
		a = r.store.ledger.Load()
	}
	return deconflict.LedgerHead{Size: int64(a.Size()), Root: a.Root()}, nil
}

// LedgerEntries returns entries [start, end).
func (r *reader) LedgerEntries(ctx context.Context, start, end int64) ([]deconflict.LedgerRecord, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := r.q.query(ctx, `SELECT idx, canonical, audience, leaf_hash FROM ledger_entry
		WHERE idx >= ? AND idx < ? ORDER BY idx`, start, end)
	if err != nil {
		return nil, wrap(err, "read the ledger")
	}
	defer rows.Close()
	out := []deconflict.LedgerRecord{}
	for rows.Next() {
		var rec deconflict.LedgerRecord
		var aud string
		if err := rows.Scan(&rec.Index, &rec.Canonical, &aud, &rec.LeafHash); err != nil {
			return nil, wrap(err, "read the ledger")
		}
		if err := json.Unmarshal([]byte(aud), &rec.Audience); err != nil {
			return nil, wrap(err, "read the ledger")
		}
		out = append(out, rec)
	}
	return out, wrap(rows.Err(), "read the ledger")
}

// nodeEvery says which levels of the tree are stored: every fourth (4, 8,
// 12, ...), besides the leaves. A node of another level is computed from at
// most 8 stored nodes (or leaves) below it, read in one range; so the tree
// costs about one row for every 15 entries instead of one for each, and a
// proof reads no more ranges than it has nodes.
const nodeEvery = 4

// LedgerNodes returns the hashes of tree nodes, stored or computed from the
// stored level below.
func (r *reader) LedgerNodes(ctx context.Context, ids []deconflict.LedgerNodeID) ([][]byte, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := r.ledgerNode(ctx, id)
		if err != nil {
			return nil, wrap(err, "read ledger node (%d, %d)", id.Level, id.Index)
		}
		out[i] = h
	}
	return out, nil
}

func (r *reader) ledgerNode(ctx context.Context, id deconflict.LedgerNodeID) ([]byte, error) {
	base := id.Level - id.Level%nodeEvery
	width := uint64(1) << (id.Level - base)
	lo := int64(id.Index * width)
	var rows *sql.Rows
	var err error
	if base == 0 {
		rows, err = r.q.query(ctx, `SELECT leaf_hash FROM ledger_entry WHERE idx >= ? AND idx < ? ORDER BY idx`, lo, lo+int64(width))
	} else {
		rows, err = r.q.query(ctx, `SELECT hash FROM ledger_node WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx`, base, lo, lo+int64(width))
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	level := make([][]byte, 0, width)
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		level = append(level, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if uint64(len(level)) != width {
		return nil, notFound("ledger node (%d, %d) is not in the tree", id.Level, id.Index)
	}
	for len(level) > 1 {
		for k := range len(level) / 2 {
			level[k] = ledger.HashChildren(level[2*k], level[2*k+1])
		}
		level = level[:len(level)/2]
	}
	return level[0], nil
}

// NodeReader returns the store's ledger nodes as package ledger reads them.
func (s *Store) NodeReader() ledger.NodeReader { return nodeReader{&s.reader} }

type nodeReader struct{ r *reader }

func (n nodeReader) Nodes(ctx context.Context, ids []ledger.NodeID) ([][]byte, error) {
	conv := make([]deconflict.LedgerNodeID, len(ids))
	for i, id := range ids {
		conv[i] = deconflict.LedgerNodeID{Level: id.Level, Index: id.Index}
	}
	return n.r.LedgerNodes(ctx, conv)
}

// loadLedger restores the committed appender from the database.
func (s *Store) loadLedger(ctx context.Context) error {
	var size int64
	if err := s.readDB.QueryRowContext(ctx, `SELECT coalesce(max(idx) + 1, 0) FROM ledger_entry`).Scan(&size); err != nil {
		return fmt.Errorf("sqlite: read the ledger's size: %w", err)
	}
	a, err := ledger.LoadAppender(ctx, s.NodeReader(), uint64(size))
	if err != nil {
		// Nothing must be appended to a tree that cannot be rebuilt: the
		// entries would no longer prove anything.
		return fmt.Errorf("sqlite: the ledger is damaged: its last %d entries cannot be rebuilt into the tree its checkpoints signed (%w); restore the data folder from a backup", size, err)
	}
	s.ledger.Store(a)
	return nil
}
