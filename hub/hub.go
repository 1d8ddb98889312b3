// Package hub wakes whoever waits for a party's events when new ones have
// committed: the event streams of that party, its webhook workers. It carries
// no events (readers read them from the store, from where they left off), so
// a slow reader costs nothing here and can never miss one: a wake-up only
// says "look again".
package hub

import "sync"

// Hub is a set of per-party wake-up signals. The zero value is not usable;
// call New.
type Hub struct {
	mu      sync.Mutex
	waiting map[string]chan struct{}
}

// New returns an empty Hub.
func New() *Hub { return &Hub{waiting: map[string]chan struct{}{}} }

// Wait returns a channel closed at the next Notify of party. Take it before
// reading the store, then wait on it: an event committed between the read
// and the wait closes it, so nothing is missed.
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
		if ch, ok := h.waiting[p]; ok {
			close(ch)
			delete(h.waiting, p)
		}
	}
}
