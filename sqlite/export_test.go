package sqlite

import (
	"context"

	"github.com/deconflict/deconflict"
)

// Seeks returns how many B-tree seeks of index_cell Candidates makes for q
// on s: one per cell range in each time bucket that holds cells.
func Seeks(ctx context.Context, s *Store, q deconflict.CandidateQuery) (int, error) {
	cells, err := queryCells(q.Cells)
	if err != nil {
		return 0, err
	}
	buckets, err := s.bucketLevels(ctx, floorMilli(q.Start), ceilMilli(q.End))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range buckets {
		n += len(appendRanges(nil, cells, b.levels))
	}
	return n, nil
}
