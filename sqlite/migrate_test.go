package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/ledger"
)

// oldDatabase creates a database at schema version v, as a binary of that
// version left it, and returns its path and an open handle.
func oldDatabase(t *testing.T, v int) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.sqlite")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(path, false, "foreign_keys(1)"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:v] {
		if _, err := db.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		t.Fatal(err)
	}
	return path, db
}

// TestMigrateEventsByParty builds a database at schema version 1 with events
// of two parties, an acknowledgement and a delivery, and a deleted newest
// event (whose id AUTOINCREMENT remembers), opens it with this binary, and
// checks that everything is kept and that new events are numbered after
// every id ever given, also after a restart.
func TestMigrateEventsByParty(t *testing.T) {
	ctx := context.Background()
	path, db := oldDatabase(t, 1)
	for _, q := range []string{
		`INSERT INTO party (id, json) VALUES ('alpha', '{"id":"alpha"}'), ('bravo', '{"id":"bravo"}')`,
		`INSERT INTO event (party, kind, time, needs_ack, origin, data, ledger_index) VALUES
			('alpha', 'message', 1, 1, 'bravo', '{"n":1}', 0),
			('bravo', 'message', 2, 0, 'alpha', '{"n":2}', 1),
			('alpha', 'message', 3, 0, 'bravo', '{"n":3}', 2),
			('alpha', 'message', 4, 0, 'bravo', '{"n":4}', 3)`,
		`DELETE FROM event WHERE id = 4`,
		`INSERT INTO event_ack (event_id, party, at, ledger_index) VALUES (1, 'alpha', 5, 4)`,
		`INSERT INTO event_delivery (event_id, via, at, ledger_index) VALUES (1, 'stream', 4, 3)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.EventsAfter(ctx, "alpha", 0, 10)
	if err != nil || len(evs) != 2 || evs[0].ID != 1 || evs[1].ID != 3 || string(evs[1].Data) != `{"n":3}` {
		t.Fatalf("alpha's events after the migration: %+v, %v", evs, err)
	}
	if acks, err := s.Acks(ctx, 1); err != nil || len(acks) != 1 || acks[0].Party != "alpha" {
		t.Fatalf("acks of event 1: %+v, %v", acks, err)
	}
	if done, err := s.Delivered(ctx, 1); err != nil || !done {
		t.Fatalf("event 1 delivered: %v, %v", done, err)
	}
	add := func(s *Store) int64 {
		t.Helper()
		var ids []int64
		err := s.Transact(ctx, func(tx deconflict.Tx) error {
			var err error
			ids, err = tx.AddEvents(ctx, []deconflict.StoredEvent{{Event: deconflict.Event{Kind: deconflict.EventMessage,
				Time: time.UnixMicro(9).UTC(), Data: []byte(`{}`)}, Party: "bravo", Origin: "alpha"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids[0]
	}
	if id := add(s); id != 5 {
		t.Fatalf("the first event after the migration got id %d, want 5 (4 was given before)", id)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if id := add(s); id != 6 {
		t.Fatalf("the first event after a restart got id %d, want 6", id)
	}
}

// TestMigrateLedgerToPages builds a database at schema version 3 whose
// ledger holds 20 entries a row each (enough for a stored subtree of 16),
// opens it with this binary, and checks that the tree, the entries with
// their audiences and the proofs are those of before, and that the ledger
// grows on from its last entry.
func TestMigrateLedgerToPages(t *testing.T) {
	ctx := context.Background()
	path, db := oldDatabase(t, 3)
	app := ledger.NewAppender()
	var canon [][]byte
	for i := range 20 {
		c, err := ledger.EncodeEntry("message", time.Date(2026, 11, 24, 7, 0, i, 0, time.UTC), "alpha",
			[]string{"alpha", fmt.Sprint("party-", i%3)}, fmt.Sprintf("event/%d", i), []byte(fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		canon = append(canon, c)
		b, err := app.Append(ledger.LeafHash(c))
		if err != nil {
			t.Fatal(err)
		}
		aud, _ := ledger.AudienceJSON(c)
		if _, err := db.ExecContext(ctx, `INSERT INTO ledger_entry (idx, canonical, audience, leaf_hash) VALUES (?, ?, ?, ?)`,
			i, c, string(aud), ledger.LeafHash(c)); err != nil {
			t.Fatal(err)
		}
		for _, n := range b.Nodes {
			if n.ID.Level%nodeEvery == 0 && n.ID.Level > 0 {
				if _, err := db.ExecContext(ctx, `INSERT INTO ledger_node (level, idx, hash) VALUES (?, ?, ?)`, n.ID.Level, n.ID.Index, n.Hash); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	head, err := s.LedgerHead(ctx)
	if err != nil || head.Size != 20 || !bytes.Equal(head.Root, app.Root()) {
		t.Fatalf("ledger after the migration: %+v, %v; want 20 entries and the same root", head, err)
	}
	recs, err := s.LedgerEntries(ctx, 0, 20)
	if err != nil || len(recs) != 20 {
		t.Fatalf("entries after the migration: %d, %v", len(recs), err)
	}
	for i, r := range recs {
		want := []string{"alpha", fmt.Sprint("party-", i%3)}
		if r.Index != int64(i) || !bytes.Equal(r.Canonical, canon[i]) || !bytes.Equal(r.LeafHash, ledger.LeafHash(canon[i])) || !slices.Equal(r.Audience, want) {
			t.Fatalf("entry %d after the migration: %+v", i, r)
		}
		p, err := ledger.InclusionProof(ctx, s.NodeReader(), 20, uint64(i), 20)
		if err != nil {
			t.Fatal(err)
		}
		if err := ledger.VerifyInclusion(r.LeafHash, uint64(i), 20, p, head.Root); err != nil {
			t.Fatalf("entry %d after the migration: %v", i, err)
		}
	}
	if err := s.Transact(ctx, func(tx deconflict.Tx) error { _, err := tx.AppendLedger(ctx, canon[0]); return err }); err != nil {
		t.Fatal(err)
	}
	app.Append(ledger.LeafHash(canon[0]))
	if grown, err := s.LedgerHead(ctx); err != nil || grown.Size != 21 || !bytes.Equal(grown.Root, app.Root()) {
		t.Fatalf("after one more entry: %+v, %v", grown, err)
	}
}
