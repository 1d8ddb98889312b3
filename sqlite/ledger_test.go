package sqlite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/ledger"
	"github.com/deconflict/deconflict/sqlite"
)

func entry(t testing.TB, i int) []byte {
	t.Helper()
	e, err := ledger.NewEntry("operation.put", time.Date(2026, 11, 24, 7, 0, 0, i*1000, time.UTC), "alpha",
		[]string{"alpha", "group:coalition"}, fmt.Sprintf("operation/alpha/op-%d@1", i), []byte(fmt.Sprint(i)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLedgerAppendsWithItsTransaction appends entries from many concurrent
// transactions (batched together by group commit), some of which fail and
// must take their entries with them, then checks the tree against one built
// from the entries kept, every inclusion proof, and the same root after the
// store is reopened.
func TestLedgerAppendsWithItsTransaction(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("refused")
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 25 {
				n := w*100 + i
				err := s.Transact(ctx, func(tx deconflict.Tx) error {
					if _, err := tx.AppendLedger(ctx, entry(t, n), entry(t, n+50)); err != nil {
						return err
					}
					if n%3 == 0 {
						return boom // rolled back to its savepoint: its entries must go
					}
					return nil
				})
				if err != nil && !errors.Is(err, boom) {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	head, err := s.LedgerHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := s.LedgerEntries(ctx, 0, head.Size)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(recs)) != head.Size || head.Size == 0 {
		t.Fatalf("head size %d, %d entries stored", head.Size, len(recs))
	}
	app := ledger.NewAppender()
	for i, r := range recs {
		e, err := ledger.DecodeEntry(r.Canonical)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		fmt.Sscanf(e.Object, "operation/alpha/op-%d@1", &n)
		if n%100 >= 50 {
			n -= 50 // the second entry of transaction n
		}
		if n%3 == 0 {
			t.Fatalf("entry %d (%s) belongs to a transaction that failed", i, e.Object)
		}
		if _, err := app.Append(ledger.LeafHash(r.Canonical)); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(app.Root(), head.Root) {
		t.Fatal("the stored tree's root differs from the root of its entries")
	}
	for i, r := range recs {
		p, err := ledger.InclusionProof(ctx, s.NodeReader(), uint64(head.Size), uint64(i), uint64(head.Size))
		if err != nil {
			t.Fatal(err)
		}
		if err := ledger.VerifyInclusion(r.LeafHash, uint64(i), uint64(head.Size), p, head.Root); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	again, err := s.LedgerHead(ctx)
	if err != nil || again.Size != head.Size || !bytes.Equal(again.Root, head.Root) {
		t.Fatalf("after reopening: %+v, %v; want %+v", again, err, head)
	}
	// And it grows on from there.
	if err := s.Transact(ctx, func(tx deconflict.Tx) error { _, err := tx.AppendLedger(ctx, entry(t, 9999)); return err }); err != nil {
		t.Fatal(err)
	}
	app.Append(ledger.LeafHash(entry(t, 9999)))
	grown, _ := s.LedgerHead(ctx)
	if !bytes.Equal(grown.Root, app.Root()) {
		t.Fatal("after reopening, the next append gives another root than the tree's")
	}
}

// TestLedgerRefusesNonCanonicalEntries: what is appended must be an entry.
func TestLedgerRefusesNonCanonicalEntries(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	err := s.Transact(ctx, func(tx deconflict.Tx) error {
		_, err := tx.AppendLedger(ctx, []byte(`{"kind":"x"}`))
		return err
	})
	if err == nil {
		t.Fatal("a non-canonical entry was appended")
	}
	if h, _ := s.LedgerHead(ctx); h.Size != 0 {
		t.Fatalf("ledger size %d after a refused append", h.Size)
	}
}

// BenchmarkLedgerAppend appends entries inside store transactions the way
// the journal does: from 32 concurrent writers, each transaction a change
// with 10 entries (a submission with a few conflicts), group commit
// batching them. entries/s is the figure of issue 3.
func BenchmarkLedgerAppend(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(filepath.Join(b.TempDir(), "db.sqlite"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const perTx, writers = 10, 32
	entries := make([][]byte, perTx*writers)
	for i := range entries {
		entries[i] = entry(b, i)
	}
	txs := (b.N + perTx - 1) / perTx
	var next sync.WaitGroup
	work := make(chan int)
	start := time.Now()
	for w := range writers {
		next.Go(func() {
			for range work {
				err := s.Transact(ctx, func(tx deconflict.Tx) error {
					_, err := tx.AppendLedger(ctx, entries[w*perTx:(w+1)*perTx]...)
					return err
				})
				if err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := range txs {
		work <- i
	}
	close(work)
	next.Wait()
	b.ReportMetric(float64(txs*perTx)/time.Since(start).Seconds(), "entries/s")
}

// BenchmarkInclusionProof serves inclusion proofs from a ledger of
// DECONFLICT_BENCH_LEDGER_SIZE entries (default 1,000,000; issue 3 asks
// 10,000,000) kept in DECONFLICT_BENCH_LEDGER_DB between runs (filling it
// takes minutes), for random entries of the whole tree.
func BenchmarkInclusionProof(b *testing.B) {
	ctx := context.Background()
	size := int64(1_000_000)
	if v := os.Getenv("DECONFLICT_BENCH_LEDGER_SIZE"); v != "" {
		fmt.Sscan(v, &size)
	}
	path := os.Getenv("DECONFLICT_BENCH_LEDGER_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "ledger.db")
	}
	s, err := sqlite.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	head, _ := s.LedgerHead(ctx)
	const chunk = 20_000
	batch := make([][]byte, chunk)
	for i := range batch {
		batch[i] = entry(b, i)
	}
	for head.Size < size {
		n := min(chunk, size-head.Size)
		if err := s.Transact(ctx, func(tx deconflict.Tx) error { _, err := tx.AppendLedger(ctx, batch[:n]...); return err }); err != nil {
			b.Fatal(err)
		}
		head, _ = s.LedgerHead(ctx)
	}
	nodes := s.NodeReader()
	rng := rand.New(rand.NewPCG(1, 1))
	b.ResetTimer()
	for b.Loop() {
		i := rng.Int64N(head.Size)
		p, err := ledger.InclusionProof(ctx, nodes, uint64(head.Size), uint64(i), uint64(head.Size))
		if err != nil {
			b.Fatal(err)
		}
		if len(p) == 0 && head.Size > 1 {
			b.Fatal("empty proof")
		}
	}
	b.ReportMetric(float64(head.Size), "entries")
}
