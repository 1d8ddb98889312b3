package sqlite

import (
	"context"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/cellindex"
)

// Seeks returns how many B-tree seeks of index_cell Candidates makes for q
// on s: one per cell range in each time bucket that holds cells.
func Seeks(ctx context.Context, s *Store, q deconflict.CandidateQuery) (int, error) {
	cells, err := queryCells(q.Cells)
	if err != nil {
		return 0, err
	}
	buckets, err := s.bucketLevels(ctx, cellindex.FloorMilli(q.Start), cellindex.CeilMilli(q.End))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range buckets {
		n += len(cellindex.AppendRanges(nil, cells, b.levels))
	}
	return n, nil
}
