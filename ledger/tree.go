package ledger

import (
	"context"
	"fmt"
	"slices"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
)

// HashSize is the length of every hash in the tree (SHA-256).
const HashSize = 32

// NodeID names the root of a perfect subtree: Level 0 is a leaf, and node
// (Level, Index) covers leaves [Index<<Level, (Index+1)<<Level).
type NodeID = compact.NodeID

// Node is a stored node of the tree.
type Node struct {
	ID   NodeID
	Hash []byte
}

// EmptyRoot returns the root hash of the tree with no leaves.
func EmptyRoot() []byte { return rfc6962.DefaultHasher.EmptyRoot() }

// hashChildren is the RFC 6962 interior node hash.
var hashChildren = rfc6962.DefaultHasher.HashChildren

// HashChildren returns the RFC 6962 hash of the interior node over l and r,
// for a store that keeps only some levels of the tree and computes the
// others from the level below.
func HashChildren(l, r []byte) []byte { return hashChildren(l, r) }

var rangeFactory = &compact.RangeFactory{Hash: hashChildren}

// Appender holds the right edge of the tree (its compact range: one hash per
// one-bit of the size) and extends it. It keeps no leaves: every node it
// completes is handed back for the store to keep, and after a restart
// LoadAppender or RestoreAppender rebuilds it from O(log n) of them.
//
// Append changes the Appender. Inside a store transaction that may roll back
// or run again, append to a Clone and keep the clone only once the
// transaction has committed:
//
//	next := cur.Clone()
//	b, err := next.Append(leaves...)
//	// write b.Nodes and the head (b.Size, b.Root) in the transaction
//	// after commit: cur = next
//
// Where several processes append to one database, the in-memory Appender may
// be stale: load it with LoadAppender inside the serialised transaction, or
// check that its Size equals the stored size. An Appender is not safe for
// concurrent use.
type Appender struct {
	rng *compact.Range
}

// Batch is what one Append did: the leaves it added are
// [Start, Size), the tree now has Size leaves and root Root, and Nodes are the
// new perfect-subtree nodes to store (the leaves at level 0 and every node
// they complete, each exactly once over the life of the tree).
type Batch struct {
	Start uint64
	Size  uint64
	Root  []byte
	Nodes []Node
}

// NewAppender returns the Appender of the empty tree.
func NewAppender() *Appender {
	return &Appender{rng: rangeFactory.NewEmptyRange(0)}
}

// RightEdge lists the nodes that RestoreAppender needs for a tree of size
// leaves, in the order it wants their hashes: the perfect subtrees that
// make up [0, size), largest first.
func RightEdge(size uint64) []NodeID {
	return compact.RangeNodes(0, size, nil)
}

// RestoreAppender rebuilds the Appender of a tree of size leaves from the
// hashes of RightEdge(size), in that order.
func RestoreAppender(size uint64, hashes [][]byte) (*Appender, error) {
	for i, h := range hashes {
		if len(h) != HashSize {
			return nil, fmt.Errorf("ledger: restore tree of size %d: hash %d is %d bytes, want %d", size, i, len(h), HashSize)
		}
	}
	rng, err := rangeFactory.NewRange(0, size, slices.Clone(hashes))
	if err != nil {
		return nil, fmt.Errorf("ledger: restore tree of size %d: %w", size, err)
	}
	return &Appender{rng: rng}, nil
}

// LoadAppender rebuilds the Appender of a tree of size leaves from the nodes
// in r.
func LoadAppender(ctx context.Context, r NodeReader, size uint64) (*Appender, error) {
	ids := RightEdge(size)
	hashes, err := readNodes(ctx, r, ids)
	if err != nil {
		return nil, fmt.Errorf("ledger: restore tree of size %d: %w", size, err)
	}
	return RestoreAppender(size, hashes)
}

// Size returns the number of leaves.
func (a *Appender) Size() uint64 { return a.rng.End() }

// Root returns the root hash of the tree as it stands.
func (a *Appender) Root() []byte {
	if a.rng.End() == 0 {
		return EmptyRoot()
	}
	root, err := a.rng.GetRootHash(nil)
	if err != nil {
		// The range always begins at 0, the one case GetRootHash refuses.
		panic(fmt.Sprintf("ledger: root of compact range: %v", err))
	}
	return root
}

// Clone returns an independent copy of a.
func (a *Appender) Clone() *Appender {
	// The hashes themselves are never written in place, so sharing them is
	// safe; the slice holding them is rewritten by Append and must be copied.
	rng, err := rangeFactory.NewRange(0, a.rng.End(), slices.Clone(a.rng.Hashes()))
	if err != nil {
		panic(fmt.Sprintf("ledger: clone compact range: %v", err))
	}
	return &Appender{rng: rng}
}

// Append adds leaves, each an RFC 6962 leaf hash (Entry.LeafHash), and
// returns what it did. It refuses the whole batch, changing nothing, if any
// hash is not HashSize bytes.
func (a *Appender) Append(leafHashes ...[]byte) (Batch, error) {
	for i, h := range leafHashes {
		if len(h) != HashSize {
			return Batch{}, fmt.Errorf("ledger: append: leaf hash %d is %d bytes, want %d", i, len(h), HashSize)
		}
	}
	b := Batch{Start: a.rng.End(), Nodes: make([]Node, 0, 2*len(leafHashes)+1)}
	visit := func(id NodeID, hash []byte) {
		b.Nodes = append(b.Nodes, Node{ID: id, Hash: hash})
	}
	for _, h := range leafHashes {
		// The caller may reuse its buffer; the stored leaf must not change.
		if err := a.rng.Append(slices.Clone(h), visit); err != nil {
			panic(fmt.Sprintf("ledger: append to compact range: %v", err))
		}
	}
	b.Size = a.rng.End()
	b.Root = a.Root()
	return b, nil
}
