package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/deconflict/deconflict"
)

// Zone returns one zone.
func (r *reader) Zone(ctx context.Context, party, id string) (deconflict.Zone, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return deconflict.Zone{}, err
	}
	var js string
	err = r.q.scanOne(ctx, `SELECT json FROM zone WHERE party = ? AND id = ?`, []any{party, id}, &js)
	if errors.Is(err, sql.ErrNoRows) {
		return deconflict.Zone{}, notFound("zone %q of party %q not found", id, party)
	}
	if err != nil {
		return deconflict.Zone{}, wrap(err, "read zone %s/%s", party, id)
	}
	var z deconflict.Zone
	return z, decode(js, &z)
}

// Zones lists zones in (party, id) order.
func (r *reader) Zones(ctx context.Context, f deconflict.ZoneFilter) ([]deconflict.Zone, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	var (
		conds []string
		args  []any
	)
	if f.Visible != nil {
		c, a := visible("zone_share", f.Visible)
		conds, args = append(conds, c), append(args, a...)
	}
	if f.Party != "" {
		conds, args = append(conds, `o.party = ?`), append(args, f.Party)
	}
	if f.Kind != "" {
		conds, args = append(conds, `o.kind = ?`), append(args, string(f.Kind))
	}
	query := `SELECT o.json FROM zone o` + where(conds) + ` ORDER BY o.party, o.id LIMIT ?`
	return listJSON[deconflict.Zone](ctx, r.q, "list zones", query, append(args, limit(f.Limit))...)
}

// PutZone inserts or replaces a zone as given and its sharing targets, and
// numbers the change.
func (t *tx) PutZone(ctx context.Context, z deconflict.Zone) error {
	ctx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	js, err := encode(z)
	if err != nil {
		return err
	}
	_, err = t.q.exec(ctx, `INSERT INTO zone (party, id, version, kind, json) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (party, id) DO UPDATE SET version = excluded.version, kind = excluded.kind, json = excluded.json`,
		z.Party, z.ID, z.Version, string(z.Kind), js)
	if isForeignKey(err) {
		return deconflict.Invalid("party "+quote(z.Party)+" does not exist",
			deconflict.FieldError{Field: "party", Message: "party " + quote(z.Party) + " does not exist"})
	}
	if err != nil {
		return wrap(err, "put zone %s/%s", z.Party, z.ID)
	}
	if err := t.putShares(ctx, "zone_share", z.Party, z.ID, z.ShareWith); err != nil {
		return wrap(err, "put zone %s/%s", z.Party, z.ID)
	}
	return t.recordChange(ctx, deconflict.KindZone, z.Party, z.ID, z.Version, true)
}

// DeleteZone removes a zone and its shares, and numbers the change. Conflicts
// that name it stay (they are the record); closing them is the caller's.
func (t *tx) DeleteZone(ctx context.Context, party, id string) error {
	ctx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	var version int64
	err = t.q.scanOne(ctx, `DELETE FROM zone WHERE party = ? AND id = ? RETURNING version`, []any{party, id}, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("zone %q of party %q not found", id, party)
	}
	if err != nil {
		return wrap(err, "delete zone %s/%s", party, id)
	}
	return t.recordChange(ctx, deconflict.KindZone, party, id, version, false)
}

func quote(s string) string { return strconv.Quote(s) }
