package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"pgregory.net/rapid"
)

// oracle computes RFC 6962 §2.1 from scratch over a fixed list of leaf
// hashes, straight from the RFC's recursive definitions (MTH, PATH, PROOF),
// sharing nothing with the code under test but SHA-256.
type oracle struct {
	leaves [][]byte
	memo   map[[2]int][]byte
}

func newOracle(leaves [][]byte) *oracle {
	return &oracle{leaves: leaves, memo: map[[2]int][]byte{}}
}

func node(l, r []byte) []byte {
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(l)
	h.Write(r)
	return h.Sum(nil)
}

// split is k, the largest power of two smaller than n (n > 1).
func split(n int) int { return 1 << (bits.Len(uint(n-1)) - 1) }

// mth is MTH(D[lo:hi]).
func (o *oracle) mth(lo, hi int) []byte {
	if hi == lo {
		s := sha256.Sum256(nil)
		return s[:]
	}
	if hi-lo == 1 {
		return o.leaves[lo]
	}
	if h, ok := o.memo[[2]int{lo, hi}]; ok {
		return h
	}
	k := split(hi - lo)
	h := node(o.mth(lo, lo+k), o.mth(lo+k, hi))
	o.memo[[2]int{lo, hi}] = h
	return h
}

// path is PATH(m, D[lo:hi]).
func (o *oracle) path(m, lo, hi int) [][]byte {
	n := hi - lo
	if n == 1 {
		return nil
	}
	k := split(n)
	if m < k {
		return append(o.path(m, lo, lo+k), o.mth(lo+k, hi))
	}
	return append(o.path(m-k, lo+k, hi), o.mth(lo, lo+k))
}

// subproof is SUBPROOF(m, D[lo:hi], b).
func (o *oracle) subproof(m, lo, hi int, b bool) [][]byte {
	n := hi - lo
	if m == n {
		if b {
			return nil
		}
		return [][]byte{o.mth(lo, hi)}
	}
	k := split(n)
	if m <= k {
		return append(o.subproof(m, lo, lo+k, b), o.mth(lo+k, hi))
	}
	return append(o.subproof(m-k, lo+k, hi, false), o.mth(lo, lo+k))
}

// proof is PROOF(m, D[n]); the RFC defines it for 0 < m < n, and the
// exchange serves the empty proof for m == 0 and m == n.
func (o *oracle) proof(m, n int) [][]byte {
	if m == 0 || m == n {
		return nil
	}
	return o.subproof(m, 0, n, true)
}

// testLeaves returns n distinct leaf hashes of real entries.
func testLeaves(t testing.TB, n int) ([]Entry, [][]byte) {
	t.Helper()
	base := time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
	entries := make([]Entry, n)
	leaves := make([][]byte, n)
	for i := range n {
		e, err := NewEntry("event.created", base.Add(time.Duration(i)*time.Millisecond), "system",
			[]string{"partyA", "partyB"}, fmt.Sprintf("event/%d", i), fmt.Appendf(nil, `{"n":%d}`, i))
		if err != nil {
			t.Fatal(err)
		}
		entries[i] = e
		if leaves[i], err = e.LeafHash(); err != nil {
			t.Fatal(err)
		}
	}
	return entries, leaves
}

func equalHashes(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestAppenderAgainstOracle grows a tree one leaf at a time to 130 leaves and
// checks after each: the root, the batch, and that the stored nodes are
// exactly the perfect subtrees so far, each with the oracle's hash.
func TestAppenderAgainstOracle(t *testing.T) {
	const n = 130
	_, leaves := testLeaves(t, n)
	o := newOracle(leaves)
	a := NewAppender()
	if a.Size() != 0 || !bytes.Equal(a.Root(), o.mth(0, 0)) {
		t.Fatalf("empty tree: size %d root %x", a.Size(), a.Root())
	}
	stored := map[NodeID][]byte{}
	for i := range n {
		b, err := a.Append(leaves[i])
		if err != nil {
			t.Fatal(err)
		}
		if b.Start != uint64(i) || b.Size != uint64(i+1) || a.Size() != b.Size {
			t.Fatalf("append %d: start %d size %d", i, b.Start, b.Size)
		}
		if !bytes.Equal(b.Root, o.mth(0, i+1)) || !bytes.Equal(a.Root(), b.Root) {
			t.Fatalf("root after %d leaves is %x, oracle %x", i+1, b.Root, o.mth(0, i+1))
		}
		for _, nd := range b.Nodes {
			if _, dup := stored[nd.ID]; dup {
				t.Fatalf("node %+v returned twice", nd.ID)
			}
			stored[nd.ID] = nd.Hash
		}
		size := i + 1
		if want := 2*size - bits.OnesCount(uint(size)); len(stored) != want {
			t.Fatalf("after %d leaves %d nodes stored, want %d (every perfect subtree)", size, len(stored), want)
		}
	}
	for id, h := range stored {
		lo, hi := id.Coverage()
		if hi > n {
			t.Fatalf("node %+v covers leaves beyond the tree", id)
		}
		if !bytes.Equal(h, o.mth(int(lo), int(hi))) {
			t.Fatalf("node %+v hash %x, oracle %x", id, h, o.mth(int(lo), int(hi)))
		}
	}
}

// TestProofsAgainstOracle serves every inclusion proof (index, size) and
// every consistency proof (from, to) of a 130-leaf tree from stored nodes,
// and checks each equals the RFC's proof and verifies against the oracle's
// roots.
func TestProofsAgainstOracle(t *testing.T) {
	const n = 130
	ctx := context.Background()
	_, leaves := testLeaves(t, n)
	o := newOracle(leaves)
	store, a := buildTree(t, leaves, rand.New(rand.NewPCG(1, 2)))
	if !bytes.Equal(a.Root(), o.mth(0, n)) {
		t.Fatal("root")
	}
	for size := 0; size <= n; size++ {
		root, err := RootAt(ctx, store, n, uint64(size))
		if err != nil || !bytes.Equal(root, o.mth(0, size)) {
			t.Fatalf("RootAt(%d) = %x, %v; oracle %x", size, root, err, o.mth(0, size))
		}
		for index := 0; index < size; index++ {
			p, err := InclusionProof(ctx, store, n, uint64(index), uint64(size))
			if err != nil {
				t.Fatalf("InclusionProof(%d, %d): %v", index, size, err)
			}
			if want := o.path(index, 0, size); !equalHashes(p, want) {
				t.Fatalf("InclusionProof(%d, %d) has %d hashes, differs from RFC PATH (%d hashes)", index, size, len(p), len(want))
			}
			if err := VerifyInclusion(leaves[index], uint64(index), uint64(size), p, root); err != nil {
				t.Fatalf("VerifyInclusion(%d, %d): %v", index, size, err)
			}
		}
		for from := 0; from <= size; from++ {
			p, err := ConsistencyProof(ctx, store, n, uint64(from), uint64(size))
			if err != nil {
				t.Fatalf("ConsistencyProof(%d, %d): %v", from, size, err)
			}
			if want := o.proof(from, size); !equalHashes(p, want) {
				t.Fatalf("ConsistencyProof(%d, %d) has %d hashes, differs from RFC PROOF (%d hashes)", from, size, len(p), len(want))
			}
			if err := VerifyConsistency(uint64(from), uint64(size), p, o.mth(0, from), root); err != nil {
				t.Fatalf("VerifyConsistency(%d, %d): %v", from, size, err)
			}
		}
	}
}

// buildTree appends leaves in batches of random sizes and keeps the nodes.
func buildTree(t testing.TB, leaves [][]byte, rng *rand.Rand) (*MemoryNodes, *Appender) {
	t.Helper()
	store := &MemoryNodes{}
	a := NewAppender()
	for i := 0; i < len(leaves); {
		j := min(len(leaves), i+1+rng.IntN(9))
		b, err := a.Append(leaves[i:j]...)
		if err != nil {
			t.Fatal(err)
		}
		store.Put(b.Nodes)
		i = j
	}
	return store, a
}

func TestProofRequestErrors(t *testing.T) {
	ctx := context.Background()
	_, leaves := testLeaves(t, 10)
	store, _ := buildTree(t, leaves, rand.New(rand.NewPCG(3, 4)))
	cases := []struct {
		name string
		err  error
	}{
		{"index = size", second(InclusionProof(ctx, store, 10, 5, 5))},
		{"index > size", second(InclusionProof(ctx, store, 10, 7, 5))},
		{"empty tree", second(InclusionProof(ctx, store, 10, 0, 0))},
		{"size > log", second(InclusionProof(ctx, store, 10, 0, 11))},
		{"from > to", second(ConsistencyProof(ctx, store, 10, 6, 5))},
		{"to > log", second(ConsistencyProof(ctx, store, 10, 5, 11))},
		{"root beyond log", second(RootAt(ctx, store, 10, 11))},
	}
	for _, c := range cases {
		if deconflict.ErrorCode(c.err) != deconflict.EINVALID {
			t.Errorf("%s: %v, want EINVALID", c.name, c.err)
		}
	}
	// A store that lost a node is the server's fault, not the caller's.
	_, err := InclusionProof(ctx, &MemoryNodes{}, 10, 3, 10)
	if err == nil || deconflict.ErrorCode(err) != deconflict.EINTERNAL {
		t.Errorf("missing node: %v, want an internal error", err)
	}
	_, err = InclusionProof(ctx, shortReader{store}, 10, 3, 10)
	if err == nil || deconflict.ErrorCode(err) != deconflict.EINTERNAL {
		t.Errorf("short answer: %v, want an internal error", err)
	}
}

func second[T any](_ T, err error) error { return err }

// shortReader drops the last hash of every answer, as a faulty store might.
type shortReader struct{ r NodeReader }

func (s shortReader) Nodes(ctx context.Context, ids []NodeID) ([][]byte, error) {
	h, err := s.r.Nodes(ctx, ids)
	if err != nil || len(h) == 0 {
		return h, err
	}
	return h[:len(h)-1], nil
}

func TestAppendRefusesBadLeaf(t *testing.T) {
	a := NewAppender()
	_, leaves := testLeaves(t, 2)
	if _, err := a.Append(leaves[0], []byte("short")); err == nil {
		t.Fatal("appended a 5-byte leaf hash")
	}
	if a.Size() != 0 {
		t.Fatalf("a refused batch changed the tree to size %d", a.Size())
	}
	// The appender keeps its own copy of each leaf hash.
	buf := bytes.Clone(leaves[0])
	b, _ := a.Append(buf)
	buf[0] ^= 1
	if !bytes.Equal(b.Nodes[0].Hash, leaves[0]) || !bytes.Equal(a.Root(), leaves[0]) {
		t.Fatal("changing the caller's buffer changed the tree")
	}
}

func TestCloneIsIndependent(t *testing.T) {
	_, leaves := testLeaves(t, 7)
	a := NewAppender()
	a.Append(leaves[:5]...)
	root5 := a.Root()
	c := a.Clone()
	if _, err := c.Append(leaves[5:]...); err != nil {
		t.Fatal(err)
	}
	if a.Size() != 5 || !bytes.Equal(a.Root(), root5) {
		t.Fatal("appending to a clone changed the original")
	}
	// And the original can still go its own way (as after a rolled back
	// transaction), reaching the same state.
	a.Append(leaves[5:]...)
	if !bytes.Equal(a.Root(), c.Root()) {
		t.Fatal("original and clone diverged on the same leaves")
	}
}

// TestRestartProperty appends in random batches with restarts at random
// points, rebuilding the Appender from the stored nodes each time, and checks
// that roots and stored nodes are those of a run without restarts.
func TestRestartProperty(t *testing.T) {
	ctx := context.Background()
	_, all := testLeaves(t, 300)
	o := newOracle(all)
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, len(all)).Draw(t, "n")
		store := &MemoryNodes{}
		a := NewAppender()
		for i := 0; i < n; {
			if rapid.Bool().Draw(t, "restart") {
				edge := RightEdge(a.Size())
				if want := bits.OnesCount64(a.Size()); len(edge) != want {
					t.Fatalf("RightEdge(%d) lists %d nodes, want %d", a.Size(), len(edge), want)
				}
				r, err := LoadAppender(ctx, store, a.Size())
				if err != nil {
					t.Fatalf("restore at %d: %v", a.Size(), err)
				}
				a = r
			}
			j := min(n, i+rapid.IntRange(1, 40).Draw(t, "batch"))
			b, err := a.Append(all[i:j]...)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Root, o.mth(0, j)) {
				t.Fatalf("root at %d after restarts differs from the oracle", j)
			}
			store.Put(b.Nodes)
			i = j
		}
		if want := 2*n - bits.OnesCount(uint(n)); store.Len() != want {
			t.Fatalf("%d nodes stored, want %d", store.Len(), want)
		}
	})
}

func TestRestoreRefusesWrongHashes(t *testing.T) {
	_, leaves := testLeaves(t, 6) // size 6 = 4 + 2: two right-edge nodes
	if _, err := RestoreAppender(6, [][]byte{leaves[0]}); err == nil {
		t.Error("restored size 6 from one hash")
	}
	if _, err := RestoreAppender(6, [][]byte{leaves[0], {1, 2}}); err == nil {
		t.Error("restored from a short hash")
	}
	if _, err := LoadAppender(context.Background(), &MemoryNodes{}, 6); err == nil {
		t.Error("loaded from an empty store")
	}
}
