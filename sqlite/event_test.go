package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/sqlite"
)

// TestEventPages stores, in one batch, more events for one party than a page
// holds, interleaved with another party's, beside a closure that is rolled
// back and one that reads an event of the batch before it is stored; then
// reads them back every way a stream, a webhook and an acknowledgement do,
// before and after a restart.
func TestEventPages(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	const perParty = 300 // more than two pages' worth
	var evs []deconflict.StoredEvent
	for i := range 2 * perParty {
		party := []string{"alpha", "bravo"}[i%2]
		data, _ := json.Marshal(map[string]any{"n": i, "text": fmt.Sprintf("<%d> & \u2028 é \"quoted\"", i)})
		evs = append(evs, deconflict.StoredEvent{
			Event:  deconflict.Event{Kind: deconflict.EventMessage, Time: time.UnixMicro(int64(1_700_000_000_000_000 + i)).UTC(), NeedsAck: i%3 == 0, Data: data},
			Party:  party,
			Origin: `odd "origin"`, // never an id in practice; escaped all the same
		})
		evs[i].LedgerIndex = int64(1000 + i)
	}

	release := holdWriter(t, s)
	var (
		wg               sync.WaitGroup
		ids              []int64
		errAdd, errRead  error
		errBack          error
		readInsideWriter deconflict.StoredEvent
	)
	wg.Add(3)
	go func() {
		defer wg.Done()
		errAdd = s.Transact(ctx, func(tx deconflict.Tx) error {
			var err error
			ids, err = tx.AddEvents(ctx, evs)
			return err
		})
	}()
	waitQueued(t, s, 1)
	go func() {
		defer wg.Done()
		errBack = s.Transact(ctx, func(tx deconflict.Tx) error {
			if _, err := tx.AddEvents(ctx, evs[:5]); err != nil {
				return err
			}
			return errBoom
		})
	}()
	waitQueued(t, s, 2)
	go func() {
		defer wg.Done()
		errRead = s.Transact(ctx, func(tx deconflict.Tx) error {
			// The first closure's events are not stored yet, but are
			// the batch's: the writer finds them.
			var err error
			readInsideWriter, err = tx.StoredEvent(ctx, "bravo", ids[1])
			return err
		})
	}()
	waitQueued(t, s, 3)
	release()
	wg.Wait()
	if errAdd != nil || errRead != nil || errBack != errBoom {
		t.Fatalf("closures: add %v, read %v, rolled back %v", errAdd, errRead, errBack)
	}
	if readInsideWriter.ID != ids[1] || string(readInsideWriter.Data) != string(evs[1].Data) {
		t.Fatalf("event read inside the batch: %+v", readInsideWriter)
	}
	for i := range ids {
		evs[i].ID = ids[i]
		if i > 0 && ids[i] != ids[i-1]+1 {
			t.Fatalf("ids %d then %d", ids[i-1], ids[i])
		}
	}

	check := func(s *sqlite.Store, when string) {
		t.Helper()
		for p, party := range []string{"alpha", "bravo"} {
			var want []deconflict.StoredEvent
			for i := p; i < len(evs); i += 2 {
				want = append(want, evs[i])
			}
			got, err := s.EventsAfter(ctx, party, 0, 0)
			if err != nil || len(got) != len(want) {
				t.Fatalf("%s: %s's events: %d, %v; want %d", when, party, len(got), err, len(want))
			}
			for i, e := range got {
				if e.ID != want[i].ID || e.Kind != want[i].Kind || !e.Time.Equal(want[i].Time) || e.NeedsAck != want[i].NeedsAck || string(e.Data) != string(want[i].Data) {
					t.Fatalf("%s: %s's event %d: %+v, want %+v", when, party, i, e, want[i].Event)
				}
			}
			// A page read from its middle, across the next page.
			after := want[100].ID
			got, err = s.EventsAfter(ctx, party, after, 60)
			if err != nil || len(got) != 60 || got[0].ID != want[101].ID || got[59].ID != want[160].ID {
				t.Fatalf("%s: %s's 60 events after %d: %d, %v", when, party, after, len(got), err)
			}
			if got, err := s.EventsAfter(ctx, party, want[len(want)-1].ID, 10); err != nil || len(got) != 0 {
				t.Fatalf("%s: %s's events after its last: %d, %v", when, party, len(got), err)
			}
			for _, w := range want {
				e, err := s.StoredEvent(ctx, party, w.ID)
				if err != nil || e.ID != w.ID || e.Party != party || e.Origin != w.Origin || e.LedgerIndex != w.LedgerIndex || string(e.Data) != string(w.Data) {
					t.Fatalf("%s: %s's event %d: %+v, %v", when, party, w.ID, e, err)
				}
				other := []string{"bravo", "alpha"}[p]
				if _, err := s.StoredEvent(ctx, other, w.ID); deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
					t.Fatalf("%s: %s's event %d read as %s's: %v", when, party, w.ID, other, err)
				}
			}
		}
		if _, err := s.StoredEvent(ctx, "alpha", ids[len(ids)-1]+1); deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
			t.Fatalf("%s: an event never given: %v", when, err)
		}
	}
	check(s, "before the restart")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = sqlite.Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check(s, "after the restart")
	var next []int64
	err = s.Transact(ctx, func(tx deconflict.Tx) error {
		var err error
		next, err = tx.AddEvents(ctx, evs[:1])
		return err
	})
	if err != nil || next[0] != ids[len(ids)-1]+1 {
		t.Fatalf("the next event after the restart: %v, %v; want id %d", next, err, ids[len(ids)-1]+1)
	}
}
