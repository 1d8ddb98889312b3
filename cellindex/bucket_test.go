package cellindex

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

// TestBucketsFindEveryOverlap checks the one thing the time buckets must
// never do: hide a stored window that overlaps a search window. Windows are
// drawn at every scale, from a millisecond to all of time.
func TestBucketsFindEveryOverlap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	spans := []time.Duration{time.Millisecond, time.Minute, time.Hour, 3 * time.Hour, 5 * time.Hour,
		30 * time.Hour, 7 * 24 * time.Hour, 200 * 24 * time.Hour, 10 * 365 * 24 * time.Hour}
	base := FloorMilli(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
	window := func() (int64, int64) {
		switch rng.IntN(12) {
		case 0:
			return minMilli, maxMilli
		case 1:
			return minMilli, base + rng.Int64N(1e9)
		case 2:
			return base + rng.Int64N(1e9), maxMilli
		}
		s := base + rng.Int64N(1e10) - 5e9
		return s, s + 1 + rng.Int64N(int64(spans[rng.IntN(len(spans))]/time.Millisecond))
	}
	for range 200_000 {
		ss, se := window()
		qs, qe := window()
		if !(ss < qe && se > qs) {
			continue
		}
		found := false
		qb := QueryBuckets(qs, qe)
		b := StoreBucket(ss, se)
		for _, r := range qb {
			found = found || (r.Lo <= b && b <= r.Hi)
		}
		if !found {
			t.Fatalf("stored [%d, %d) overlaps search [%d, %d) but its bucket %d is not searched: %v",
				ss, se, qs, qe, b, qb)
		}
	}
}

func TestStoreBucket(t *testing.T) {
	at := func(h int) int64 { return FloorMilli(time.Date(2026, 11, 24, h, 0, 0, 0, time.UTC)) }
	cases := []struct {
		name       string
		start, end int64
		level      int
	}{
		{"an hour on the hour", at(10), at(11), 0},
		{"an hour across the hour", at(10) + 1, at(11) + 1, 0},
		{"four hours: a day", at(10), at(14), 1},
		{"a week: 32 days", at(0), at(7 * 24), 2},
		{"open ended: all time", FloorMilli(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), maxMilli, AllTime},
		{"all time", minMilli, maxMilli, AllTime},
		{"empty window", at(10), at(10), 0},
		{"before year 1 clamps", minMilli - 1e12, minMilli + 1, AllTime},
	}
	for _, c := range cases {
		if got := BucketLevel(StoreBucket(c.start, c.end)); got != c.level {
			t.Errorf("%s: level %d, want %d", c.name, got, c.level)
		}
	}
	if got := deconflict.EndOfTime.Sub(deconflict.StartOfTime).Hours(); int64(got) >= 1<<40 {
		t.Fatalf("hour buckets up to year 9999 (%v) do not fit in 40 bits", got)
	}
}
