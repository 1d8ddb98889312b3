package sqlite

import (
	"time"

	"github.com/deconflict/deconflict"
)

// Time buckets of the candidate index. A stored volume's cells are filed
// under every bucket its window touches, at the finest level where that is at
// most maxBuckets buckets: a one-hour operation under one or two hours, a
// week-long one under one or two 32-day buckets, an open-ended zone under the
// one bucket of the last level. A search looks, at every level, in the
// buckets its own window touches. So the one-hour search of a busy day reads
// the cells of that hour (and of the few long-lived volumes), not of the day.
var bucketSizes = [...]int64{ // milliseconds, finest first
	int64(time.Hour / time.Millisecond),
	int64(24 * time.Hour / time.Millisecond),
	int64(32 * 24 * time.Hour / time.Millisecond),
	int64(1024 * 24 * time.Hour / time.Millisecond),
}

// allTime is the level after bucketSizes: one bucket for every time.
const allTime = len(bucketSizes)

const maxBuckets = 4

var (
	minMilli = floorMilli(deconflict.StartOfTime)
	maxMilli = ceilMilli(deconflict.EndOfTime)
)

// bucketID names bucket idx of level; ids of a level are contiguous and
// levels do not overlap (idx < 2^40 for any time up to year 9999 in hours).
func bucketID(level int, idx int64) int64 { return int64(level)<<40 | idx }

// bucketIndex returns the buckets of size that hold the milliseconds s and
// last (last included).
func bucketIndex(s, last, size int64) (int64, int64) {
	s, last = min(max(s, minMilli), maxMilli), min(max(last, minMilli), maxMilli)
	return (s - minMilli) / size, (last - minMilli) / size
}

// storeBuckets returns the buckets a stored window [start, end) is filed
// under (unix milliseconds).
func storeBuckets(start, end int64) []int64 {
	last := max(end-1, start)
	for level, size := range bucketSizes {
		a, b := bucketIndex(start, last, size)
		if b-a < maxBuckets {
			ids := make([]int64, 0, b-a+1)
			for i := a; i <= b; i++ {
				ids = append(ids, bucketID(level, i))
			}
			return ids
		}
	}
	return []int64{bucketID(allTime, 0)}
}

// queryBuckets returns, for every level, the range of buckets that a search
// window [start, end) touches.
func queryBuckets(start, end int64) [allTime + 1]cellRange {
	var rs [allTime + 1]cellRange
	last := max(end-1, start)
	for level, size := range bucketSizes {
		a, b := bucketIndex(start, last, size)
		rs[level] = cellRange{bucketID(level, a), bucketID(level, b)}
	}
	id := bucketID(allTime, 0)
	rs[allTime] = cellRange{id, id}
	return rs
}
