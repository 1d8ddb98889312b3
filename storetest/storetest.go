// Package storetest is the contract that every deconflict.Store must meet,
// as tests: each backend's own tests call Run with a function that opens an
// empty store. It knows nothing of any backend (no SQL, no files), so the
// SQLite and PostgreSQL stores run it unchanged; what is particular to one
// backend is tested in that backend's package.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

// Run runs the contract tests. open must return a new, empty store for each
// call and arrange for it to be closed when t ends (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) deconflict.Store) {
	t.Run("Parties", func(t *testing.T) { testParties(t, open(t)) })
	t.Run("Groups", func(t *testing.T) { testGroups(t, open(t)) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, open(t)) })
	t.Run("Operations", func(t *testing.T) { testOperations(t, open(t)) })
	t.Run("OperationFilters", func(t *testing.T) { testOperationFilters(t, open(t)) })
	t.Run("Zones", func(t *testing.T) { testZones(t, open(t)) })
	t.Run("Conflicts", func(t *testing.T) { testConflicts(t, open(t)) })
	t.Run("Meta", func(t *testing.T) { testMeta(t, open(t)) })
	t.Run("Changes", func(t *testing.T) { testChanges(t, open(t)) })
	t.Run("Transact", func(t *testing.T) { testTransact(t, open(t)) })
	t.Run("TransactConcurrent", func(t *testing.T) { testTransactConcurrent(t, open(t)) })
	t.Run("Events", func(t *testing.T) { testEvents(t, open(t)) })
	t.Run("Webhooks", func(t *testing.T) { testWebhooks(t, open(t)) })
	t.Run("Ledger", func(t *testing.T) { testLedger(t, open(t)) })
	t.Run("Ping", func(t *testing.T) {
		if err := open(t).Ping(context.Background()); err != nil {
			t.Fatalf("Ping of an open store: %v", err)
		}
	})
}

// T0 is the base of every time in the tests.
var t0 = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

func at(h, m int) time.Time { return t0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }

// write runs fn in a transaction and fails the test if it does not commit.
func write(t *testing.T, s deconflict.Store, fn func(ctx context.Context, tx deconflict.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := s.Transact(ctx, func(tx deconflict.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("Transact: %v", err)
	}
}

// writeErr runs fn in a transaction and returns Transact's error.
func writeErr(s deconflict.Store, fn func(ctx context.Context, tx deconflict.Tx) error) error {
	ctx := context.Background()
	return s.Transact(ctx, func(tx deconflict.Tx) error { return fn(ctx, tx) })
}

// wantCode fails unless err carries one of codes.
func wantCode(t *testing.T, what string, err error, codes ...string) {
	t.Helper()
	got := deconflict.ErrorCode(err)
	if !slices.Contains(codes, got) {
		t.Fatalf("%s: error %v has code %q, want one of %q", what, err, got, codes)
	}
}

// sameJSON fails unless got and want encode to the same JSON: what a client
// would see of them.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if string(g) != string(w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func mustParty(t *testing.T, s deconflict.Store, ids ...string) {
	t.Helper()
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		for _, id := range ids {
			if err := tx.CreateParty(ctx, deconflict.Party{ID: id, Name: "Party " + id, CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
}

var errTest = errors.New("storetest: closure fails on purpose")
