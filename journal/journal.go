// Package journal writes what the exchange must be able to prove, inside the
// same store transaction as the change it records: the events each party is
// owed (conflicts found, changed and closed; hotline messages;
// acknowledgements) and the ledger entries of every accepted change, every
// event, its first delivery and its acknowledgement. A change without its
// entries, or an entry without its change, cannot commit.
//
// It decides nothing (package strategic does) and delivers nothing (the
// event stream and package delivery do); it only writes.
package journal

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/jsonenc"
	"github.com/deconflict/deconflict/ledger"
	"github.com/deconflict/deconflict/strategic"
)

// Journal writes events and ledger entries.
type Journal struct {
	now func() time.Time
}

// New returns a Journal on the clock now (time.Now when nil).
func New(now func() time.Time) *Journal {
	if now == nil {
		now = time.Now
	}
	return &Journal{now: now}
}

// at is the time of an entry: in UTC, to the microsecond, as stored, so that
// an event hashes the same when it is written and when it is read back.
func (j *Journal) at() time.Time { return j.now().UTC().Truncate(time.Microsecond) }

// Record is the strategic.Journal: the ledger entry of the change, then an
// event for each notice and the ledger entry of each, appended together.
func (j *Journal) Record(ctx context.Context, tx deconflict.Tx, ch strategic.Change) error {
	at := j.at()
	actor := ch.Actor
	if actor == "" {
		actor = ledger.ActorSystem
	}
	var before [][]byte
	if ch.Object != nil {
		kind := string(ch.Object.Kind) + ".put"
		if ch.Deleted {
			kind = string(ch.Object.Kind) + ".delete"
		}
		payload, err := json.Marshal(ch.Stored)
		if err != nil {
			return err
		}
		o := ch.Object
		c, err := canonical(kind, at, actor, append([]string{o.Party}, ch.ShareWith...), fmt.Sprintf("%s/%s/%s@%d", o.Kind, o.Party, o.ID, o.Version), payload)
		if err != nil {
			return err
		}
		before = append(before, c)
	}
	evs := make([]deconflict.StoredEvent, len(ch.Notices))
	for i, n := range ch.Notices {
		data, err := jsonenc.Conflict(n.Conflict)
		if err != nil {
			return err
		}
		evs[i] = deconflict.StoredEvent{
			Event:  deconflict.Event{Kind: n.Kind, Time: at, NeedsAck: n.Kind == deconflict.EventConflictOpened, Data: data},
			Party:  n.Party,
			Origin: actor,
		}
	}
	_, err := j.addEvents(ctx, tx, evs, before)
	return err
}

// AddEvent stores e for its recipient with the ledger entry of its creation,
// whose payload is the event exactly as the recipient receives it, shown to
// the recipient and to witnesses (the sender of a message, who may prove it
// was sent). It returns the event with its id.
func (j *Journal) AddEvent(ctx context.Context, tx deconflict.Tx, e deconflict.StoredEvent, witnesses ...string) (deconflict.StoredEvent, error) {
	out, err := j.addEvents(ctx, tx, []deconflict.StoredEvent{e}, nil, witnesses...)
	if err != nil {
		return e, err
	}
	return out[0], nil
}

// addEvents appends the entries before, then stores evs with the entries of
// their creation, in one append to the ledger.
func (j *Journal) addEvents(ctx context.Context, tx deconflict.Tx, evs []deconflict.StoredEvent, before [][]byte, witnesses ...string) ([]deconflict.StoredEvent, error) {
	if len(evs) == 0 && len(before) == 0 {
		return nil, nil
	}
	head, err := tx.LedgerHead(ctx)
	if err != nil {
		return nil, err
	}
	for i := range evs {
		evs[i].Time = evs[i].Time.UTC().Truncate(time.Microsecond)
		evs[i].LedgerIndex = head.Size + int64(len(before)+i)
	}
	if len(evs) > 0 {
		ids, err := tx.AddEvents(ctx, evs)
		if err != nil {
			return nil, err
		}
		for i := range evs {
			evs[i].ID = ids[i]
		}
	}
	entries := before
	for _, e := range evs {
		c, err := canonical("event.created", e.Time, e.Origin, append([]string{e.Party}, witnesses...), EventObject(e.ID), eventBody(e.Event))
		if err != nil {
			return nil, err
		}
		entries = append(entries, c)
	}
	first, err := tx.AppendLedger(ctx, entries...)
	if err != nil {
		return nil, err
	}
	if first != head.Size {
		return nil, fmt.Errorf("journal: the record went to ledger entry %d, not %d", first, head.Size)
	}
	return evs, nil
}

// EventObject is the ledger's object reference of an event.
func EventObject(id int64) string { return "event/" + strconv.FormatInt(id, 10) }

// Ack records party's acknowledgement of its event id: once (repeating it
// changes nothing and returns the first), with its ledger entry, and an ack
// event to the party whose action caused the event. An event that is not
// party's is ENOTFOUND, like one that does not exist.
func (j *Journal) Ack(ctx context.Context, tx deconflict.Tx, party string, id int64) (deconflict.Ack, error) {
	e, err := tx.StoredEvent(ctx, party, id)
	if err != nil {
		return deconflict.Ack{}, err
	}
	acks, err := tx.Acks(ctx, id)
	if err != nil {
		return deconflict.Ack{}, err
	}
	for _, a := range acks {
		if a.Party == party {
			return a, nil
		}
	}
	head, err := tx.LedgerHead(ctx)
	if err != nil {
		return deconflict.Ack{}, err
	}
	a := deconflict.Ack{EventID: id, Party: party, At: j.at(), LedgerIndex: head.Size}
	if _, err := tx.AddAck(ctx, a); err != nil {
		return deconflict.Ack{}, err
	}
	payload, err := json.Marshal(a)
	if err != nil {
		return deconflict.Ack{}, err
	}
	aud := []string{party}
	if e.Origin != ledger.ActorSystem && e.Origin != party {
		aud = append(aud, e.Origin)
	}
	if err := j.appendEntry(ctx, tx, "event.acked", a.At, party, aud, EventObject(id), payload); err != nil {
		return deconflict.Ack{}, err
	}
	if len(aud) == 2 {
		// The sender sees the acknowledgement.
		_, err := j.AddEvent(ctx, tx, deconflict.StoredEvent{
			Event:  deconflict.Event{Kind: deconflict.EventAck, Time: a.At, Data: payload},
			Party:  e.Origin,
			Origin: party,
		})
		if err != nil {
			return deconflict.Ack{}, err
		}
	}
	return a, nil
}

// Delivered records the first delivery of party's event id (via "stream" or
// "webhook:ID") with its ledger entry, for events that need
// acknowledgement: "delivered at T" and "never delivered" are then both
// provable. Later deliveries change nothing.
func (j *Journal) Delivered(ctx context.Context, tx deconflict.Tx, party string, id int64, via string) error {
	e, err := tx.StoredEvent(ctx, party, id)
	if err != nil {
		return err
	}
	if !e.NeedsAck {
		return nil
	}
	done, err := tx.Delivered(ctx, id)
	if err != nil || done {
		return err
	}
	head, err := tx.LedgerHead(ctx)
	if err != nil {
		return err
	}
	at := j.at()
	if _, err := tx.MarkDelivered(ctx, id, via, at, head.Size); err != nil {
		return err
	}
	payload, err := json.Marshal(map[string]any{"event_id": id, "via": via, "at": at})
	if err != nil {
		return err
	}
	return j.appendEntry(ctx, tx, "event.delivered", at, ledger.ActorSystem, []string{party}, EventObject(id), payload)
}

// Message is a hotline message as its recipients receive it.
type Message struct {
	From string   `json:"from"`
	To   []string `json:"to"`
	Text string   `json:"text"`
}

// SendMessage stores one message event for each recipient (parties already
// resolved from groups), each with its ledger entry, and returns them.
func (j *Journal) SendMessage(ctx context.Context, tx deconflict.Tx, m Message, recipients []string, needsAck bool) ([]deconflict.StoredEvent, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	at := j.at()
	evs := make([]deconflict.StoredEvent, len(recipients))
	for i, p := range recipients {
		evs[i] = deconflict.StoredEvent{
			Event:  deconflict.Event{Kind: deconflict.EventMessage, Time: at, NeedsAck: needsAck, Data: data},
			Party:  p,
			Origin: m.From,
		}
	}
	return j.addEvents(ctx, tx, evs, nil, m.From)
}

func (j *Journal) appendEntry(ctx context.Context, tx deconflict.Tx, kind string, at time.Time, actor string, audience []string, object string, payload []byte) error {
	c, err := canonical(kind, at, actor, audience, object, payload)
	if err != nil {
		return err
	}
	_, err = tx.AppendLedger(ctx, c)
	return err
}

// canonical returns the canonical bytes of a ledger entry.
func canonical(kind string, at time.Time, actor string, audience []string, object string, payload []byte) ([]byte, error) {
	aud := audience
	if slices.ContainsFunc(aud, blank) {
		aud = slices.DeleteFunc(slices.Clone(aud), blank)
	}
	c, err := ledger.EncodeEntry(kind, at, actor, aud, object, payload)
	if err != nil {
		return nil, fmt.Errorf("journal: ledger entry %s %s: %w", kind, object, err)
	}
	return c, nil
}

// blank reports whether an audience member is empty (and so left out).
func blank(s string) bool { return strings.TrimSpace(s) == "" }

// AlertNotice is one transition of a tactical alert and the parties to tell
// of it (package tactical decides both).
type AlertNotice struct {
	Kind    deconflict.EventKind // alert.raised, alert.updated or alert.cleared
	Alert   deconflict.Alert
	Parties []string
}

// AddAlerts stores, for each notice, one event for each of its parties (data
// the alert, acknowledgement needed when it is raised) with the ledger entry
// of each, in one append to the ledger, and returns them.
func (j *Journal) AddAlerts(ctx context.Context, tx deconflict.Tx, notices []AlertNotice) ([]deconflict.StoredEvent, error) {
	at := j.at()
	var evs []deconflict.StoredEvent
	for _, n := range notices {
		data, err := json.Marshal(n.Alert)
		if err != nil {
			return nil, err
		}
		for _, p := range n.Parties {
			evs = append(evs, deconflict.StoredEvent{
				Event:  deconflict.Event{Kind: n.Kind, Time: at, NeedsAck: n.Kind == deconflict.EventAlertRaised, Data: data},
				Party:  p,
				Origin: ledger.ActorSystem,
			})
		}
	}
	return j.addEvents(ctx, tx, evs, nil)
}
