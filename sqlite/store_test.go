package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/sqlite"
	"github.com/deconflict/deconflict/storetest"
)

func open(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "data", "deconflict.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) deconflict.Store { return open(t) })
}

// TestReopen checks that data survives closing and opening again, and that
// migrations run once: a second run of the first migration would fail on
// its CREATE TABLEs and Open with it.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new-folder", "deeper", "db.sqlite")
	for i := range 3 {
		s, err := sqlite.Open(path)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		if i == 0 {
			err = s.Transact(ctx, func(tx deconflict.Tx) error {
				return tx.CreateParty(ctx, deconflict.Party{ID: "kept", Name: "Kept", Groups: []string{"g"}})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		p, err := s.Party(ctx, "kept")
		if err != nil || p.Name != "Kept" || len(p.Groups) != 1 {
			t.Fatalf("open #%d: party = %+v, %v", i+1, p, err)
		}
		if v, err := s.UserVersion(ctx); err != nil || v != sqlite.SchemaVersion() || v < 1 {
			t.Fatalf("open #%d: schema version %d, %v; want %d", i+1, v, err, sqlite.SchemaVersion())
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGroupCommitBatch runs many closures that queue up behind a slow one,
// so that they share batches; one in each group fails and only it loses
// its writes.
func TestGroupCommitBatch(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	release := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := s.Transact(ctx, func(tx deconflict.Tx) error {
			close(started)
			<-release // hold the writer while the others queue
			return tx.SetMeta(ctx, "first", []byte("1"))
		})
		if err != nil {
			t.Errorf("first: %v", err)
		}
	}()
	<-started
	const n = 40
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Transact(ctx, func(tx deconflict.Tx) error {
				if err := tx.SetMeta(ctx, key(i), []byte("x")); err != nil {
					return err
				}
				if i%7 == 3 {
					return errBoom
				}
				if i%7 == 5 {
					panic("closure panics on purpose")
				}
				return nil
			})
		}()
	}
	waitQueued(t, s, n)
	close(release)
	wg.Wait()
	for i, err := range errs {
		_, got := s.Meta(ctx, key(i))
		switch i % 7 {
		case 3:
			if !errors.Is(err, errBoom) {
				t.Errorf("closure %d: %v, want its own error", i, err)
			}
			wantNotFound(t, i, got)
		case 5:
			if deconflict.ErrorCode(err) != deconflict.EINTERNAL || deconflict.ErrorMessage(err) != "internal error" {
				t.Errorf("panicking closure %d: %v, want an internal error", i, err)
			}
			wantNotFound(t, i, got)
		default:
			if err != nil || got != nil {
				t.Errorf("closure %d: %v, read back: %v", i, err, got)
			}
		}
	}
	// The writer survived the panics.
	if err := s.Transact(ctx, func(tx deconflict.Tx) error { return tx.SetMeta(ctx, "after", nil) }); err != nil {
		t.Fatalf("Transact after panics: %v", err)
	}
	if st := s.Stats(); st.Batches >= st.Transactions || st.MaxBatch < 2 {
		t.Fatalf("stats %+v: want transactions committed in shared batches", st)
	}
}

var errBoom = errors.New("boom")

func key(i int) string { return "k" + string(rune('A'+i)) }

func wantNotFound(t *testing.T, i int, err error) {
	t.Helper()
	if deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
		t.Errorf("closure %d failed but its write reads back (%v)", i, err)
	}
}

// waitQueued waits until n Transact calls wait for the writer.
func waitQueued(t *testing.T, s *sqlite.Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Queued < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d transactions queued", s.Stats().Queued, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// holdWriter keeps the writer busy until the returned func is called.
func holdWriter(t *testing.T, s *sqlite.Store) (release func()) {
	t.Helper()
	ctx := context.Background()
	rel, started, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		s.Transact(ctx, func(tx deconflict.Tx) error { close(started); <-rel; return nil })
	}()
	<-started
	return func() { close(rel); <-done }
}

func TestCancelWhileQueued(t *testing.T) {
	s := open(t)
	release := holdWriter(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan bool, 1)
	result := make(chan error, 1)
	go func() {
		result <- s.Transact(ctx, func(tx deconflict.Tx) error {
			ran <- true
			return tx.SetMeta(ctx, "late", nil)
		})
	}()
	waitQueued(t, s, 1)
	cancel()
	select {
	case err := <-result:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Transact = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled Transact still waits behind the writer")
	}
	release()
	if _, err := s.Meta(context.Background(), "late"); deconflict.ErrorCode(err) != deconflict.ENOTFOUND || len(ran) != 0 {
		t.Fatalf("the cancelled closure ran (%d) or wrote (%v)", len(ran), err)
	}
}

func TestCloseDrainsQueue(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, s)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Transact(ctx, func(tx deconflict.Tx) error { return tx.SetMeta(ctx, key(i), []byte("v")) })
		}()
	}
	waitQueued(t, s, n)
	closed := make(chan error)
	go func() { closed <- s.Close() }()
	time.Sleep(10 * time.Millisecond) // let Close begin while the queue is full
	release()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("queued transaction %d: %v", i, err)
		}
	}
	if err := s.Transact(ctx, func(tx deconflict.Tx) error { return nil }); deconflict.ErrorCode(err) != deconflict.EUNAVAILABLE {
		t.Fatalf("Transact after Close = %v, want EUNAVAILABLE", err)
	}
	if err := s.Ping(ctx); deconflict.ErrorCode(err) != deconflict.EUNAVAILABLE {
		t.Fatalf("Ping after Close = %v, want EUNAVAILABLE", err)
	}
	s, err = sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range n {
		if _, err := s.Meta(ctx, key(i)); err != nil {
			t.Fatalf("write %d queued before Close is lost: %v", i, err)
		}
	}
}

// TestTxAfterReturn checks that a Tx kept past its closure refuses work
// rather than write outside any transaction.
func TestTxAfterReturn(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	var kept deconflict.Tx
	if err := s.Transact(ctx, func(tx deconflict.Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := kept.SetMeta(ctx, "k", nil); err == nil {
		t.Fatal("a Tx used after its closure returned wrote")
	}
}

// TestVisibleByStoredGroups checks that a party sees what is shared with its
// groups as the store knows them, even when the audience names none: group
// membership changed by the admin takes effect at once.
func TestVisibleByStoredGroups(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	err := s.Transact(ctx, func(tx deconflict.Tx) error {
		for _, p := range []deconflict.Party{{ID: "owner"}, {ID: "member", Groups: []string{"g"}}} {
			if err := tx.CreateParty(ctx, p); err != nil {
				return err
			}
		}
		if err := tx.PutZone(ctx, deconflict.Zone{Party: "owner", ID: "z", Version: 1, Kind: deconflict.ZoneProtected,
			ShareWith: []string{"group:g"}}); err != nil {
			return err
		}
		return tx.PutOperation(ctx, deconflict.Operation{Party: "owner", ID: "o", Version: 1, State: deconflict.StatePlanned,
			ShareWith: []string{"group:g"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	a := &deconflict.Audience{Party: "member"}
	zs, err := s.Zones(ctx, deconflict.ZoneFilter{Visible: a})
	if err != nil || len(zs) != 1 {
		t.Fatalf("zones visible to a member of g: %d, %v; want 1", len(zs), err)
	}
	ops, err := s.Operations(ctx, deconflict.OperationFilter{Visible: a})
	if err != nil || len(ops) != 1 {
		t.Fatalf("operations visible to a member of g: %d, %v; want 1", len(ops), err)
	}
}

// TestPartyGroupsAfterChange reads a party (so that it is cached), changes
// its groups, and checks that the change is seen at once: by later reads,
// by a later closure of the same batch, and not at all when the batch fails.
func TestPartyGroupsAfterChange(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	put := func(fn func(tx deconflict.Tx) error) error { return s.Transact(ctx, fn) }
	groups := func() []string {
		t.Helper()
		p, err := s.Party(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		return p.Groups
	}
	if err := put(func(tx deconflict.Tx) error { return tx.CreateParty(ctx, deconflict.Party{ID: "p"}) }); err != nil {
		t.Fatal(err)
	}
	if g := groups(); len(g) != 0 {
		t.Fatalf("groups of a new party: %v", g)
	}
	err := put(func(tx deconflict.Tx) error {
		if err := tx.PutGroup(ctx, deconflict.Group{Name: "g", Members: []string{"p"}}); err != nil {
			return err
		}
		p, err := tx.Party(ctx, "p")
		if err != nil || len(p.Groups) != 1 {
			return fmt.Errorf("inside the transaction that added it: groups %v, %v", p.Groups, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if g := groups(); len(g) != 1 || g[0] != "g" {
		t.Fatalf("groups after joining g: %v", g)
	}
	groups()[0] = "changed by a caller" // a copy: the cache is not touched
	failed := errors.New("refused")
	err = put(func(tx deconflict.Tx) error {
		if err := tx.PutGroup(ctx, deconflict.Group{Name: "g", Members: []string{}}); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("the failing closure: %v", err)
	}
	if g := groups(); len(g) != 1 || g[0] != "g" {
		t.Fatalf("groups after a failed removal: %v", g)
	}
	if err := put(func(tx deconflict.Tx) error {
		return tx.PutGroup(ctx, deconflict.Group{Name: "g", Members: []string{}})
	}); err != nil {
		t.Fatal(err)
	}
	if g := groups(); len(g) != 0 {
		t.Fatalf("groups after leaving g: %v", g)
	}
}

// TestChangesSinceFromMemory checks the change log kept in memory against
// the database's: beyond what memory keeps, inside a transaction (with the
// batch's own writes), and after a restart, when only the database has it.
func TestChangesSinceFromMemory(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	put := func(tx deconflict.Tx, id string) error {
		return tx.PutOperation(ctx, deconflict.Operation{Party: "p", ID: id, Version: 1, State: deconflict.StatePlanned})
	}
	const n = 9000 // more than memory keeps
	err = s.Transact(ctx, func(tx deconflict.Tx) error {
		if err := tx.CreateParty(ctx, deconflict.Party{ID: "p"}); err != nil {
			return err
		}
		for i := range n {
			if err := put(tx, fmt.Sprint("op", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	since := func(s *sqlite.Store, seq int64) []deconflict.ObjectChange {
		t.Helper()
		cs, complete, err := s.ChangesSince(ctx, seq)
		if err != nil || !complete {
			t.Fatalf("ChangesSince(%d): complete %v, %v", seq, complete, err)
		}
		return cs
	}
	if all := since(s, 0); len(all) != n || all[0].ID != "op0" || all[n-1].Seq != n {
		t.Fatalf("all changes: %d, want %d numbered 1 to %d", len(all), n, n)
	}
	recent := since(s, n-100)
	if len(recent) != 100 || recent[0].Seq != n-99 || recent[0].ID != fmt.Sprint("op", n-100) {
		t.Fatalf("the last 100 changes: %d, first %+v", len(recent), recent[0])
	}
	// Inside a transaction: the committed ones, then its own.
	err = s.Transact(ctx, func(tx deconflict.Tx) error {
		if err := put(tx, "inside"); err != nil {
			return err
		}
		cs, complete, err := tx.ChangesSince(ctx, n-2)
		if err != nil || !complete || len(cs) != 3 || cs[0].Seq != n-1 || cs[2].ID != "inside" || cs[2].Seq != n+1 {
			return fmt.Errorf("inside the transaction: %+v, complete %v, %v", cs, complete, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fromMemory := since(s, n-100)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fromDisk := since(s, n-100)
	if len(fromDisk) != 101 || !slices.Equal(fromMemory, fromDisk) {
		t.Fatalf("after a restart: %d changes, from memory before it %d; equal: %v", len(fromDisk), len(fromMemory), slices.Equal(fromMemory, fromDisk))
	}
	err = s.Transact(ctx, func(tx deconflict.Tx) error { return put(tx, "after") })
	if err != nil {
		t.Fatal(err)
	}
	if cs := since(s, n+1); len(cs) != 1 || cs[0].Seq != n+2 || cs[0].ID != "after" {
		t.Fatalf("the first change after a restart: %+v", cs)
	}
}
