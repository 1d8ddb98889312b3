package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
// tree as it was. Entries and nodes wait in memory with the batch and are
// written at its end (writeLedger), entries a page at a time.

// ledgerEntry is an entry appended by the batch being written.
type ledgerEntry struct {
	idx       int64
	canonical []byte
	leaf      []byte
}

// AppendLedger appends canonical entries to the ledger inside the
// transaction and returns the index of the first.
func (t *tx) AppendLedger(ctx context.Context, entries ...[]byte) (int64, error) {
	if _, err := t.begin(ctx); err != nil {
		return 0, err
	}
	if len(entries) == 0 {
		return int64(t.appender().Size()), nil
	}
	leaves := make([][]byte, len(entries))
	for i, c := range entries {
		// The journal builds entries with ledger.NewEntry; the store reads
		// their audience, which it serves them by, from their bytes.
		if _, err := ledger.AudienceJSON(c); err != nil {
			return 0, fmt.Errorf("sqlite: ledger entry %d: %w", i, err)
		}
		leaves[i] = ledger.LeafHash(c)
	}
	app := t.appender().Clone()
	b, err := app.Append(leaves...)
	if err != nil {
		return 0, fmt.Errorf("sqlite: ledger append: %w", err)
	}
	for i, c := range entries {
		t.ledgerEntries = append(t.ledgerEntries, ledgerEntry{idx: int64(b.Start) + int64(i), canonical: c, leaf: leaves[i]})
	}
	for _, n := range b.Nodes {
		if n.ID.Level%nodeEvery != 0 || n.ID.Level == 0 {
			continue // computed when read; leaf hashes are kept with the entries
		}
		t.ledgerNodes = append(t.ledgerNodes, n.ID.Level, int64(n.ID.Index), n.Hash)
	}
	t.app = app
	return int64(b.Start), nil
}

// pageEntries is the most entries one ledger_page row holds: a page is read
// whole to find one of its entries, and readers look this far back for the
// page that holds an index. It must never be lowered.
const pageEntries = 256

// writeLedger stores the entries and nodes of the batch.
func (s *Store) writeLedger(ctx context.Context) error {
	for es := s.batchLedger; len(es) > 0; {
		n := min(len(es), rowChunk*pageEntries)
		var args []any
		for lo := 0; lo < n; lo += pageEntries {
			page := es[lo:min(n, lo+pageEntries)]
			entries := make([]byte, 0, 300*len(page))
			leaves := make([]byte, 0, 32*len(page))
			for i, e := range page {
				if e.idx != page[0].idx+int64(i) {
					return fmt.Errorf("sqlite: ledger entries %d and %d of a batch are not consecutive", page[0].idx, e.idx)
				}
				if i > 0 {
					entries = append(entries, ',')
				}
				entries = append(entries, e.canonical...)
				leaves = append(leaves, e.leaf...)
			}
			args = append(args, page[0].idx, "["+string(entries)+"]", leaves)
		}
		if _, err := s.wq.exec(ctx, `INSERT INTO ledger_page (first_idx, entries, leaf_hashes) VALUES `+placeholders(len(args)/3, 3), args...); err != nil {
			return wrap(err, "append to the ledger")
		}
		es = es[n:]
	}
	for args := s.batchNodes; len(args) > 0; {
		k := min(len(args), 3*rowChunk)
		if _, err := s.wq.exec(ctx, `INSERT INTO ledger_node (level, idx, hash) VALUES `+placeholders(k/3, 3), args[:k]...); err != nil {
			return wrap(err, "append to the ledger")
		}
		args = args[k:]
	}
	return nil
}

// ledgerLeaves returns the leaf hashes of the stored entries with index in
// [start, end), in index order, without reading the entries themselves (a
// proof needs a few leaves, a page holds up to pageEntries entries). As in
// ledgerRange, a missing index is missing from the result.
func (r *reader) ledgerLeaves(ctx context.Context, start, end int64) ([][]byte, error) {
	rows, err := r.q.query(ctx, `SELECT first_idx, leaf_hashes FROM ledger_page
		WHERE first_idx > ? AND first_idx < ? ORDER BY first_idx`, start-pageEntries, end)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var (
			first  int64
			leaves []byte
		)
		if err := rows.Scan(&first, &leaves); err != nil {
			return nil, err
		}
		if len(leaves)%32 != 0 {
			return nil, fmt.Errorf("sqlite: the ledger page at %d is damaged (%d leaf hash bytes)", first, len(leaves))
		}
		for i := range len(leaves) / 32 {
			if idx := first + int64(i); idx >= start && idx < end {
				out = append(out, leaves[32*i:32*i+32:32*i+32])
			}
		}
	}
	return out, rows.Err()
}

// ledgerRange returns the stored entries with index in [start, end), in
// index order. An index with no entry (which only tampering with the file
// makes) is missing from the result.
func (r *reader) ledgerRange(ctx context.Context, start, end int64) ([]ledgerEntry, error) {
	if start >= end {
		return nil, nil
	}
	rows, err := r.q.query(ctx, `SELECT first_idx, entries, leaf_hashes FROM ledger_page
		WHERE first_idx > ? AND first_idx < ? ORDER BY first_idx`, start-pageEntries, end)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledgerEntry
	for rows.Next() {
		var (
			first   int64
			entries string
			leaves  []byte
		)
		if err := rows.Scan(&first, &entries, &leaves); err != nil {
			return nil, err
		}
		var raw []json.RawMessage
		if err := json.Unmarshal([]byte(entries), &raw); err != nil || len(leaves) != 32*len(raw) {
			return nil, fmt.Errorf("sqlite: the ledger page at %d is damaged (%d leaf hash bytes for its entries; %v)", first, len(leaves), err)
		}
		for i, c := range raw {
			if idx := first + int64(i); idx >= start && idx < end {
				out = append(out, ledgerEntry{idx: idx, canonical: c, leaf: leaves[32*i : 32*i+32 : 32*i+32]})
			}
		}
	}
	return out, rows.Err()
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
	es, err := r.ledgerRange(ctx, start, end)
	if err != nil {
		return nil, wrap(err, "read the ledger")
	}
	out := make([]deconflict.LedgerRecord, 0, len(es))
	for _, e := range es {
		rec := deconflict.LedgerRecord{Index: e.idx, Canonical: e.canonical, LeafHash: e.leaf, Audience: []string{}}
		// An entry whose audience cannot be read (only tampering with the
		// file makes one) is shown to nobody; its leaf hash is still served.
		if aud, err := ledger.AudienceJSON(e.canonical); err == nil {
			if err := json.Unmarshal(aud, &rec.Audience); err != nil {
				rec.Audience = []string{}
			}
		}
		out = append(out, rec)
	}
	return out, nil
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
	level := make([][]byte, 0, width)
	if base == 0 {
		var err error
		if level, err = r.ledgerLeaves(ctx, lo, lo+int64(width)); err != nil {
			return nil, err
		}
	} else {
		rows, err := r.q.query(ctx, `SELECT hash FROM ledger_node WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx`, base, lo, lo+int64(width))
		if err != nil {
			return nil, err
		}
		defer rows.Close()
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
	err := s.readDB.QueryRowContext(ctx, `SELECT first_idx + length(leaf_hashes) / 32 FROM ledger_page ORDER BY first_idx DESC LIMIT 1`).Scan(&size)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
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
