package ledger

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkAppendEntry is the ledger's share of a store write, one entry per
// Append: build the entry (hashing a 512-byte payload), encode it, hash the
// leaf, extend the tree and collect the nodes to store.
func BenchmarkAppendEntry(b *testing.B) {
	benchmarkAppend(b, 1)
}

// BenchmarkAppendBatch16 is the same with 16 entries per Append, as one
// transaction that records a change, its conflicts and their events does.
func BenchmarkAppendBatch16(b *testing.B) {
	benchmarkAppend(b, 16)
}

func benchmarkAppend(b *testing.B, batch int) {
	payload := make([]byte, 512)
	for i := range payload {
		payload[i] = byte(i)
	}
	audience := []string{"partyB", "group:coalition", "partyA"}
	base := time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
	a := NewAppender()
	leaves := make([][]byte, 0, batch)
	nodes := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e, err := NewEntry("event.delivered", base.Add(time.Duration(i)*time.Microsecond), "system",
			audience, "event/"+strconv.Itoa(i), payload)
		if err != nil {
			b.Fatal(err)
		}
		lh, err := e.LeafHash()
		if err != nil {
			b.Fatal(err)
		}
		leaves = append(leaves, lh)
		if len(leaves) == batch || i == b.N-1 {
			bt, err := a.Append(leaves...)
			if err != nil {
				b.Fatal(err)
			}
			nodes += len(bt.Nodes)
			leaves = leaves[:0]
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	if want := 2*b.N - 64; nodes < want {
		b.Fatalf("%d nodes for %d entries", nodes, b.N)
	}
}

// levelNodes keeps a tree's nodes in one byte slice per level, indexed by
// node index: 10 million leaves take about 640 MB this way (a map would take
// several times that).
type levelNodes struct{ levels [][]byte }

func (s *levelNodes) put(nodes []Node) {
	for _, n := range nodes {
		for len(s.levels) <= int(n.ID.Level) {
			s.levels = append(s.levels, nil)
		}
		l := &s.levels[n.ID.Level]
		if uint64(len(*l)) != n.ID.Index*HashSize {
			panic(fmt.Sprintf("node %+v out of order", n.ID))
		}
		*l = append(*l, n.Hash...)
	}
}

func (s *levelNodes) Nodes(_ context.Context, ids []NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		if int(id.Level) >= len(s.levels) || (id.Index+1)*HashSize > uint64(len(s.levels[id.Level])) {
			return nil, fmt.Errorf("node (level %d, index %d) not stored", id.Level, id.Index)
		}
		off := id.Index * HashSize
		out[i] = s.levels[id.Level][off : off+HashSize : off+HashSize]
	}
	return out, nil
}

const bigTree = 10_000_000

var big struct {
	once  sync.Once
	nodes *levelNodes
	root  []byte
	took  time.Duration
}

// bigLeaf is the leaf hash of the 8-byte entry i: any distinct leaves will
// do, and these can be recomputed to check a proof.
func bigLeaf(i uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], i)
	return LeafHash(b[:])
}

// bigLedger builds the 10-million-entry tree once per test binary, through
// the Appender as a store would, in batches.
func bigLedger(b *testing.B) (*levelNodes, []byte) {
	big.once.Do(func() {
		start := time.Now()
		s := &levelNodes{}
		for l := 0; bigTree>>l > 0; l++ {
			s.levels = append(s.levels, make([]byte, 0, (bigTree>>l)*HashSize))
		}
		a := NewAppender()
		const chunk = 1 << 16
		leaves := make([][]byte, 0, chunk)
		for i := uint64(0); i < bigTree; i++ {
			leaves = append(leaves, bigLeaf(i))
			if len(leaves) == chunk || i == bigTree-1 {
				bt, err := a.Append(leaves...)
				if err != nil {
					panic(err)
				}
				s.put(bt.Nodes)
				leaves = leaves[:0]
			}
		}
		big.nodes, big.root, big.took = s, a.Root(), time.Since(start)
		b.Logf("10M-entry tree built in %v (once per run)", big.took)
	})
	return big.nodes, big.root
}

// BenchmarkInclusionProof10M serves an inclusion proof for a random entry of
// a 10-million-entry ledger from stored nodes (proof for the current size).
func BenchmarkInclusionProof10M(b *testing.B) {
	s, root := bigLedger(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 1))
	// One proof checked outside the timing, so the figure is of a real proof.
	p, err := InclusionProof(ctx, s, bigTree, 1234567, bigTree)
	if err != nil {
		b.Fatal(err)
	}
	if err := VerifyInclusion(bigLeaf(1234567), 1234567, bigTree, p, root); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := InclusionProof(ctx, s, bigTree, rng.Uint64N(bigTree), bigTree); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConsistencyProof10M serves a consistency proof between two random
// sizes of a 10-million-entry ledger.
func BenchmarkConsistencyProof10M(b *testing.B) {
	s, _ := bigLedger(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2, 2))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x, y := rng.Uint64N(bigTree+1), rng.Uint64N(bigTree+1)
		if _, err := ConsistencyProof(ctx, s, bigTree, min(x, y), max(x, y)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyInclusion10M is the verifier's side of one proof.
func BenchmarkVerifyInclusion10M(b *testing.B) {
	s, root := bigLedger(b)
	const index = 9_876_543
	p, err := InclusionProof(context.Background(), s, bigTree, index, bigTree)
	if err != nil {
		b.Fatal(err)
	}
	leaf := bigLeaf(index)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := VerifyInclusion(leaf, index, bigTree, p, root); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignCheckpoint and BenchmarkOpenCheckpoint: one checkpoint per
// request would cost this much.
func BenchmarkSignCheckpoint(b *testing.B) {
	s := testSigner(b)
	root := EmptyRoot()
	for i := 0; i < b.N; i++ {
		if _, err := s.Sign(uint64(i), root); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenCheckpoint(b *testing.B) {
	s := testSigner(b)
	n, _ := s.Sign(bigTree, EmptyRoot())
	vkey := s.VerifierKey()
	for i := 0; i < b.N; i++ {
		if _, err := OpenCheckpoint(n, vkey); err != nil {
			b.Fatal(err)
		}
	}
}
