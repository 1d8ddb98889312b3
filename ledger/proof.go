package ledger

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/deconflict/deconflict"
	"github.com/transparency-dev/merkle/proof"
)

// NodeReader reads stored nodes, as the store keeps them from Batch.Nodes.
// Nodes returns the hashes of ids in the same order, or an error if any is
// missing; it may read inside a transaction.
type NodeReader interface {
	Nodes(ctx context.Context, ids []NodeID) ([][]byte, error)
}

// InclusionProof returns the proof that leaf index is in the tree of size
// leaves, for a log that now holds logSize leaves: the hashes that
// VerifyInclusion folds with the leaf hash into the root of size. It reads
// O(log size) nodes. Asking for index >= size or size > logSize is an
// EINVALID error.
func InclusionProof(ctx context.Context, r NodeReader, logSize, index, size uint64) ([][]byte, error) {
	if size > logSize {
		return nil, deconflict.Errorf(deconflict.EINVALID, "size %d is beyond the ledger's %d entries", size, logSize)
	}
	if index >= size {
		return nil, deconflict.Errorf(deconflict.EINVALID, "index %d is not below size %d", index, size)
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, deconflict.Errorf(deconflict.EINVALID, "inclusion proof of %d in %d: %v", index, size, err)
	}
	p, err := fetch(ctx, r, nodes)
	if err != nil {
		return nil, fmt.Errorf("ledger: inclusion proof of %d in %d: %w", index, size, err)
	}
	return p, nil
}

// ConsistencyProof returns the proof that the tree of from leaves is a
// prefix of the tree of to leaves, for a log that now holds logSize leaves:
// the hashes that VerifyConsistency checks against both roots. It is empty
// when from is 0 or from == to. Asking for from > to or to > logSize is an
// EINVALID error.
func ConsistencyProof(ctx context.Context, r NodeReader, logSize, from, to uint64) ([][]byte, error) {
	if to > logSize {
		return nil, deconflict.Errorf(deconflict.EINVALID, "size %d is beyond the ledger's %d entries", to, logSize)
	}
	if from > to {
		return nil, deconflict.Errorf(deconflict.EINVALID, "from %d is after to %d", from, to)
	}
	nodes, err := proof.Consistency(from, to)
	if err != nil {
		return nil, deconflict.Errorf(deconflict.EINVALID, "consistency proof from %d to %d: %v", from, to, err)
	}
	p, err := fetch(ctx, r, nodes)
	if err != nil {
		return nil, fmt.Errorf("ledger: consistency proof from %d to %d: %w", from, to, err)
	}
	return p, nil
}

// RootAt returns the root hash of the tree as it was at size leaves, for a
// log that now holds logSize leaves. Asking for size > logSize is an EINVALID
// error.
func RootAt(ctx context.Context, r NodeReader, logSize, size uint64) ([]byte, error) {
	if size > logSize {
		return nil, deconflict.Errorf(deconflict.EINVALID, "size %d is beyond the ledger's %d entries", size, logSize)
	}
	a, err := LoadAppender(ctx, r, size)
	if err != nil {
		return nil, err
	}
	return a.Root(), nil
}

// fetch reads the nodes of a proof and folds its ephemeral part: the one
// proof node over an incomplete subtree is never stored, so it is hashed here
// from the stored perfect nodes below it.
func fetch(ctx context.Context, r NodeReader, nodes proof.Nodes) ([][]byte, error) {
	hashes, err := readNodes(ctx, r, nodes.IDs)
	if err != nil {
		return nil, err
	}
	return nodes.Rehash(hashes, hashChildren)
}

// readNodes reads ids from r and checks the answer's shape, so that a faulty
// store shows up as an error here rather than as a proof that fails later.
func readNodes(ctx context.Context, r NodeReader, ids []NodeID) ([][]byte, error) {
	if len(ids) == 0 {
		return [][]byte{}, nil
	}
	hashes, err := r.Nodes(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read %d nodes: %w", len(ids), err)
	}
	if len(hashes) != len(ids) {
		return nil, fmt.Errorf("node store returned %d hashes for %d nodes", len(hashes), len(ids))
	}
	for i, h := range hashes {
		if len(h) != HashSize {
			return nil, fmt.Errorf("node store returned %d bytes for node (level %d, index %d), want %d",
				len(h), ids[i].Level, ids[i].Index, HashSize)
		}
	}
	// Rehash folds in place; the reader's slice may be its own.
	return slices.Clone(hashes), nil
}

// MemoryNodes is a NodeReader over a map, for tests and small tools. The
// zero value is empty and ready to use; it is safe for concurrent use.
type MemoryNodes struct {
	mu sync.RWMutex
	m  map[NodeID][]byte
}

// Put stores nodes, as a store keeps Batch.Nodes.
func (s *MemoryNodes) Put(nodes []Node) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[NodeID][]byte)
	}
	for _, n := range nodes {
		s.m[n.ID] = n.Hash
	}
}

// Len returns the number of stored nodes.
func (s *MemoryNodes) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}

// Nodes implements NodeReader.
func (s *MemoryNodes) Nodes(_ context.Context, ids []NodeID) ([][]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([][]byte, len(ids))
	for i, id := range ids {
		h, ok := s.m[id]
		if !ok {
			return nil, fmt.Errorf("node (level %d, index %d) not stored", id.Level, id.Index)
		}
		out[i] = h
	}
	return out, nil
}

var _ NodeReader = (*MemoryNodes)(nil)

// StoredNodes reads nodes from a store that keeps them (deconflict.Reader).
func StoredNodes(r interface {
	LedgerNodes(ctx context.Context, ids []deconflict.LedgerNodeID) ([][]byte, error)
}) NodeReader {
	return storedNodes{r}
}

type storedNodes struct {
	r interface {
		LedgerNodes(ctx context.Context, ids []deconflict.LedgerNodeID) ([][]byte, error)
	}
}

func (n storedNodes) Nodes(ctx context.Context, ids []NodeID) ([][]byte, error) {
	conv := make([]deconflict.LedgerNodeID, len(ids))
	for i, id := range ids {
		conv[i] = deconflict.LedgerNodeID{Level: id.Level, Index: id.Index}
	}
	return n.r.LedgerNodes(ctx, conv)
}
