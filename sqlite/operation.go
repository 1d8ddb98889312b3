package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/cellindex"
)

// Operation returns one operation.
func (r *reader) Operation(ctx context.Context, party, id string) (deconflict.Operation, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return deconflict.Operation{}, err
	}
	var js string
	err = r.q.scanOne(ctx, `SELECT json FROM operation WHERE party = ? AND id = ?`, []any{party, id}, &js)
	if errors.Is(err, sql.ErrNoRows) {
		return deconflict.Operation{}, notFound("operation %q of party %q not found", id, party)
	}
	if err != nil {
		return deconflict.Operation{}, wrap(err, "read operation %s/%s", party, id)
	}
	var op deconflict.Operation
	return op, decode(js, &op)
}

// Operations lists operations in (party, id) order. From and To compare with
// the span of all of an operation's volumes: its latest end must be after
// From and its earliest start before To.
func (r *reader) Operations(ctx context.Context, f deconflict.OperationFilter) ([]deconflict.Operation, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	var (
		conds []string
		args  []any
	)
	if f.Visible != nil {
		c, a := visible("operation_share", f.Visible)
		conds, args = append(conds, c), append(args, a...)
	}
	if f.Party != "" {
		conds, args = append(conds, `o.party = ?`), append(args, f.Party)
	}
	if f.State != "" {
		conds, args = append(conds, `o.state = ?`), append(args, string(f.State))
	}
	if !f.From.IsZero() {
		conds, args = append(conds, `o."end" > ?`), append(args, cellindex.FloorMilli(f.From))
	}
	if !f.To.IsZero() {
		conds, args = append(conds, `o.start < ?`), append(args, cellindex.CeilMilli(f.To))
	}
	query := `SELECT o.json FROM operation o` + where(conds) + ` ORDER BY o.party, o.id LIMIT ?`
	return listJSON[deconflict.Operation](ctx, r.q, "list operations", query, append(args, limit(f.Limit))...)
}

// PutOperation inserts or replaces an operation as given (the caller sets its
// version and times) and its sharing targets, and numbers the change.
func (t *tx) PutOperation(ctx context.Context, op deconflict.Operation) error {
	ctx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	js, err := encode(op)
	if err != nil {
		return err
	}
	start, end := span(op.Volumes)
	_, err = t.q.exec(ctx, `INSERT INTO operation (party, id, version, state, start, "end", json)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (party, id) DO UPDATE SET version = excluded.version, state = excluded.state,
			start = excluded.start, "end" = excluded."end", json = excluded.json`,
		op.Party, op.ID, op.Version, string(op.State), start, end, js)
	if isForeignKey(err) {
		return deconflict.Invalid("party "+quote(op.Party)+" does not exist",
			deconflict.FieldError{Field: "party", Message: "party " + quote(op.Party) + " does not exist"})
	}
	if err != nil {
		return wrap(err, "put operation %s/%s", op.Party, op.ID)
	}
	if err := t.putShares(ctx, "operation_share", op.Party, op.ID, op.ShareWith); err != nil {
		return wrap(err, "put operation %s/%s", op.Party, op.ID)
	}
	return t.recordChange(ctx, deconflict.KindOperation, op.Party, op.ID, op.Version, op.State.Live())
}
