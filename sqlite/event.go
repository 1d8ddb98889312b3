package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/deconflict/deconflict"
)

func micros(t time.Time) int64      { return t.UnixMicro() }
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// AddEvents stores events for their recipients and returns their ids. The
// writer numbers them itself (see Store.lastEvent), so that one INSERT
// without RETURNING stores many.
func (t *tx) AddEvents(ctx context.Context, es []deconflict.StoredEvent) ([]int64, error) {
	ctx, err := t.begin(ctx)
	if err != nil {
		return nil, err
	}
	if t.lastEvent == 0 {
		t.lastEvent = t.store.pendingEvent
	}
	ids := make([]int64, 0, len(es))
	for len(es) > 0 {
		n := min(len(es), rowChunk)
		args := make([]any, 0, 8*n)
		for _, e := range es[:n] {
			e.ID = t.lastEvent + int64(len(ids)) + 1
			ids = append(ids, e.ID)
			args = append(args, e.ID, e.Party, string(e.Kind), micros(e.Time), e.NeedsAck, e.Origin, string(e.Data), e.LedgerIndex)
			t.added = append(t.added, e)
		}
		if _, err := t.q.exec(ctx, `INSERT INTO event (id, party, kind, time, needs_ack, origin, data, ledger_index) VALUES `+
			placeholders(n, 8), args...); err != nil {
			return nil, wrap(err, "add events")
		}
		es = es[n:]
	}
	t.lastEvent += int64(len(ids))
	return ids, nil
}

// metaLastEvent is the meta key of the last event id given (decimal): the
// writer numbers events on from it, so that no id is given twice even when
// the newest events are gone.
const metaLastEvent = "last_event_id"

// loadLastEvent reads the last event id given.
func (s *Store) loadLastEvent(ctx context.Context) error {
	var v []byte
	err := s.readDB.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaLastEvent).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		s.lastEvent = 0
		return nil
	}
	if err != nil {
		return wrap(err, "read the last event id")
	}
	if s.lastEvent, err = strconv.ParseInt(string(v), 10, 64); err != nil {
		return fmt.Errorf("sqlite: the last event id in meta is %q, not a number: %w", v, err)
	}
	return nil
}

// saveLastEvent keeps, inside the batch's transaction, the last event id it
// gave.
func (s *Store) saveLastEvent(ctx context.Context) error {
	if s.pendingEvent == s.lastEvent {
		return nil
	}
	_, err := s.wq.exec(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		metaLastEvent, []byte(strconv.FormatInt(s.pendingEvent, 10)))
	return wrap(err, "keep the last event id")
}

// OnEvents sets fn to be called after each commit that stored events, with
// those events in id order, so that streams and webhooks waiting for them
// wake up. fn runs on the writer, commit after commit: it must be quick and
// must not call Transact.
func (s *Store) OnEvents(fn func(events []deconflict.StoredEvent)) { s.onEvents.Store(&fn) }

// EventsAfter returns up to limit events of party after id after.
func (r *reader) EventsAfter(ctx context.Context, party string, after int64, n int) ([]deconflict.Event, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := r.q.query(ctx, `SELECT id, kind, time, needs_ack, data FROM event
		WHERE party = ? AND id > ? ORDER BY id LIMIT ?`, party, after, limit(n))
	if err != nil {
		return nil, wrap(err, "read events")
	}
	defer rows.Close()
	out := []deconflict.Event{}
	for rows.Next() {
		var e deconflict.Event
		var kind, data string
		var at int64
		if err := rows.Scan(&e.ID, &kind, &at, &e.NeedsAck, &data); err != nil {
			return nil, wrap(err, "read events")
		}
		e.Kind, e.Time, e.Data = deconflict.EventKind(kind), fromMicros(at), []byte(data)
		out = append(out, e)
	}
	return out, wrap(rows.Err(), "read events")
}

// StoredEvent returns event id if it is party's.
func (r *reader) StoredEvent(ctx context.Context, party string, id int64) (deconflict.StoredEvent, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return deconflict.StoredEvent{}, err
	}
	var e deconflict.StoredEvent
	var kind, data string
	var at int64
	err = r.q.scanOne(ctx, `SELECT id, party, kind, time, needs_ack, origin, data, ledger_index FROM event
		WHERE id = ? AND party = ?`, []any{id, party},
		&e.ID, &e.Party, &kind, &at, &e.NeedsAck, &e.Origin, &data, &e.LedgerIndex)
	if errors.Is(err, sql.ErrNoRows) {
		return e, notFound("event %d not found", id)
	}
	if err != nil {
		return e, wrap(err, "read event %d", id)
	}
	e.Kind, e.Time, e.Data = deconflict.EventKind(kind), fromMicros(at), []byte(data)
	return e, nil
}

// AddAck records an acknowledgement once.
func (t *tx) AddAck(ctx context.Context, a deconflict.Ack) (bool, error) {
	ctx, err := t.begin(ctx)
	if err != nil {
		return false, err
	}
	res, err := t.q.exec(ctx, `INSERT INTO event_ack (event_id, party, at, ledger_index) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, a.EventID, a.Party, micros(a.At), a.LedgerIndex)
	if err != nil {
		return false, wrap(err, "ack event %d", a.EventID)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err, "ack event %d", a.EventID)
}

// Acks lists the acknowledgements of an event.
func (r *reader) Acks(ctx context.Context, id int64) ([]deconflict.Ack, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := r.q.query(ctx, `SELECT event_id, party, at, ledger_index FROM event_ack WHERE event_id = ? ORDER BY at, party`, id)
	if err != nil {
		return nil, wrap(err, "read acks")
	}
	defer rows.Close()
	out := []deconflict.Ack{}
	for rows.Next() {
		var a deconflict.Ack
		var at int64
		if err := rows.Scan(&a.EventID, &a.Party, &at, &a.LedgerIndex); err != nil {
			return nil, wrap(err, "read acks")
		}
		a.At = fromMicros(at)
		out = append(out, a)
	}
	return out, wrap(rows.Err(), "read acks")
}

// MarkDelivered records the first delivery of an event.
func (t *tx) MarkDelivered(ctx context.Context, id int64, via string, at time.Time, ledgerIndex int64) (bool, error) {
	ctx, err := t.begin(ctx)
	if err != nil {
		return false, err
	}
	res, err := t.q.exec(ctx, `INSERT INTO event_delivery (event_id, via, at, ledger_index) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, id, via, micros(at), ledgerIndex)
	if err != nil {
		return false, wrap(err, "mark event %d delivered", id)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err, "mark event %d delivered", id)
}

// Delivered reports whether event id was delivered.
func (r *reader) Delivered(ctx context.Context, id int64) (bool, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return false, err
	}
	ok, err := r.q.exists(ctx, `SELECT 1 FROM event_delivery WHERE event_id = ?`, id)
	return ok, wrap(err, "read delivery of event %d", id)
}
