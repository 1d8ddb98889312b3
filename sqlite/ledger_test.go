package sqlite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
