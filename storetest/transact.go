package storetest

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/deconflict/deconflict"
)

func testTransact(t *testing.T, s deconflict.Store) {
	ctx := context.Background()

	// A failing closure keeps none of its writes, and its error comes back.
	err := writeErr(s, func(ctx context.Context, tx deconflict.Tx) error {
		if err := tx.CreateParty(ctx, deconflict.Party{ID: "temp", CreatedAt: t0}); err != nil {
			return err
		}
		if err := tx.SetMeta(ctx, "k", []byte("v")); err != nil {
			return err
		}
		if err := tx.PutOperation(ctx, operation("temp", "op", deconflict.StatePlanned, at(1, 0), at(2, 0))); err != nil {
			return err
		}
		return errTest
	})
	if !errors.Is(err, errTest) {
		t.Fatalf("Transact returned %v, want the closure's error", err)
	}
	_, err = s.Party(ctx, "temp")
	wantCode(t, "party of a rolled-back transaction", err, deconflict.ENOTFOUND)
	_, err = s.Meta(ctx, "k")
	wantCode(t, "setting of a rolled-back transaction", err, deconflict.ENOTFOUND)
	_, err = s.Operation(ctx, "temp", "op")
	wantCode(t, "operation of a rolled-back transaction", err, deconflict.ENOTFOUND)

	// A coded error of the store, returned by the closure, keeps its code.
	mustParty(t, s, "p")
	err = writeErr(s, func(ctx context.Context, tx deconflict.Tx) error {
		if err := tx.SetMeta(ctx, "k", []byte("v")); err != nil {
			return err
		}
		return tx.CreateParty(ctx, deconflict.Party{ID: "p"})
	})
	wantCode(t, "duplicate party through Transact", err, deconflict.ECONFLICT)
	_, err = s.Meta(ctx, "k")
	wantCode(t, "setting written before the failing call", err, deconflict.ENOTFOUND)

	// A transaction reads its own writes, before they commit.
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		if err := tx.CreateParty(ctx, deconflict.Party{ID: "q", Groups: []string{"g"}, CreatedAt: t0}); err != nil {
			return err
		}
		if p, err := tx.Party(ctx, "q"); err != nil || len(p.Groups) != 1 {
			t.Errorf("party read in its own transaction: %+v, %v", p, err)
		}
		if err := tx.PutOperation(ctx, operation("q", "op", deconflict.StatePlanned, at(1, 0), at(2, 0))); err != nil {
			return err
		}
		if ops, err := tx.Operations(ctx, deconflict.OperationFilter{Party: "q"}); err != nil || len(ops) != 1 {
			t.Errorf("operations read in their own transaction: %d, %v", len(ops), err)
		}
		return tx.SetMeta(ctx, "seen", []byte("yes"))
	})
	if v, err := s.Meta(ctx, "seen"); err != nil || string(v) != "yes" {
		t.Fatalf("committed setting = %q, %v", v, err)
	}

	// A cancelled context: the closure never runs.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	err = s.Transact(cctx, func(tx deconflict.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("Transact with a cancelled context: %v, ran %v; want context.Canceled and no run", err, ran)
	}
}

// testTransactConcurrent checks that transactions are serialised: many
// read-modify-write increments of one counter lose none.
func testTransactConcurrent(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Transact(ctx, func(tx deconflict.Tx) error {
				count := 0
				v, err := tx.Meta(ctx, "counter")
				switch deconflict.ErrorCode(err) {
				case "":
					if count, err = strconv.Atoi(string(v)); err != nil {
						return err
					}
				case deconflict.ENOTFOUND:
				default:
					return err
				}
				if i%10 == 0 {
					// Some transactions fail after writing: theirs must not count.
					if err := tx.SetMeta(ctx, "counter", []byte(strconv.Itoa(count+1000))); err != nil {
						return err
					}
					return errTest
				}
				return tx.SetMeta(ctx, "counter", []byte(strconv.Itoa(count+1)))
			})
		}()
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		switch {
		case errors.Is(err, errTest):
			failed++
		case err != nil:
			t.Fatalf("Transact: %v", err)
		}
	}
	v, err := s.Meta(ctx, "counter")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(v), strconv.Itoa(n-failed); got != want || failed != n/10 {
		t.Fatalf("counter = %s after %d increments (%d failed on purpose), want %s", got, n-failed, failed, want)
	}
}
