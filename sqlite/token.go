package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/deconflict/deconflict"
)

// TokenByHash returns the unrevoked token with this SHA-256 hash.
func (r *reader) TokenByHash(ctx context.Context, hash []byte) (deconflict.Token, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return deconflict.Token{}, err
	}
	var (
		t       deconflict.Token
		party   sql.NullString
		created string
	)
	err = r.q.scanOne(ctx, `SELECT prefix, party, hash, created_at FROM token WHERE hash = ? AND revoked_at IS NULL`,
		[]any{hash}, &t.Prefix, &party, &t.Hash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return deconflict.Token{}, notFound("no such token")
	}
	if err != nil {
		return deconflict.Token{}, wrap(err, "read token")
	}
	t.Party = party.String
	if t.CreatedAt, err = time.Parse(time.RFC3339Nano, created); err != nil {
		return deconflict.Token{}, wrap(err, "read token %q", t.Prefix)
	}
	return t, nil
}

// AddToken stores a token. Its party must exist ("" is the admin's); a
// prefix or hash in use is ECONFLICT.
func (t *tx) AddToken(ctx context.Context, tok deconflict.Token) error {
	ctx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	var party any
	if tok.Party != "" {
		party = tok.Party
	}
	_, err = t.q.exec(ctx, `INSERT INTO token (prefix, party, hash, created_at) VALUES (?, ?, ?, ?)`,
		tok.Prefix, party, tok.Hash, timeText(tok.CreatedAt))
	switch {
	case isForeignKey(err):
		return notFound("party %q not found", tok.Party)
	case isUnique(err):
		return deconflict.Errorf(deconflict.ECONFLICT, "a token with prefix %q or the same secret exists already", tok.Prefix)
	}
	return wrap(err, "add token %q", tok.Prefix)
}

// RevokeToken stops a token from authenticating; it stays on record.
func (t *tx) RevokeToken(ctx context.Context, prefix string) error {
	ctx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	res, err := t.q.exec(ctx, `UPDATE token SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL`,
		timeText(time.Now()), prefix)
	if err != nil {
		return wrap(err, "revoke token %q", prefix)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap(err, "revoke token %q", prefix)
	} else if n == 0 {
		return notFound("no token with prefix %q", prefix)
	}
	return nil
}
