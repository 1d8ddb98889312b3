package sqlite

import (
	"context"
	"slices"
	"strings"

	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/cellindex"
)

// putIndex replaces the index entries of an object with index (none when
// index is empty). nvol is the object's number of volumes, to check that
// every entry names one of them.
func (t *tx) putIndex(ctx context.Context, kind deconflict.ObjectKind, party, id string, version int64, nvol int, index []deconflict.IndexedVolume) error {
	var f deconflict.FieldErrors
	for i, iv := range index {
		if iv.Volume < 0 || iv.Volume >= nvol {
			f.Add(deconflict.Path("index", i, "volume"), "names volume %d of an object with %d", iv.Volume, nvol)
		}
		for j, c := range iv.Cells {
			if !s2.CellID(c).IsValid() {
				f.Add(deconflict.Path("index", i, "cells", j), "%#x is not a valid S2 cell id", c)
				break
			}
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	// index_cell rows go with their index_volume (ON DELETE CASCADE).
	if _, err := t.q.exec(ctx, `DELETE FROM index_volume WHERE kind = ? AND party = ? AND id = ?`,
		string(kind), party, id); err != nil {
		return wrap(err, "index %s %s/%s", kind, party, id)
	}
	for _, iv := range index {
		start, end := cellindex.FloorMilli(iv.Start), cellindex.CeilMilli(iv.End)
		res, err := t.q.exec(ctx, `INSERT INTO index_volume
			(kind, party, id, version, volume, start, "end", alt_lower_m, alt_upper_m)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			string(kind), party, id, version, iv.Volume, start, end, iv.AltLowerM, iv.AltUpperM)
		if err != nil {
			return wrap(err, "index %s %s/%s", kind, party, id)
		}
		row, err := res.LastInsertId()
		if err != nil {
			return wrap(err, "index %s %s/%s", kind, party, id)
		}
		if err := t.insertCells(ctx, row, start, end, iv); err != nil {
			return wrap(err, "index %s %s/%s", kind, party, id)
		}
	}
	return nil
}

// cellChunk is how many rows one INSERT carries: one statement per row
// costs a round trip through the driver each.
const cellChunk = 32

const cellColumns = 7 // of index_cell

// insertCells files the cells of index volume row under the buckets of its
// window [start, end).
func (t *tx) insertCells(ctx context.Context, row, start, end int64, iv deconflict.IndexedVolume) error {
	buckets := cellindex.StoreBuckets(start, end)
	levels := int64(cellindex.Levels(iv.Cells))
	for _, b := range buckets {
		if _, err := t.q.exec(ctx, `INSERT INTO index_bucket (bucket, levels) VALUES (?, ?)
			ON CONFLICT (bucket) DO UPDATE SET levels = levels | excluded.levels
			WHERE levels | excluded.levels <> levels`, b, levels); err != nil {
			return err
		}
	}
	args := make([]any, 0, cellColumns*cellChunk)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := t.q.exec(ctx, insertCellsSQLs[len(args)/cellColumns], args...)
		args = args[:0]
		return err
	}
	for _, b := range buckets {
		for _, c := range iv.Cells {
			args = append(args, b, cellKey(c), row, start, end, iv.AltLowerM, iv.AltUpperM)
			if len(args) == cap(args) {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

var insertCellsSQLs = func() (s [cellChunk + 1]string) {
	for n := 1; n <= cellChunk; n++ {
		s[n] = `INSERT OR IGNORE INTO index_cell
			(bucket, cell, index_volume, start, "end", alt_lower_m, alt_upper_m) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", n), ", ")
	}
	return s
}()

// bucketLevels is a time bucket that holds cells, and the levels of the
// cells it has ever held (bit l for level l).
type bucketLevels struct {
	bucket int64
	levels uint32
}

// queryCells checks the cells of a query and returns them sorted.
func queryCells(cells []uint64) ([]s2.CellID, error) {
	var f deconflict.FieldErrors
	out := make([]s2.CellID, 0, len(cells))
	for i, c := range cells {
		id := s2.CellID(c)
		if !id.IsValid() {
			f.Add(deconflict.Path("cells", i), "%#x is not a valid S2 cell id", c)
			continue
		}
		out = append(out, id)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// maxRanges bounds the ranges of one statement (three variables each;
// SQLite allows 32,766). Larger queries run in several statements.
const maxRanges = 4096

// Candidates returns the stored volumes whose cells are ancestors,
// descendants or equal to q's cells and whose envelope overlaps q's in time
// (strictly) and altitude (touching counts), of parties other than
// q.ExcludeParty, each once, in (kind, party, id, volume) order.
//
// It reads which time buckets the window touches hold cells, and of which
// levels (bucket.go), then seeks each of the cell ranges of each such bucket
// once, in one statement.
func (r *reader) Candidates(ctx context.Context, q deconflict.CandidateQuery) ([]deconflict.Candidate, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	cells, err := queryCells(q.Cells)
	if err != nil {
		return nil, err
	}
	out := []deconflict.Candidate{}
	if len(cells) == 0 {
		return out, nil
	}
	start, end := cellindex.FloorMilli(q.Start), cellindex.CeilMilli(q.End)
	buckets, err := r.bucketLevels(ctx, start, end)
	if err != nil {
		return nil, err
	}
	var ranges []bucketRange
	var rs []cellindex.Range[uint64]
	for _, b := range buckets {
		rs = cellindex.AppendRanges(rs[:0], cells, b.levels)
		for _, rg := range rs {
			ranges = append(ranges, bucketRange{b.bucket, rg})
		}
	}
	for len(ranges) > 0 {
		n := min(len(ranges), maxRanges)
		got, err := r.candidates(ctx, ranges[:n], start, end, q)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		ranges = ranges[n:]
	}
	if len(out) > 0 {
		// Results of several statements may repeat and interleave.
		slices.SortFunc(out, compareCandidates)
		out = slices.Compact(out)
	}
	return out, nil
}

// bucketRange is a range of cell keys in one time bucket.
type bucketRange struct {
	bucket int64
	cellindex.Range[uint64]
}

// bucketLevels returns the buckets that hold cells among those a search
// window [start, end) touches, with the levels of their cells.
func (r *reader) bucketLevels(ctx context.Context, start, end int64) ([]bucketLevels, error) {
	qb := cellindex.QueryBuckets(start, end)
	args := make([]any, 0, 2*len(qb))
	for _, b := range qb {
		args = append(args, b.Lo, b.Hi)
	}
	rows, err := r.q.query(ctx, bucketLevelsSQL, args...)
	if err != nil {
		return nil, wrap(err, "find candidates")
	}
	defer rows.Close()
	var out []bucketLevels
	for rows.Next() {
		var b bucketLevels
		if err := rows.Scan(&b.bucket, &b.levels); err != nil {
			return nil, wrap(err, "find candidates")
		}
		out = append(out, b)
	}
	return out, wrap(rows.Err(), "find candidates")
}

var bucketLevelsSQL = `WITH t (lo, hi) AS (VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", cellindex.AllTime+1), ", ") + `)
	SELECT b.bucket, b.levels FROM t CROSS JOIN index_bucket b WHERE b.bucket BETWEEN t.lo AND t.hi`

func (r *reader) candidates(ctx context.Context, ranges []bucketRange, start, end int64, q deconflict.CandidateQuery) ([]deconflict.Candidate, error) {
	size := 16
	for size < len(ranges) {
		size *= 2
	}
	args := make([]any, 0, 3*size+5)
	for _, rg := range ranges {
		args = append(args, rg.bucket, cellKey(rg.Lo), cellKey(rg.Hi))
	}
	for range size - len(ranges) {
		// A NULL bucket matches nothing, and SQLite skips the seek.
		args = append(args, nil, nil, nil)
	}
	args = append(args, end, start, q.AltUpperM, q.AltLowerM, q.ExcludeParty)
	rows, err := r.q.query(ctx, candidatesSQL(size), args...)
	if err != nil {
		return nil, wrap(err, "find candidates")
	}
	defer rows.Close()
	var out []deconflict.Candidate
	for rows.Next() {
		var c deconflict.Candidate
		var kind string
		if err := rows.Scan(&kind, &c.Party, &c.ID, &c.Version, &c.Volume); err != nil {
			return nil, wrap(err, "find candidates")
		}
		c.Kind = deconflict.ObjectKind(kind)
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "find candidates")
}

func candidatesSQL(size int) string {
	// CROSS JOIN fixes the loop order: for each (bucket, cell range), one
	// seek on index_cell's primary key, testing the envelope on each row
	// found. A volume often has several cells in reach, and in two buckets:
	// its rowid is kept once, and only then is the volume read.
	return `WITH r (bucket, lo, hi) AS (VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", size), ", ") + `)
		SELECT v.kind, v.party, v.id, v.version, v.volume
		FROM index_volume v
		WHERE v.rowid IN (
			SELECT c.index_volume
			FROM r CROSS JOIN index_cell c
			WHERE c.bucket = r.bucket AND c.cell BETWEEN r.lo AND r.hi
				AND c.start < ? AND c."end" > ? AND c.alt_lower_m <= ? AND c.alt_upper_m >= ?)
			AND v.party <> ?
		ORDER BY v.kind, v.party, v.id, v.volume`
}

func compareCandidates(a, b deconflict.Candidate) int {
	if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
		return c
	}
	if c := strings.Compare(a.Party, b.Party); c != 0 {
		return c
	}
	if c := strings.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	return a.Volume - b.Volume
}
