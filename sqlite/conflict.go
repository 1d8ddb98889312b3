package sqlite

import (
	"context"
	"fmt"
	"strconv"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/cellindex"
	"github.com/deconflict/deconflict/jsonenc"
)

// Conflicts lists stored conflicts in id order. The open conflicts of an
// object are looked for among the rows its list in memory names (sides.go).
func (r *reader) Conflicts(ctx context.Context, f deconflict.ConflictFilter) ([]deconflict.ConflictRecord, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	var listed []int64
	if bySides(f) {
		if listed = r.store.sides.of(keyOfSide(*f.Object)); len(listed) == 0 {
			return []deconflict.ConflictRecord{}, nil
		}
	}
	query, args := conflictQuery(f, listed)
	return listJSON[deconflict.ConflictRecord](ctx, r.q, "list conflicts", query, args...)
}

// bySides reports whether the conflicts f selects are all listed in memory
// under f's object: it asks for open ones only.
func bySides(f deconflict.ConflictFilter) bool {
	return f.Object != nil && f.State == deconflict.ConflictOpen
}

// endHourMillis is the width of the buckets of ends in the sweep's index,
// conflict_open_end_hour: an hour, in the milliseconds of the "end" column.
const endHourMillis = 3600000

// conflictQuery returns the SELECT of the json of the conflicts f selects,
// and its arguments; when bySides(f), only among the rows listed. It is
// apart from Conflicts so that a test can ask SQLite how it plans each
// shape of filter.
func conflictQuery(f deconflict.ConflictFilter, listed []int64) (string, []any) {
	var (
		conds []string
		args  []any
	)
	listedOnly := bySides(f)
	// col names a column in a condition: with "+" before it when the rows
	// are the listed ones, so that the planner reads them by rowid and
	// tests the rest on each, instead of searching an index and testing
	// the list on its every row.
	col := func(name string) string {
		if listedOnly {
			return "+" + name
		}
		return name
	}
	if listedOnly {
		conds, args = append(conds, `rowid IN (SELECT value FROM json_each(?))`), append(args, rowidList(listed))
	}
	if f.Party != "" {
		conds, args = append(conds, `(`+col("a_party")+` = ? OR `+col("b_party")+` = ?)`), append(args, f.Party, f.Party)
	}
	sweep := f.State == deconflict.ConflictOpen && !f.EndedBy.IsZero() && !listedOnly
	switch {
	case sweep:
		// Spelt out, so that the partial index conflict_open_end_hour applies.
		conds = append(conds, `state = 'open'`)
	case f.State != "":
		conds, args = append(conds, col("state")+` = ?`), append(args, string(f.State))
	}
	if o := f.Object; o != nil {
		conds = append(conds, `((`+col("a_party")+` = ? AND a_kind = ? AND a_id = ?) OR (`+col("b_party")+` = ? AND b_kind = ? AND b_id = ?))`)
		args = append(args, o.Party, string(o.Kind), o.ID, o.Party, string(o.Kind), o.ID)
	}
	if !f.EndedBy.IsZero() {
		by := f.EndedBy.UnixMilli()
		if sweep {
			// The range of conflict_open_end_hour, whose first column is the
			// hour of the end (migration 0005): the expression must be the
			// index's, word for word, for the planner to match them. It
			// selects nothing more than "end" <= by does: both divisions
			// truncate alike (Go's and SQLite's, toward zero), and truncating
			// keeps order, so an end up to by has an hour up to by's.
			conds, args = append(conds, `"end" / 3600000 <= ?`), append(args, by/endHourMillis)
		}
		conds, args = append(conds, col(`"end"`)+` <= ?`), append(args, by)
	}
	// "+id": sorting the few rows found beats walking the whole table in id
	// order, which the planner would otherwise choose for the LIMIT.
	return `SELECT json FROM conflict` + where(conds) + ` ORDER BY +id LIMIT ?`, append(args, limit(f.Limit))
}

// rowidList writes rowids as a JSON array, for json_each: one argument
// however many there are.
func rowidList(rowids []int64) string {
	b := make([]byte, 0, 2+len(rowids)*8)
	b = append(b, '[')
	for i, id := range rowids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// PutConflict inserts or replaces a conflict by ID.
func (t *tx) PutConflict(ctx context.Context, c deconflict.ConflictRecord) error {
	return t.PutConflicts(ctx, []deconflict.ConflictRecord{c})
}

// PutConflicts inserts or replaces conflicts by ID, many to a statement,
// and lists the open ones under their sides (sides.go) at once; those it
// closes are unlisted when the batch commits.
func (t *tx) PutConflicts(ctx context.Context, cs []deconflict.ConflictRecord) error {
	ctx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	for len(cs) > 0 {
		n := min(len(cs), rowChunk)
		args := make([]any, 0, 10*n)
		for _, c := range cs[:n] {
			js, err := jsonenc.ConflictRecord(c)
			if err != nil {
				return fmt.Errorf("sqlite: encode conflict %s: %w", c.ID, err)
			}
			args = append(args, c.ID, string(c.State), string(c.A.Kind), c.A.Party, c.A.ID, string(c.B.Kind), c.B.Party, c.B.ID,
				cellindex.CeilMilli(c.Window.End), string(js))
		}
		if err := t.putConflicts(ctx, cs[:n], args); err != nil {
			return wrap(err, "put conflicts")
		}
		cs = cs[n:]
	}
	return nil
}

// putConflicts runs one multi-row upsert of cs (whose columns are args) and
// notes the rowid each was stored under.
func (t *tx) putConflicts(ctx context.Context, cs []deconflict.ConflictRecord, args []any) error {
	rows, err := t.q.query(ctx, `INSERT INTO conflict (id, state, a_kind, a_party, a_id, b_kind, b_party, b_id, "end", json)
		VALUES `+placeholders(len(cs), 10)+`
		ON CONFLICT (id) DO UPDATE SET state = excluded.state,
			a_kind = excluded.a_kind, a_party = excluded.a_party, a_id = excluded.a_id,
			b_kind = excluded.b_kind, b_party = excluded.b_party, b_id = excluded.b_id,
			"end" = excluded."end", json = excluded.json
		RETURNING id, rowid`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	byID := make(map[string]*deconflict.ConflictRecord, len(cs))
	for i := range cs {
		byID[cs[i].ID] = &cs[i]
	}
	for rows.Next() {
		var (
			id    string
			rowid int64
		)
		if err := rows.Scan(&id, &rowid); err != nil {
			return err
		}
		c, ok := byID[id]
		if !ok {
			return fmt.Errorf("the upsert returned id %q, which it was not given", id)
		}
		ch := sideChange{rowid: rowid, a: keyOfSide(c.A), b: keyOfSide(c.B), open: c.State == deconflict.ConflictOpen}
		if ch.open {
			t.store.sides.add(rowid, ch.a, ch.b)
		}
		t.sideChanges = append(t.sideChanges, ch)
	}
	return rows.Err()
}
