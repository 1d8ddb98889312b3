package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/ledger"
)

func storedEvent(party, text string, needsAck bool) deconflict.StoredEvent {
	return deconflict.StoredEvent{
		Event:  deconflict.Event{Kind: deconflict.EventMessage, Time: at(7, 0), NeedsAck: needsAck, Data: []byte(fmt.Sprintf(`{"text":%q}`, text))},
		Party:  party,
		Origin: "system",
	}
}

// testEvents: ids grow in commit order; a party reads its own events only,
// after a cursor, in pages; acknowledgements and first deliveries are kept
// once; a rolled-back transaction leaves no event.
func testEvents(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	mustParty(t, s, "alpha", "bravo")
	var ids []int64
	for i := range 5 {
		write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
			got, err := tx.AddEvents(ctx, []deconflict.StoredEvent{storedEvent("alpha", fmt.Sprint("a", i), i == 0), storedEvent("bravo", fmt.Sprint("b", i), false)})
			ids = append(ids, got...)
			return err
		})
	}
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != 10 {
		t.Fatalf("event ids %v: want 10 distinct, increasing", ids)
	}
	boom := errors.New("no")
	if err := writeErr(s, func(ctx context.Context, tx deconflict.Tx) error {
		tx.AddEvents(ctx, []deconflict.StoredEvent{storedEvent("alpha", "rolled back", false)})
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Transact: %v", err)
	}
	evs, err := s.EventsAfter(ctx, "alpha", 0, 100)
	if err != nil || len(evs) != 5 {
		t.Fatalf("alpha's events: %d, %v; want 5", len(evs), err)
	}
	for i, e := range evs {
		if e.ID != ids[2*i] || string(e.Data) != fmt.Sprintf(`{"text":"a%d"}`, i) || !e.Time.Equal(at(7, 0)) || e.NeedsAck != (i == 0) {
			t.Fatalf("alpha's event %d: %+v (data %s)", i, e, e.Data)
		}
	}
	page, err := s.EventsAfter(ctx, "alpha", evs[1].ID, 2)
	if err != nil || len(page) != 2 || page[0].ID != evs[2].ID {
		t.Fatalf("alpha's events after %d, 2 of them: %+v, %v", evs[1].ID, page, err)
	}
	if _, err := s.StoredEvent(ctx, "bravo", evs[0].ID); deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
		t.Fatalf("bravo reading alpha's event: %v, want ENOTFOUND", err)
	}
	e, err := s.StoredEvent(ctx, "alpha", evs[0].ID)
	if err != nil || e.Party != "alpha" || e.Origin != "system" {
		t.Fatalf("StoredEvent: %+v, %v", e, err)
	}

	ack := deconflict.Ack{EventID: evs[0].ID, Party: "alpha", At: at(7, 1), LedgerIndex: 3}
	for i, want := range []bool{true, false} {
		write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
			first, err := tx.AddAck(ctx, ack)
			if first != want {
				t.Errorf("ack #%d: first %v, want %v", i+1, first, want)
			}
			return err
		})
	}
	acks, err := s.Acks(ctx, evs[0].ID)
	if err != nil || len(acks) != 1 || acks[0] != ack {
		t.Fatalf("acks: %+v, %v; want [%+v]", acks, err, ack)
	}
	for i, want := range []bool{true, false} {
		write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
			first, err := tx.MarkDelivered(ctx, evs[0].ID, "stream", at(7, 0), 4)
			if first != want {
				t.Errorf("delivery #%d: first %v, want %v", i+1, first, want)
			}
			return err
		})
	}
	if done, err := s.Delivered(ctx, evs[0].ID); err != nil || !done {
		t.Fatalf("Delivered: %v, %v", done, err)
	}
	if done, err := s.Delivered(ctx, evs[1].ID); err != nil || done {
		t.Fatalf("Delivered of an undelivered event: %v, %v", done, err)
	}
}

// testWebhooks: put, replace (keeping the cursor), list, cursor that only
// moves forward, delete.
func testWebhooks(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	mustParty(t, s, "alpha", "bravo")
	w := deconflict.Webhook{Party: "alpha", ID: "ops", URL: "https://ops.example/hook", Kinds: []deconflict.EventKind{deconflict.EventMessage},
		Secret: "0123456789abcdef", CreatedAt: at(1, 0), UpdatedAt: at(1, 0)}
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.PutWebhook(ctx, w) })
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.SetWebhookCursor(ctx, "alpha", "ops", 7) })
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.SetWebhookCursor(ctx, "alpha", "ops", 5) })
	w.URL, w.UpdatedAt = "https://ops.example/hook2", at(2, 0)
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.PutWebhook(ctx, w) })
	got, err := s.Webhook(ctx, "alpha", "ops")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "webhook", got, w)
	if got.Secret != w.Secret {
		t.Fatal("the secret was not kept")
	}
	if c, err := s.WebhookCursor(ctx, "alpha", "ops"); err != nil || c != 7 {
		t.Fatalf("cursor %d, %v; want 7 (it never moves back, and a replace keeps it)", c, err)
	}
	all, err := s.Webhooks(ctx)
	if err != nil || len(all) != 1 {
		t.Fatalf("webhooks: %+v, %v", all, err)
	}
	if _, err := s.Webhook(ctx, "bravo", "ops"); deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
		t.Fatalf("bravo's webhook ops: %v, want ENOTFOUND", err)
	}
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.DeleteWebhook(ctx, "alpha", "ops") })
	err = writeErr(s, func(ctx context.Context, tx deconflict.Tx) error { return tx.DeleteWebhook(ctx, "alpha", "ops") })
	wantCode(t, "deleting it again", err, deconflict.ENOTFOUND)
}

func ledgerEntry(t *testing.T, i int, audience ...string) []byte {
	t.Helper()
	e, err := ledger.NewEntry("event.created", at(7, 0).Add(time.Duration(i)*time.Microsecond), "system", audience, fmt.Sprintf("event/%d", i), []byte(fmt.Sprint(i)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testLedger: entries appended in transactions (one rolled back) come back
// in order with their audience; the head is the root of the kept entries;
// every inclusion proof served from the store's nodes verifies.
func testLedger(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	app := ledger.NewAppender()
	n := 0
	for round := range 12 {
		k := 1 + round%5
		var batch [][]byte
		for range k {
			batch = append(batch, ledgerEntry(t, n, "alpha", fmt.Sprint("p", n%3)))
			n++
		}
		if round == 4 {
			err := writeErr(s, func(ctx context.Context, tx deconflict.Tx) error {
				tx.AppendLedger(ctx, batch...)
				return errors.New("rolled back")
			})
			if err == nil {
				t.Fatal("a failing transaction committed")
			}
			continue
		}
		write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
			first, err := tx.AppendLedger(ctx, batch...)
			if err == nil && first != int64(app.Size()) {
				t.Errorf("appended at %d, want %d", first, app.Size())
			}
			return err
		})
		for _, c := range batch {
			app.Append(ledger.LeafHash(c))
		}
	}
	head, err := s.LedgerHead(ctx)
	if err != nil || head.Size != int64(app.Size()) || !bytes.Equal(head.Root, app.Root()) {
		t.Fatalf("head %d %x, %v; want %d %x", head.Size, head.Root, err, app.Size(), app.Root())
	}
	recs, err := s.LedgerEntries(ctx, 0, head.Size)
	if err != nil || int64(len(recs)) != head.Size {
		t.Fatalf("entries: %d, %v", len(recs), err)
	}
	for i, r := range recs {
		e, err := ledger.DecodeEntry(r.Canonical)
		if err != nil || r.Index != int64(i) || !slices.Equal(r.Audience, e.Audience) || !bytes.Equal(r.LeafHash, ledger.LeafHash(r.Canonical)) {
			t.Fatalf("entry %d: %+v, %v", i, r, err)
		}
		p, err := ledger.InclusionProof(ctx, ledger.StoredNodes(s), uint64(head.Size), uint64(i), uint64(head.Size))
		if err != nil {
			t.Fatal(err)
		}
		if err := ledger.VerifyInclusion(r.LeafHash, uint64(i), uint64(head.Size), p, head.Root); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	if part, err := s.LedgerEntries(ctx, 3, 5); err != nil || len(part) != 2 || part[0].Index != 3 {
		t.Fatalf("entries [3, 5): %+v, %v", part, err)
	}
}
