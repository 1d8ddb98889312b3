package sqlite

import (
	"context"
	"slices"
	"strings"

	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
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
		start, end := floorMilli(iv.Start), ceilMilli(iv.End)
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
	buckets := storeBuckets(start, end)
	for _, b := range buckets {
		if _, err := t.q.exec(ctx, `INSERT OR IGNORE INTO index_bucket (bucket) VALUES (?)`, b); err != nil {
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

// cellRange is a closed range of stored cell keys.
type cellRange struct{ lo, hi int64 }

// queryRanges turns query cells into the key ranges to look up: each cell's
// descendants and itself (one range, [RangeMin, RangeMax]) and each of its
// ancestors (a range of one key). Ranges are sorted and merged, so a cell or
// ancestor that several query cells share is looked up once.
func queryRanges(cells []uint64) ([]cellRange, error) {
	var f deconflict.FieldErrors
	rs := make([]cellRange, 0, 4*len(cells))
	seen := make(map[s2.CellID]bool)
	for i, c := range cells {
		id := s2.CellID(c)
		if !id.IsValid() {
			f.Add(deconflict.Path("cells", i), "%#x is not a valid S2 cell id", c)
			continue
		}
		rs = append(rs, cellRange{cellKey(uint64(id.RangeMin())), cellKey(uint64(id.RangeMax()))})
		for l := id.Level() - 1; l >= 0; l-- {
			p := id.Parent(l)
			if seen[p] {
				break // and so are all its ancestors
			}
			seen[p] = true
			k := cellKey(uint64(p))
			rs = append(rs, cellRange{k, k})
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(rs, func(a, b cellRange) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// maxRanges bounds the ranges of one statement (two variables each; SQLite
// allows 32,766). Larger queries run in several statements.
const maxRanges = 4096

// Candidates returns the stored volumes whose cells are ancestors,
// descendants or equal to q's cells and whose envelope overlaps q's in time
// (strictly) and altitude (touching counts), of parties other than
// q.ExcludeParty, each once, in (kind, party, id, volume) order.
//
// The cell ranges go into the statement as a VALUES list padded to a power
// of two, so that a handful of prepared statements serve every query; SQLite
// seeks each range in each time bucket that the window touches (bucket.go).
func (r *reader) Candidates(ctx context.Context, q deconflict.CandidateQuery) ([]deconflict.Candidate, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	ranges, err := queryRanges(q.Cells)
	if err != nil {
		return nil, err
	}
	var out []deconflict.Candidate
	for len(ranges) > 0 {
		n := min(len(ranges), maxRanges)
		got, err := r.candidates(ctx, ranges[:n], q)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
		ranges = ranges[n:]
	}
	if len(q.Cells) > 0 && len(out) > 0 {
		// Results of several statements may repeat and interleave.
		slices.SortFunc(out, compareCandidates)
		out = slices.Compact(out)
	}
	if out == nil {
		out = []deconflict.Candidate{}
	}
	return out, nil
}

func (r *reader) candidates(ctx context.Context, ranges []cellRange, q deconflict.CandidateQuery) ([]deconflict.Candidate, error) {
	size := 8
	for size < len(ranges) {
		size *= 2
	}
	start, end := floorMilli(q.Start), ceilMilli(q.End)
	args := make([]any, 0, 2*(allTime+1)+2*size+5)
	for _, b := range queryBuckets(start, end) {
		args = append(args, b.lo, b.hi)
	}
	for _, rg := range ranges {
		args = append(args, rg.lo, rg.hi)
	}
	for range size - len(ranges) {
		args = append(args, 1, 0) // an empty range
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
	// CROSS JOIN fixes the loop order: for each bucket range, the buckets
	// that hold cells; for each of those and each cell range, one seek on
	// index_cell's primary key, testing the envelope on each row found; then
	// the volume by rowid, only for the rows that pass.
	return `WITH t (lo, hi) AS (VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", allTime+1), ", ") + `),
		r (lo, hi) AS (VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", size), ", ") + `)
		SELECT DISTINCT v.kind, v.party, v.id, v.version, v.volume
		FROM t CROSS JOIN index_bucket b CROSS JOIN r CROSS JOIN index_cell c CROSS JOIN index_volume v
		WHERE b.bucket BETWEEN t.lo AND t.hi
			AND c.bucket = b.bucket AND c.cell BETWEEN r.lo AND r.hi
			AND c.start < ? AND c."end" > ? AND c.alt_lower_m <= ? AND c.alt_upper_m >= ?
			AND v.rowid = c.index_volume AND v.party <> ?
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
