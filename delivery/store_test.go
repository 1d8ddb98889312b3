package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

// memStore stands in for the SQL store: events per recipient party, numbered
// by one sequence across parties (so a party's ids have gaps), cursors, and
// the first delivery of each event.
type memStore struct {
	mu        sync.Mutex
	seq       int64
	events    map[string][]deconflict.Event
	hooks     []deconflict.Webhook
	cursors   map[hookKey]int64
	delivered map[deliveryKey]deliveryRec
	maxLimit  int
	failReads int      // the next failReads EventsAfter calls fail
	faults    []string // contract breaches by the dispatcher
}

type deliveryKey struct {
	party string
	event int64
}

type deliveryRec struct {
	via string
	at  time.Time
}

func newMemStore() *memStore {
	return &memStore{
		events:    map[string][]deconflict.Event{},
		cursors:   map[hookKey]int64{},
		delivered: map[deliveryKey]deliveryRec{},
	}
}

// add commits n events for party, kinds taken in turn from kinds.
func (s *memStore) add(party string, n int, kinds ...deconflict.EventKind) []deconflict.Event {
	if len(kinds) == 0 {
		kinds = []deconflict.EventKind{deconflict.EventConflictOpened}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []deconflict.Event
	for i := 0; i < n; i++ {
		s.seq++
		ev := deconflict.Event{
			ID:       s.seq,
			Kind:     kinds[i%len(kinds)],
			Time:     time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC).Add(time.Duration(s.seq) * time.Second),
			NeedsAck: i%2 == 0,
			Data:     []byte(fmt.Sprintf(`{"seq":%d,"party":%q}`, s.seq, party)),
		}
		s.events[party] = append(s.events[party], ev)
		out = append(out, ev)
	}
	return out
}

func (s *memStore) putHook(h deconflict.Webhook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.hooks {
		if s.hooks[i].Party == h.Party && s.hooks[i].ID == h.ID {
			s.hooks[i] = h
			return
		}
	}
	s.hooks = append(s.hooks, h)
}

func (s *memStore) deleteHook(party, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = slices.DeleteFunc(s.hooks, func(h deconflict.Webhook) bool { return h.Party == party && h.ID == id })
}

func (s *memStore) cursor(party, id string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursors[hookKey{party, id}]
}

func (s *memStore) deliveredTo(party string) map[int64]deliveryRec {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]deliveryRec{}
	for k, v := range s.delivered {
		if k.party == party {
			out[k.event] = v
		}
	}
	return out
}

func (s *memStore) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		t.Error("store:", f)
	}
}

func (s *memStore) Webhooks(ctx context.Context) ([]deconflict.Webhook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hooks), ctx.Err()
}

var errStoreDown = errors.New("store down")

func (s *memStore) EventsAfter(ctx context.Context, party string, after int64, limit int) ([]deconflict.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failReads > 0 {
		s.failReads--
		return nil, errStoreDown
	}
	if limit <= 0 {
		s.faults = append(s.faults, fmt.Sprintf("EventsAfter limit %d", limit))
	}
	s.maxLimit = max(s.maxLimit, limit)
	evs := s.events[party]
	i := sort.Search(len(evs), func(i int) bool { return evs[i].ID > after })
	return slices.Clone(evs[i:min(len(evs), i+limit)]), nil
}

func (s *memStore) WebhookCursor(ctx context.Context, party, id string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursors[hookKey{party, id}], ctx.Err()
}

func (s *memStore) SetWebhookCursor(ctx context.Context, party, id string, eventID int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := hookKey{party, id}
	if eventID < s.cursors[k] {
		s.faults = append(s.faults, fmt.Sprintf("cursor of %s/%s moved back from %d to %d", party, id, s.cursors[k], eventID))
	}
	s.cursors[k] = eventID
	return nil
}

func (s *memStore) Delivered(ctx context.Context, party string, eventID int64, via string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := deliveryKey{party, eventID}
	if _, ok := s.delivered[k]; !ok {
		s.delivered[k] = deliveryRec{via, at}
	}
	return nil
}

func ids(evs []deconflict.Event) []int64 {
	out := make([]int64, len(evs))
	for i, ev := range evs {
		out[i] = ev.ID
	}
	return out
}
