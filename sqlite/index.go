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
		res, err := t.q.exec(ctx, `INSERT INTO index_volume
			(kind, party, id, version, volume, start, "end", alt_lower_m, alt_upper_m)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			string(kind), party, id, version, iv.Volume, floorMilli(iv.Start), ceilMilli(iv.End), iv.AltLowerM, iv.AltUpperM)
		if err != nil {
			return wrap(err, "index %s %s/%s", kind, party, id)
		}
		row, err := res.LastInsertId()
		if err != nil {
			return wrap(err, "index %s %s/%s", kind, party, id)
		}
		if err := t.insertCells(ctx, row, iv.Cells); err != nil {
			return wrap(err, "index %s %s/%s", kind, party, id)
		}
	}
	return nil
}

// cellChunk is how many cells one INSERT carries: one statement per cell
// costs a round trip through the driver each.
const cellChunk = 32

func (t *tx) insertCells(ctx context.Context, row int64, cells []uint64) error {
	args := make([]any, 0, 2*cellChunk)
	for len(cells) > 0 {
		n := min(len(cells), cellChunk)
		args = args[:0]
		for _, c := range cells[:n] {
			args = append(args, cellKey(c), row)
		}
		if _, err := t.q.exec(ctx, insertCellsSQL(n), args...); err != nil {
			return err
		}
		cells = cells[n:]
	}
	return nil
}

var insertCellsSQLs = func() (s [cellChunk + 1]string) {
	for n := 1; n <= cellChunk; n++ {
		s[n] = `INSERT OR IGNORE INTO index_cell (cell, index_volume) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?), ", n), ", ")
	}
	return s
}()

func insertCellsSQL(n int) string { return insertCellsSQLs[n] }

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
// The ranges go into the statement as a VALUES list padded to a power of two,
// so that a handful of prepared statements serve every query; SQLite walks
// the list and does one index seek per range on index_cell's primary key.
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
	args := make([]any, 0, 2*size+5)
	for _, rg := range ranges {
		args = append(args, rg.lo, rg.hi)
	}
	for range size - len(ranges) {
		args = append(args, 1, 0) // an empty range
	}
	args = append(args, ceilMilli(q.End), floorMilli(q.Start), q.AltUpperM, q.AltLowerM, q.ExcludeParty)
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
	// CROSS JOIN fixes the loop order: ranges outside, index seeks inside.
	return `WITH q (lo, hi) AS (VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", size), ", ") + `)
		SELECT DISTINCT v.kind, v.party, v.id, v.version, v.volume
		FROM q CROSS JOIN index_cell c CROSS JOIN index_volume v
		WHERE c.cell BETWEEN q.lo AND q.hi AND v.rowid = c.index_volume
			AND v.start < ? AND v."end" > ? AND v.alt_lower_m <= ? AND v.alt_upper_m >= ? AND v.party <> ?
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
