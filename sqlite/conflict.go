package sqlite

import (
	"context"
	"fmt"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/cellindex"
	"github.com/deconflict/deconflict/jsonenc"
)

// Conflicts lists stored conflicts in id order.
func (r *reader) Conflicts(ctx context.Context, f deconflict.ConflictFilter) ([]deconflict.ConflictRecord, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	query, args := conflictQuery(f)
	return listJSON[deconflict.ConflictRecord](ctx, r.q, "list conflicts", query, args...)
}

// endHourMillis is the width of the buckets of ends in the sweep's index,
// conflict_open_end_hour: an hour, in the milliseconds of the "end" column.
const endHourMillis = 3600000

// conflictQuery returns the SELECT of the json of the conflicts f selects,
// and its arguments. It is apart from Conflicts so that a test can ask
// SQLite how it plans each shape of filter.
func conflictQuery(f deconflict.ConflictFilter) (string, []any) {
	var (
		conds []string
		args  []any
	)
	if f.Party != "" {
		conds, args = append(conds, `(a_party = ? OR b_party = ?)`), append(args, f.Party, f.Party)
	}
	sweep := f.State == deconflict.ConflictOpen && !f.EndedBy.IsZero()
	switch {
	case sweep:
		// Spelt out, so that the partial index conflict_open_end_hour applies.
		conds = append(conds, `state = 'open'`)
	case f.State != "":
		conds, args = append(conds, `state = ?`), append(args, string(f.State))
	}
	if o := f.Object; o != nil {
		conds = append(conds, `((a_party = ? AND a_kind = ? AND a_id = ?) OR (b_party = ? AND b_kind = ? AND b_id = ?))`)
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
		conds, args = append(conds, `"end" <= ?`), append(args, by)
	}
	// "+id": sorting the few rows found beats walking the whole table in id
	// order, which the planner would otherwise choose for the LIMIT.
	return `SELECT json FROM conflict` + where(conds) + ` ORDER BY +id LIMIT ?`, append(args, limit(f.Limit))
}

// PutConflict inserts or replaces a conflict by ID.
func (t *tx) PutConflict(ctx context.Context, c deconflict.ConflictRecord) error {
	return t.PutConflicts(ctx, []deconflict.ConflictRecord{c})
}

// PutConflicts inserts or replaces conflicts by ID, many to a statement.
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
		_, err = t.q.exec(ctx, `INSERT INTO conflict (id, state, a_kind, a_party, a_id, b_kind, b_party, b_id, "end", json)
			VALUES `+placeholders(n, 10)+`
			ON CONFLICT (id) DO UPDATE SET state = excluded.state,
				a_kind = excluded.a_kind, a_party = excluded.a_party, a_id = excluded.a_id,
				b_kind = excluded.b_kind, b_party = excluded.b_party, b_id = excluded.b_id,
				"end" = excluded."end", json = excluded.json`, args...)
		if err != nil {
			return wrap(err, "put conflicts")
		}
		cs = cs[n:]
	}
	return nil
}
