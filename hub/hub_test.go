package hub

import (
	"slices"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

func TestNotifyWakesOnlyThatParty(t *testing.T) {
	h := New(0)
	a1, a2, b := h.Wait("alpha"), h.Wait("alpha"), h.Wait("bravo")
	h.Notify("alpha", "nobody")
	for _, ch := range []<-chan struct{}{a1, a2} {
		select {
		case <-ch:
		case <-time.After(time.Second):
			t.Fatal("a waiter of alpha was not woken")
		}
	}
	select {
	case <-b:
		t.Fatal("bravo's waiter woke on alpha's events")
	default:
	}
	// A wait taken after the notify waits for the next one.
	next := h.Wait("alpha")
	select {
	case <-next:
		t.Fatal("a new wait is already closed")
	default:
	}
	h.Publish([]deconflict.StoredEvent{{Event: deconflict.Event{ID: 9}, Party: "alpha"}})
	<-next
}

// TestSinceServesOnlyWhatItHoldsWhole: a reader is served from memory
// exactly when the hub holds every event it has not read yet.
func TestSinceServesOnlyWhatItHoldsWhole(t *testing.T) {
	h := New(4)
	if _, ok := h.Since("alpha", 0, 10); ok {
		t.Fatal("served a party it has seen nothing of")
	}
	var ids []int64
	for id := int64(10); id < 40; id += 3 { // alpha's events, others' in between
		h.Publish([]deconflict.StoredEvent{{Event: deconflict.Event{ID: id}, Party: "alpha"}, {Event: deconflict.Event{ID: id + 1}, Party: "bravo"}})
		ids = append(ids, id)
	}
	ids32 := func(evs []deconflict.Event) []int64 {
		var out []int64
		for _, e := range evs {
			out = append(out, e.ID)
		}
		return out
	}
	// It kept the latest (between 4 and 8); older readers go to the store.
	if _, ok := h.Since("alpha", 9, 100); ok {
		t.Fatal("served a reader from before what it keeps")
	}
	last := ids[len(ids)-1]
	got, ok := h.Since("alpha", ids[len(ids)-3], 100)
	if !ok || !slices.Equal(ids32(got), ids[len(ids)-2:]) {
		t.Fatalf("after %d: %v %v, want %v", ids[len(ids)-3], ids32(got), ok, ids[len(ids)-2:])
	}
	if got, ok := h.Since("alpha", last, 100); !ok || len(got) != 0 {
		t.Fatalf("a reader that has everything got %v %v", ids32(got), ok)
	}
	if got, _ := h.Since("alpha", ids[len(ids)-3], 1); len(got) != 1 {
		t.Fatalf("limit 1 gave %d", len(got))
	}
}
