package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// Meta reads a server setting (ENOTFOUND if unset).
func (r *reader) Meta(ctx context.Context, key string) ([]byte, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	var v []byte
	err = r.q.scanOne(ctx, `SELECT value FROM meta WHERE key = ?`, []any{key}, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("setting %q not set", key)
	}
	if err != nil {
		return nil, wrap(err, "read setting %q", key)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// SetMeta sets a server setting.
func (t *tx) SetMeta(ctx context.Context, key string, value []byte) error {
	ctx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	_, err = t.q.exec(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return wrap(err, "set setting %q", key)
}
