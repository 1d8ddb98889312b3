package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/ledger"
)

// The ledger's tree is kept in memory as its right edge (ledger.Appender)
// and in the database as every entry and every perfect subtree's hash.
//
// Inside a batch, closures only reserve indexes: each keeps the entries it
// appends (or the job that encodes them) and hands them to the batch only
// when it succeeds, so a closure rolled back to its savepoint takes its
// entries with it. At the batch's end the writer appends every leaf to a
// copy of the committed tree, in index order, and writes the entries a page
// at a time (writeLedger); the copy becomes the committed tree only when the
// batch commits.
//
// Encoding and hashing the entries of a change's events is the larger part
// of what recording it costs, and needs nothing from the database: the
// journal hands that work to the encoder goroutine (AppendLedgerLater),
// which does it beside the writer while the writer runs the batch's next
// closures.

// ledgerPart is the entries one call appended, at consecutive indexes from
// first: given as bytes, or encoded by a job.
type ledgerPart struct {
	first   int64
	entries [][]byte // canonical bytes; a job's once it is done
	leaves  [][]byte
	job     *ledgerJob
}

func (p ledgerPart) size() int64 {
	if p.job != nil {
		return int64(p.job.n)
	}
	return int64(len(p.entries))
}

// ledgerJob encodes n entries on the encoder goroutine.
type ledgerJob struct {
	n      int
	encode func(i int) ([]byte, error)
	done   chan struct{} // closed when entries, leaves and err are set

	entries, leaves [][]byte
	err             error
}

// run encodes and hashes the job's entries and checks each as AppendLedger
// does.
func (j *ledgerJob) run() {
	defer close(j.done)
	defer func() {
		if p := recover(); p != nil {
			j.err = fmt.Errorf("sqlite: encoding ledger entries panicked: %v", p)
		}
	}()
	j.entries, j.leaves = make([][]byte, j.n), make([][]byte, j.n)
	for i := range j.n {
		c, err := j.encode(i)
		if err == nil {
			_, err = ledger.AudienceJSON(c)
		}
		if err != nil {
			j.err = fmt.Errorf("sqlite: ledger entry %d of %d: %w", i, j.n, err)
			return
		}
		j.entries[i], j.leaves[i] = c, ledger.LeafHash(c)
	}
}

// encodeJobs is the encoder goroutine: it runs jobs in the order given
// until the queue is closed.
func (s *Store) encodeJobs() {
	defer close(s.encoderDone)
	for j := range s.encoder {
		j.run()
	}
}

// AppendLedger appends canonical entries to the ledger inside the
// transaction and returns the index of the first.
func (t *tx) AppendLedger(ctx context.Context, entries ...[]byte) (int64, error) {
	if _, err := t.begin(ctx); err != nil {
		return 0, err
	}
	first := t.ledgerSize()
	if len(entries) == 0 {
		return first, nil
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
	t.ledger = append(t.ledger, ledgerPart{first: first, entries: entries, leaves: leaves})
	return first, nil
}

// AppendLedgerLater reserves n entries at the end of the ledger and returns
// the index of the first; encode(i) gives the canonical bytes of entry i,
// on the encoder goroutine, before the batch commits. An entry it cannot
// encode fails the whole batch: only the caller can know that its entries
// are well formed. encode must not use the transaction.
func (t *tx) AppendLedgerLater(ctx context.Context, n int, encode func(i int) ([]byte, error)) (int64, error) {
	if _, err := t.begin(ctx); err != nil {
		return 0, err
	}
	first := t.ledgerSize()
	if n <= 0 {
		return first, nil
	}
	j := &ledgerJob{n: n, encode: encode, done: make(chan struct{})}
	t.store.encoder <- j
	t.ledger = append(t.ledger, ledgerPart{first: first, job: j})
	return first, nil
}

// ledgerSize is the size of the ledger as the closure sees it.
func (t *tx) ledgerSize() int64 {
	if k := len(t.ledger); k > 0 {
		return t.ledger[k-1].first + t.ledger[k-1].size()
	}
	return t.store.pendingSize
}

// pageEntries is the most entries one ledger_page row holds: a page is read
// whole to find one of its entries, and readers look this far back for the
// page that holds an index. It must never be lowered.
const pageEntries = 256

// writeLedger waits for the batch's encoding jobs, appends its entries to
// a copy of the committed tree (s.pending, committed with the batch), and
// stores the entries and the new nodes.
func (s *Store) writeLedger(ctx context.Context) error {
	s.pending = s.ledger.Load()
	if len(s.batchLedger) == 0 {
		return nil
	}
	var entries, leaves [][]byte
	for _, p := range s.batchLedger {
		if p.job != nil {
			<-p.job.done
			if p.job.err != nil {
				return p.job.err
			}
			p.entries, p.leaves = p.job.entries, p.job.leaves
		}
		entries, leaves = append(entries, p.entries...), append(leaves, p.leaves...)
	}
	app := s.pending.Clone()
	b, err := app.Append(leaves...)
	if err != nil {
		return fmt.Errorf("sqlite: ledger append: %w", err)
	}
	if int64(b.Start) != s.batchLedger[0].first {
		return fmt.Errorf("sqlite: the batch's ledger entries start at %d, the tree at %d", s.batchLedger[0].first, b.Start)
	}
	for lo := 0; lo < len(entries); lo += rowChunk * pageEntries {
		hi := min(len(entries), lo+rowChunk*pageEntries)
		var args []any
		for p := lo; p < hi; p += pageEntries {
			q := min(hi, p+pageEntries)
			page := make([]byte, 0, 2+300*(q-p))
			page = append(page, '[')
			for i, c := range entries[p:q] {
				if i > 0 {
					page = append(page, ',')
				}
				page = append(page, c...)
			}
			args = append(args, int64(b.Start)+int64(p), string(append(page, ']')), bytes.Join(leaves[p:q], nil))
		}
		if _, err := s.wq.exec(ctx, `INSERT INTO ledger_page (first_idx, entries, leaf_hashes) VALUES `+placeholders(len(args)/3, 3), args...); err != nil {
			return wrap(err, "append to the ledger")
		}
	}
	var nodes []any
	for _, n := range b.Nodes {
		if n.ID.Level%nodeEvery != 0 || n.ID.Level == 0 {
			continue // computed when read; leaf hashes are kept with the entries
		}
		nodes = append(nodes, n.ID.Level, int64(n.ID.Index), n.Hash)
	}
	for len(nodes) > 0 {
		k := min(len(nodes), 3*rowChunk)
		if _, err := s.wq.exec(ctx, `INSERT INTO ledger_node (level, idx, hash) VALUES `+placeholders(k/3, 3), nodes[:k]...); err != nil {
			return wrap(err, "append to the ledger")
		}
		nodes = nodes[k:]
	}
	s.pending = app
	return nil
}

// ledgerRange returns the stored entries with index in [start, end), in
// index order. An index with no entry (which only tampering with the file
// makes) is missing from the result.
// storedEntry is a ledger entry as read back.
type storedEntry struct {
	idx       int64
	canonical []byte
	leaf      []byte
}

func (r *reader) ledgerRange(ctx context.Context, start, end int64) ([]storedEntry, error) {
	if start >= end {
		return nil, nil
	}
	rows, err := r.q.query(ctx, `SELECT first_idx, entries, leaf_hashes FROM ledger_page
		WHERE first_idx > ? AND first_idx < ? ORDER BY first_idx`, start-pageEntries, end)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedEntry
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
				out = append(out, storedEntry{idx: idx, canonical: c, leaf: leaves[32*i : 32*i+32 : 32*i+32]})
			}
		}
	}
	return out, rows.Err()
}

// LedgerHead returns the committed ledger's size and root. Inside a
// transaction it returns the size as the transaction has it, and no root:
// the batch's entries are hashed into the tree only when it ends.
func (r *reader) LedgerHead(ctx context.Context) (deconflict.LedgerHead, error) {
	if r.tx != nil {
		if r.tx.done.Load() {
			return deconflict.LedgerHead{}, errTxDone
		}
		return deconflict.LedgerHead{Size: r.tx.ledgerSize()}, nil
	}
	a := r.store.ledger.Load()
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
		es, err := r.ledgerRange(ctx, lo, lo+int64(width))
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			level = append(level, e.leaf)
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
