package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

// conflictShapes are the shapes of ConflictFilter that the exchange and the
// contract tests use, each with one example and its plan at the current
// schema: the sweep's (state open and EndedBy) searches the sweep's index by
// a range of hours; the open conflicts of an object are read by rowid, those
// its list in memory names (sides.go); a party's conflicts come from the two
// indexes by party.
var conflictShapes = []struct {
	name, plan string
	f          deconflict.ConflictFilter
}{
	{"all", "SCAN conflict; USE TEMP B-TREE FOR ORDER BY", deconflict.ConflictFilter{}},
	{"party", planByParty, deconflict.ConflictFilter{Party: "p1"}},
	{"party and state", planByParty, deconflict.ConflictFilter{Party: "p1", State: deconflict.ConflictOpen}},
	{"state open", "SCAN conflict USING INDEX conflict_open_end_hour; USE TEMP B-TREE FOR ORDER BY", deconflict.ConflictFilter{State: deconflict.ConflictOpen}},
	{"state closed", "SCAN conflict; USE TEMP B-TREE FOR ORDER BY", deconflict.ConflictFilter{State: deconflict.ConflictClosed}},
	{"object", planByParty, deconflict.ConflictFilter{Object: &sweepObject}},
	{"object and state", planByRowid, deconflict.ConflictFilter{Object: &sweepObject, State: deconflict.ConflictOpen}},
	{"object, party and state", planByRowid, deconflict.ConflictFilter{Object: &sweepObject, Party: "p2", State: deconflict.ConflictOpen}},
	{"ended by", "SCAN conflict; USE TEMP B-TREE FOR ORDER BY", deconflict.ConflictFilter{EndedBy: sweepCutoff}},
	{"object, open and ended", planByRowid, deconflict.ConflictFilter{Object: &sweepObject, State: deconflict.ConflictOpen, EndedBy: sweepCutoff}},
	{"sweep", "SEARCH conflict USING INDEX conflict_open_end_hour (<expr><?); USE TEMP B-TREE FOR ORDER BY",
		deconflict.ConflictFilter{State: deconflict.ConflictOpen, EndedBy: sweepCutoff, Limit: 500}},
}

const (
	planByParty = "MULTI-INDEX OR; INDEX 1; SEARCH conflict USING INDEX conflict_a_party (a_party=?); " +
		"INDEX 2; SEARCH conflict USING INDEX conflict_b_party (b_party=?); USE TEMP B-TREE FOR ORDER BY"
	planByRowid = "SEARCH conflict USING INTEGER PRIMARY KEY (rowid=?); LIST SUBQUERY 1; " +
		"SCAN json_each VIRTUAL TABLE INDEX 1:; USE TEMP B-TREE FOR ORDER BY"
)

// checkConflictPlans checks the plan of every shape of filter in db.
func checkConflictPlans(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, sh := range conflictShapes {
		if got := conflictPlan(t, db, sh.f); got != sh.plan {
			t.Errorf("plan of %s: %q, want %q", sh.name, got, sh.plan)
		}
	}
}

var (
	sweepObject = deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: "p1", ID: "a", Version: 1}
	sweepCutoff = time.Date(2026, 11, 24, 7, 30, 0, 0, time.UTC)
)

// conflictPlan returns what EXPLAIN QUERY PLAN says of the query of f, its
// lines joined by "; ".
func conflictPlan(t *testing.T, db *sql.DB, f deconflict.ConflictFilter) string {
	t.Helper()
	query, args := conflictQuery(f, []int64{1, 2})
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "; ")
}

// sweepEnds are ends of conflict windows, in unix milliseconds, around
// what the sweep's index and query compute: the hours of the test day
// either side of sweepCutoff and their edges, and those of the epoch, where
// an integer division truncates toward zero (hour 0 spans two hours of
// ends) and the hour of an end no longer grows with it.
var sweepEnds = func() []int64 {
	day := func(h, m, s, ms int) int64 {
		return time.Date(2026, 11, 24, h, m, s, ms*1e6, time.UTC).UnixMilli()
	}
	return []int64{
		day(5, 10, 0, 0), day(6, 59, 59, 999), day(7, 0, 0, 0), day(7, 29, 59, 999), day(7, 30, 0, 0),
		day(7, 30, 0, 1), day(7, 59, 59, 999), day(8, 0, 0, 0), day(9, 15, 0, 0),
		-7200001, -3600001, -3600000, -3599999, -1, 0, 1, 3599999, 3600000, 3600001,
	}
}()

// sweepRecords returns two conflicts for each of sweepEnds, one open and one
// closed, with ids whose order is not that of their ends.
func sweepRecords() []deconflict.ConflictRecord {
	other := deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: "p2", ID: "b", Version: 1}
	var cs []deconflict.ConflictRecord
	for i, end := range sweepEnds {
		for _, state := range []deconflict.ConflictState{deconflict.ConflictOpen, deconflict.ConflictClosed} {
			e := time.UnixMilli(end).UTC()
			c := deconflict.ConflictRecord{
				ID: fmt.Sprintf("c%02d-%s", (i*7)%len(sweepEnds), state), State: state, Policy: deconflict.PolicyAcknowledge,
				A: sweepObject, B: other, Window: deconflict.Window{Start: e.Add(-time.Hour), End: e},
				OpenedAt: sweepCutoff.Add(-24 * time.Hour), UpdatedAt: sweepCutoff.Add(-24 * time.Hour),
			}
			if state == deconflict.ConflictClosed {
				c.ClosedReason = "cancelled"
			}
			cs = append(cs, c)
		}
	}
	return cs
}

// checkSweep compares the sweep's answer at every end of cs, a millisecond
// either side, and a few cutoffs more, with what its contract says: the
// open conflicts of cs that end at or before the cutoff, in id order, up to
// the limit.
func checkSweep(t *testing.T, s *Store, cs []deconflict.ConflictRecord) {
	t.Helper()
	ctx := context.Background()
	var cutoffs []int64
	for _, c := range cs {
		e := c.Window.End.UnixMilli()
		cutoffs = append(cutoffs, e-1, e, e+1)
	}
	cutoffs = append(cutoffs, -1<<40, 1<<42, sweepCutoff.UnixMilli())
	for _, by := range cutoffs {
		var want []string
		for _, c := range cs {
			if c.State == deconflict.ConflictOpen && c.Window.End.UnixMilli() <= by {
				want = append(want, c.ID)
			}
		}
		slices.Sort(want)
		for _, lim := range []int{0, 2} {
			got, err := s.Conflicts(ctx, deconflict.ConflictFilter{State: deconflict.ConflictOpen, EndedBy: time.UnixMilli(by).UTC(), Limit: lim})
			if err != nil {
				t.Fatal(err)
			}
			w := want
			if lim > 0 && len(w) > lim {
				w = w[:lim]
			}
			if ids := conflictIDs(got); !slices.Equal(ids, w) {
				t.Fatalf("sweep at %d (%s), limit %d: %q, want %q", by, time.UnixMilli(by).UTC().Format(time.RFC3339Nano), lim, ids, w)
			}
		}
	}
}

// conflictIDs returns the ids of cs, in their order.
func conflictIDs(cs []deconflict.ConflictRecord) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}

// TestMigrateConflictSweepIndex builds a database at schema version 4 (the
// sweep's index by end alone) holding open and closed conflicts around hour
// edges and the epoch, opens it with this binary (migration 0005: the index
// by hour of the end, then id), and checks that the sweep finds exactly the
// open conflicts ended by each cutoff, in id order and up to its limit, also
// after conflicts are opened and closed; that the sweep's query searches the
// new index by a range of hours; and that every shape of filter has its
// plan at the current schema.
func TestMigrateConflictSweepIndex(t *testing.T) {
	ctx := context.Background()
	path, db := oldDatabase(t, 4)
	sweep := deconflict.ConflictFilter{State: deconflict.ConflictOpen, EndedBy: sweepCutoff, Limit: 500}
	if got, want := conflictPlan(t, db, sweep), "SEARCH conflict USING INDEX conflict_open_end (end<?); USE TEMP B-TREE FOR ORDER BY"; got != want {
		t.Fatalf("the sweep's plan at version 4: %q, want %q", got, want)
	}
	cs := sweepRecords()
	for _, c := range cs {
		js, err := encode(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO conflict (id, state, a_kind, a_party, a_id, b_kind, b_party, b_id, "end", json)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, string(c.State), string(c.A.Kind), c.A.Party, c.A.ID,
			string(c.B.Kind), c.B.Party, c.B.ID, c.Window.End.UnixMilli(), js); err != nil {
			t.Fatal(err)
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
	var indexes []string
	rows, err := s.readDB.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'conflict_open_end%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, name)
	}
	rows.Close()
	if !slices.Equal(indexes, []string{"conflict_open_end_hour"}) {
		t.Fatalf("the sweep's indexes after the migration: %q, want conflict_open_end_hour alone", indexes)
	}
	checkConflictPlans(t, s.readDB)
	checkSweep(t, s, cs)

	// The index follows writes: one conflict opened in the hour of the
	// cutoff, one closed, one opened at the epoch.
	now := time.UnixMilli(sweepEnds[3]).UTC()
	added := deconflict.ConflictRecord{ID: "c99-open", State: deconflict.ConflictOpen, Policy: deconflict.PolicyAcknowledge,
		A: sweepObject, B: cs[0].B, Window: deconflict.Window{Start: now.Add(-time.Hour), End: now}, OpenedAt: now, UpdatedAt: now}
	epoch := added
	epoch.ID, epoch.Window.End = "c00-epoch", time.UnixMilli(0).UTC()
	closed := cs[8]
	if closed.State != deconflict.ConflictOpen {
		t.Fatalf("record 8 is %s, want open", closed.State)
	}
	closed.State, closed.ClosedReason = deconflict.ConflictClosed, "ended"
	err = s.Transact(ctx, func(tx deconflict.Tx) error {
		return tx.PutConflicts(ctx, []deconflict.ConflictRecord{added, closed, epoch})
	})
	if err != nil {
		t.Fatal(err)
	}
	cs[8] = closed
	checkSweep(t, s, append(cs, added, epoch))
}
