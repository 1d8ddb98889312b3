package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/deconflict/deconflict"
)

const webhookColumns = `party, id, url, kinds, secret, created_at, updated_at`

func scanWebhook(scan func(...any) error) (deconflict.Webhook, error) {
	var w deconflict.Webhook
	var kinds string
	var created, updated int64
	if err := scan(&w.Party, &w.ID, &w.URL, &kinds, &w.Secret, &created, &updated); err != nil {
		return w, err
	}
	if err := json.Unmarshal([]byte(kinds), &w.Kinds); err != nil {
		return w, err
	}
	w.CreatedAt, w.UpdatedAt = fromMicros(created), fromMicros(updated)
	return w, nil
}

// Webhooks lists every party's webhooks.
func (r *reader) Webhooks(ctx context.Context) ([]deconflict.Webhook, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := r.q.query(ctx, `SELECT `+webhookColumns+` FROM webhook ORDER BY party, id`)
	if err != nil {
		return nil, wrap(err, "list webhooks")
	}
	defer rows.Close()
	out := []deconflict.Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows.Scan)
		if err != nil {
			return nil, wrap(err, "list webhooks")
		}
		out = append(out, w)
	}
	return out, wrap(rows.Err(), "list webhooks")
}

// Webhook returns one webhook.
func (r *reader) Webhook(ctx context.Context, party, id string) (deconflict.Webhook, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return deconflict.Webhook{}, err
	}
	st, err := r.q.stmt(ctx, `SELECT `+webhookColumns+` FROM webhook WHERE party = ? AND id = ?`)
	if err != nil {
		return deconflict.Webhook{}, wrap(err, "read webhook")
	}
	w, err := scanWebhook(st.QueryRowContext(ctx, party, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return w, notFound("webhook %q not found", id)
	}
	return w, wrap(err, "read webhook %q", id)
}

// WebhookCursor returns the last event a webhook has handled.
func (r *reader) WebhookCursor(ctx context.Context, party, id string) (int64, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return 0, err
	}
	var c int64
	err = r.q.scanOne(ctx, `SELECT cursor FROM webhook WHERE party = ? AND id = ?`, []any{party, id}, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("webhook %q not found", id)
	}
	return c, wrap(err, "read webhook cursor")
}

// PutWebhook creates or replaces a webhook, keeping its cursor.
func (t *tx) PutWebhook(ctx context.Context, w deconflict.Webhook) error {
	ctx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	kinds := w.Kinds
	if kinds == nil {
		kinds = []deconflict.EventKind{}
	}
	js, err := json.Marshal(kinds)
	if err != nil {
		return err
	}
	_, err = t.q.exec(ctx, `INSERT INTO webhook (`+webhookColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (party, id) DO UPDATE SET url = excluded.url, kinds = excluded.kinds,
			secret = excluded.secret, updated_at = excluded.updated_at`,
		w.Party, w.ID, w.URL, string(js), w.Secret, micros(w.CreatedAt), micros(w.UpdatedAt))
	if isForeignKey(err) {
		return notFound("party %q not found", w.Party)
	}
	return wrap(err, "put webhook %q", w.ID)
}

// DeleteWebhook removes a webhook.
func (t *tx) DeleteWebhook(ctx context.Context, party, id string) error {
	ctx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	res, err := t.q.exec(ctx, `DELETE FROM webhook WHERE party = ? AND id = ?`, party, id)
	if err != nil {
		return wrap(err, "delete webhook %q", id)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("webhook %q not found", id)
	}
	return nil
}

// SetWebhookCursor records the last event a webhook has handled.
func (t *tx) SetWebhookCursor(ctx context.Context, party, id string, cursor int64) error {
	ctx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	_, err = t.q.exec(ctx, `UPDATE webhook SET cursor = max(cursor, ?) WHERE party = ? AND id = ?`, cursor, party, id)
	return wrap(err, "set webhook cursor")
}
