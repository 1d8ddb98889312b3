package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/deconflict/deconflict"
)

func micros(t time.Time) int64      { return t.UnixMicro() }
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// AddEvents numbers events for their recipients and returns their ids. The
// writer numbers them itself (see Store.lastEvent) and keeps them with the
// batch: writeEvents stores the whole batch's events at its end, a page per
// recipient, so that a closure costs no SQL for them. A page holds its
// events' data verbatim inside its own JSON, so Data must be JSON, as
// deconflict.EventWriter requires; it is not checked again here (checking
// cost the writer about a third of what storing the events does).
func (t *tx) AddEvents(ctx context.Context, es []deconflict.StoredEvent) ([]int64, error) {
	if _, err := t.begin(ctx); err != nil {
		return nil, err
	}
	if t.lastEvent == 0 {
		t.lastEvent = t.store.pendingEvent
	}
	ids := make([]int64, len(es))
	for i, e := range es {
		t.lastEvent++
		e.ID = t.lastEvent
		ids[i] = e.ID
		t.added = append(t.added, e)
	}
	return ids, nil
}

// pageEvents is the most events one event_page row holds: a page is read
// whole to find one of its events.
const pageEvents = 128

// writeEvents stores the events of the batch (in id order), one page per
// recipient and up to pageEvents events, and keeps the last id given.
func (s *Store) writeEvents(ctx context.Context) error {
	if len(s.batchEvents) > 0 {
		type page struct {
			party string
			evs   []deconflict.StoredEvent
		}
		var pages []page
		open := map[string]int{} // party -> its page being filled
		for _, e := range s.batchEvents {
			i, ok := open[e.Party]
			if !ok || len(pages[i].evs) == pageEvents {
				i = len(pages)
				pages = append(pages, page{party: e.Party})
				open[e.Party] = i
			}
			pages[i].evs = append(pages[i].evs, e)
		}
		// Pages in the order of their last ids: the table is keyed by it.
		slices.SortFunc(pages, func(a, b page) int { return cmp.Compare(a.evs[len(a.evs)-1].ID, b.evs[len(b.evs)-1].ID) })
		var buf []byte
		for len(pages) > 0 {
			n := min(len(pages), rowChunk)
			args := make([]any, 0, 4*n)
			for _, p := range pages[:n] {
				if need := len(p.evs) * (160 + len(p.evs[0].Data)); cap(buf) < need {
					buf = make([]byte, 0, need)
				}
				buf = append(buf[:0], '[')
				for i, e := range p.evs {
					if i > 0 {
						buf = append(buf, ',')
					}
					buf = appendPageEvent(buf, e)
				}
				buf = append(buf, ']')
				args = append(args, p.evs[len(p.evs)-1].ID, p.party, p.evs[0].ID, string(buf))
			}
			if _, err := s.wq.exec(ctx, `INSERT INTO event_page (last_id, party, first_id, events) VALUES `+
				placeholders(n, 4), args...); err != nil {
				return wrap(err, "add events")
			}
			pages = pages[n:]
		}
	}
	return s.saveLastEvent(ctx)
}

// pageEvent is an event as an event_page row holds it.
type pageEvent struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	Time        int64           `json:"time"` // unix microseconds
	NeedsAck    bool            `json:"needs_ack"`
	Origin      string          `json:"origin"`
	Data        json.RawMessage `json:"data"`
	LedgerIndex int64           `json:"ledger_index"`
}

// appendPageEvent appends e as a page holds it. Data is JSON already and is
// kept byte for byte; kind and origin are JSON-quoted.
func appendPageEvent(b []byte, e deconflict.StoredEvent) []byte {
	b = strconv.AppendInt(append(b, `{"id":`...), e.ID, 10)
	b = appendJSONString(append(b, `,"kind":`...), string(e.Kind))
	b = strconv.AppendInt(append(b, `,"time":`...), micros(e.Time), 10)
	b = strconv.AppendBool(append(b, `,"needs_ack":`...), e.NeedsAck)
	b = appendJSONString(append(b, `,"origin":`...), e.Origin)
	b = append(append(b, `,"data":`...), e.Data...)
	b = strconv.AppendInt(append(b, `,"ledger_index":`...), e.LedgerIndex, 10)
	return append(b, '}')
}

// appendJSONString appends s as a JSON string: as it is when it needs no
// escaping (kinds and ids never do), else through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}

// decodePage returns the events of a page.
func decodePage(party, events string) ([]deconflict.StoredEvent, error) {
	var pes []pageEvent
	if err := json.Unmarshal([]byte(events), &pes); err != nil {
		return nil, fmt.Errorf("sqlite: an event page of %s is not readable: %w", party, err)
	}
	out := make([]deconflict.StoredEvent, len(pes))
	for i, p := range pes {
		out[i] = deconflict.StoredEvent{
			Event:  deconflict.Event{ID: p.ID, Kind: deconflict.EventKind(p.Kind), Time: fromMicros(p.Time), NeedsAck: p.NeedsAck, Data: []byte(p.Data)},
			Party:  party,
			Origin: p.Origin, LedgerIndex: p.LedgerIndex,
		}
	}
	return out, nil
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
	// Every page ending after after holds at least one event to return, so
	// n pages are enough.
	rows, err := r.q.query(ctx, `SELECT events FROM event_page
		WHERE party = ? AND last_id > ? ORDER BY last_id LIMIT ?`, party, after, limit(n))
	if n <= 0 {
		n = math.MaxInt
	}
	if err != nil {
		return nil, wrap(err, "read events")
	}
	defer rows.Close()
	out := []deconflict.Event{}
	for len(out) < n && rows.Next() {
		var page string
		if err := rows.Scan(&page); err != nil {
			return nil, wrap(err, "read events")
		}
		evs, err := decodePage(party, page)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if e.ID > after && len(out) < n {
				out = append(out, e.Event)
			}
		}
	}
	return out, wrap(rows.Err(), "read events")
}

// StoredEvent returns event id if it is party's. Inside the writer it also
// finds the events of the batch being written, which are stored only at its
// end.
func (r *reader) StoredEvent(ctx context.Context, party string, id int64) (deconflict.StoredEvent, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return deconflict.StoredEvent{}, err
	}
	if r.tx != nil && id > r.store.lastEvent {
		for _, evs := range [][]deconflict.StoredEvent{r.store.batchEvents, r.tx.added} {
			for _, e := range evs {
				if e.ID == id && e.Party == party {
					return e, nil
				}
			}
		}
		return deconflict.StoredEvent{}, notFound("event %d not found", id)
	}
	var first int64
	var page string
	err = r.q.scanOne(ctx, `SELECT first_id, events FROM event_page
		WHERE party = ? AND last_id >= ? ORDER BY last_id LIMIT 1`, []any{party, id}, &first, &page)
	if errors.Is(err, sql.ErrNoRows) || err == nil && first > id {
		return deconflict.StoredEvent{}, notFound("event %d not found", id)
	}
	if err != nil {
		return deconflict.StoredEvent{}, wrap(err, "read event %d", id)
	}
	evs, err := decodePage(party, page)
	if err != nil {
		return deconflict.StoredEvent{}, err
	}
	for _, e := range evs {
		if e.ID == id {
			return e, nil
		}
	}
	return deconflict.StoredEvent{}, notFound("event %d not found", id)
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
