// Package hub wakes whoever waits for a party's events when new ones have
// committed — the event streams of that party, its webhook workers — and
// keeps each party's latest events in memory, so that the streams of a busy
// exchange read them from here rather than each from the store. A wake-up
// only says "look again"; a reader that has fallen behind what is kept here
// reads the store, so no reader can miss an event or hold up another.
package hub

import (
	"slices"
	"sync"

	"github.com/deconflict/deconflict"
)

// Hub is a set of per-party wake-up signals and recent events. The zero
// value is not usable; call New.
type Hub struct {
	mu      sync.Mutex
	waiting map[string]chan struct{}
	recent  map[string]*recent
	keep    int
}

// recent holds every event of one party with an id above floor, in id
// order.
type recent struct {
	floor  int64
	events []deconflict.Event
}

// DefaultKeep is how many of each party's latest events a Hub keeps.
const DefaultKeep = 64

// New returns an empty Hub keeping the latest keep events of each party
// (DefaultKeep when keep <= 0).
func New(keep int) *Hub {
	if keep <= 0 {
		keep = DefaultKeep
	}
	return &Hub{waiting: map[string]chan struct{}{}, recent: map[string]*recent{}, keep: keep}
}

// Wait returns a channel closed at the next Notify or Publish for party.
// Take it before reading, then wait on it: an event committed between the
// read and the wait closes it, so nothing is missed.
func (h *Hub) Wait(party string) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch, ok := h.waiting[party]
	if !ok {
		ch = make(chan struct{})
		h.waiting[party] = ch
	}
	return ch
}

// Notify wakes every waiter of each of parties.
func (h *Hub) Notify(parties ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range parties {
		h.wake(p)
	}
}

func (h *Hub) wake(party string) {
	if ch, ok := h.waiting[party]; ok {
		close(ch)
		delete(h.waiting, party)
	}
}

// Publish takes the events of one commit, in id order, keeps them and wakes
// their parties' waiters. Every commit's events must be published, in
// commit order, for Since to be true.
func (h *Hub) Publish(evs []deconflict.StoredEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range evs {
		r := h.recent[e.Party]
		if r == nil {
			// Ids grow in commit order: every event of the party after this
			// one will be published here too.
			r = &recent{floor: e.ID - 1}
			h.recent[e.Party] = r
		}
		r.events = append(r.events, e.Event)
		if len(r.events) > 2*h.keep {
			drop := len(r.events) - h.keep
			r.floor = r.events[drop-1].ID
			r.events = slices.Clone(r.events[drop:])
		}
	}
	for _, e := range evs {
		h.wake(e.Party)
	}
}

// Since returns up to limit of party's events with ids above after, when
// the hub holds all of them; ok is false when the reader must read the
// store instead.
func (h *Hub) Since(party string, after int64, limit int) (evs []deconflict.Event, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.recent[party]
	if r == nil || after < r.floor {
		return nil, false
	}
	i, _ := slices.BinarySearchFunc(r.events, after+1, func(e deconflict.Event, id int64) int {
		switch {
		case e.ID < id:
			return -1
		case e.ID > id:
			return 1
		}
		return 0
	})
	out := r.events[i:]
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return slices.Clone(out), true
}
