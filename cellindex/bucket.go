package cellindex

import (
	"cmp"
	"math/bits"
	"slices"
	"time"

	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// Time buckets. A stored volume is filed under one bucket: at the finest
// level whose bucket is at least as long as its window, the bucket its
// window starts in (a one-hour operation under an hour, a week-long one
// under a 32-day bucket, an open-ended zone under the one bucket of the last
// level). Its window then ends at most one bucket length after that
// bucket's start, so a search looks, at every level, in the buckets its own
// window touches and the one before. A one-hour search of a busy day reads
// the volumes that start within an hour of it, not those of the day.
var bucketSizes = [...]int64{ // milliseconds, finest first
	int64(time.Hour / time.Millisecond),
	int64(24 * time.Hour / time.Millisecond),
	int64(32 * 24 * time.Hour / time.Millisecond),
	int64(1024 * 24 * time.Hour / time.Millisecond),
}

// AllTime is the bucket level after the sized ones: one bucket for every time.
const AllTime = len(bucketSizes)

var (
	minMilli = FloorMilli(deconflict.StartOfTime)
	maxMilli = CeilMilli(deconflict.EndOfTime)
)

// FloorMilli and CeilMilli turn times into unix milliseconds, rounding
// outward so that a filter on them never misses an object. Every time from
// year 1 to 9999 fits.
func FloorMilli(t time.Time) int64 { return t.UnixMilli() }

// CeilMilli is FloorMilli rounding up.
func CeilMilli(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		ms++
	}
	return ms
}

// bucketID names bucket idx of level; ids of a level are contiguous and
// levels do not overlap (idx < 2^40 for any time up to year 9999 in hours).
func bucketID(level int, idx int64) int64 { return int64(level)<<40 | idx }

// BucketLevel returns the level of a bucket id.
func BucketLevel(b int64) int { return int(b >> 40) }

// bucketIndex returns the buckets of size that hold the milliseconds s and
// last (last included).
func bucketIndex(s, last, size int64) (int64, int64) {
	s, last = min(max(s, minMilli), maxMilli), min(max(last, minMilli), maxMilli)
	return (s - minMilli) / size, (last - minMilli) / size
}

// StoreBucket returns the bucket a stored window [start, end) is filed
// under (unix milliseconds).
func StoreBucket(start, end int64) int64 {
	for level, size := range bucketSizes {
		if end-start <= size {
			a, _ := bucketIndex(start, start, size)
			return bucketID(level, a)
		}
	}
	return bucketID(AllTime, 0)
}

// Range is a closed range of keys: bucket ids, or cell ids.
type Range[T cmp.Ordered] struct{ Lo, Hi T }

// QueryBuckets returns, for every level, the range of buckets that may
// hold a volume whose window overlaps a search window [start, end): those
// the search window touches, and the one before (a volume that started
// there may last into the search window).
func QueryBuckets(start, end int64) [AllTime + 1]Range[int64] {
	var rs [AllTime + 1]Range[int64]
	last := max(end-1, start)
	for level, size := range bucketSizes {
		a, b := bucketIndex(start-size, last, size)
		rs[level] = Range[int64]{bucketID(level, a), bucketID(level, b)}
	}
	id := bucketID(AllTime, 0)
	rs[AllTime] = Range[int64]{id, id}
	return rs
}

// AppendRanges appends to rs the cell ranges to look up in a bucket whose
// cells have the given levels (bit l for level l): each query cell's
// descendants and itself (one range, [RangeMin, RangeMax], unless the bucket
// has nothing that fine), and its ancestors (a range of one cell each) at the
// levels the bucket holds. A stored cell is an ancestor, a descendant or
// equal to a query cell exactly when it falls in one of these ranges. Ranges
// come out sorted and merged, so that an ancestor that several query cells
// share, or one that lies between two adjacent query cells, costs no seek
// of its own. cells must be sorted.
func AppendRanges(rs []Range[uint64], cells []s2.CellID, levels uint32) []Range[uint64] {
	first := len(rs)
	for _, id := range cells {
		l := id.Level()
		if levels>>l != 0 { // something at level l or finer
			rs = append(rs, Range[uint64]{uint64(id.RangeMin()), uint64(id.RangeMax())})
		}
		for a := levels & (1<<l - 1); a != 0; a &= a - 1 {
			k := uint64(id.Parent(bits.TrailingZeros32(a)))
			rs = append(rs, Range[uint64]{k, k})
		}
	}
	out := rs[first:]
	slices.SortFunc(out, func(a, b Range[uint64]) int { return cmp.Compare(a.Lo, b.Lo) })
	n := 0
	for _, r := range out {
		// Keys are integers: adjacent ranges merge too.
		if n > 0 && r.Lo <= out[n-1].Hi+1 {
			out[n-1].Hi = max(out[n-1].Hi, r.Hi)
			continue
		}
		out[n] = r
		n++
	}
	return rs[:first+n]
}

// Levels returns the bitmask of the levels of cells (bit l for level l).
func Levels(cells []uint64) uint32 {
	var levels uint32
	for _, c := range cells {
		levels |= 1 << s2.CellID(c).Level()
	}
	return levels
}
