package strategic

import (
	"strconv"
	"testing"
)

// TestRetryCacheKeepsWithinItsBudget: the refusals kept never weigh more
// than retryBudget nor number more than retryCacheSize, the oldest go first,
// a refusal heavier than the budget is not kept, and the weight accounted
// follows every way a refusal leaves (taken, replaced, evicted).
func TestRetryCacheKeepsWithinItsBudget(t *testing.T) {
	rc := newRetryCache()
	key := func(i int) retryKey { return retryKey{"alpha", "op" + strconv.Itoa(i)} }
	heavy := retryBudget * 2 / 5
	for i := range 3 {
		rc.add(key(i), refusal{weight: heavy})
	}
	if rc.weight != 2*heavy || rc.c.Len() != 2 {
		t.Fatalf("after three refusals of 2/5 of the budget: weight %d in %d kept, want %d in 2", rc.weight, rc.c.Len(), 2*heavy)
	}
	if _, ok := rc.take(key(0)); ok {
		t.Fatal("the oldest refusal is still kept past the budget")
	}
	if r, ok := rc.take(key(2)); !ok || r.weight != heavy || rc.weight != heavy {
		t.Fatalf("taking the newest: %v, weight %d kept, want %d", ok, rc.weight, heavy)
	}
	rc.add(key(1), refusal{weight: 10}) // replaces the heavy one under the same key
	if rc.weight != 10 || rc.c.Len() != 1 {
		t.Fatalf("after a replacement: weight %d in %d kept, want 10 in 1", rc.weight, rc.c.Len())
	}
	rc.add(key(9), refusal{weight: retryBudget + 1})
	if _, ok := rc.take(key(9)); ok || rc.weight != 10 {
		t.Fatalf("a refusal heavier than the budget was kept (weight now %d)", rc.weight)
	}
	for i := range retryCacheSize + 10 {
		rc.add(key(100+i), refusal{weight: 1})
	}
	if rc.c.Len() != retryCacheSize || rc.weight != retryCacheSize {
		t.Fatalf("past the count: %d kept weighing %d, want %d weighing as many", rc.c.Len(), rc.weight, retryCacheSize)
	}
}
