package hub

import (
	"testing"
	"time"
)

func TestNotifyWakesOnlyThatParty(t *testing.T) {
	h := New()
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
	h.Notify("alpha")
	<-next
}
