package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/cellindex"
)

// span returns the earliest start and latest end of volumes, open ends
// standing for the start and end of time.
func span(vs []deconflict.Volume) (start, end int64) {
	if len(vs) == 0 {
		return cellindex.FloorMilli(deconflict.StartOfTime), cellindex.CeilMilli(deconflict.EndOfTime)
	}
	for i := range vs {
		s, e := vs[i].Window()
		if ms := cellindex.FloorMilli(s); i == 0 || ms < start {
			start = ms
		}
		if ms := cellindex.CeilMilli(e); i == 0 || ms > end {
			end = ms
		}
	}
	return start, end
}

// cellKey maps an S2 cell id to the int64 stored for it so that signed order
// is the cells' unsigned order (SQLite integers are signed).
func cellKey(id uint64) int64 { return int64(id ^ (1 << 63)) }

func encode(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode %T: %w", v, err)
	}
	return string(b), nil
}

func decode(s string, v any) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("sqlite: decode %T: %w", v, err)
	}
	return nil
}

// timeText is how times outside JSON are kept: RFC 3339 with nanoseconds.
func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// listJSON runs a query whose rows are one JSON column each and decodes
// every row into a T. It returns an empty, not nil, slice when none match.
func listJSON[T any](ctx context.Context, q *querier, what, query string, args ...any) ([]T, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, wrap(err, "%s", what)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var js string
		if err := rows.Scan(&js); err != nil {
			return nil, wrap(err, "%s", what)
		}
		var v T
		if err := decode(js, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, wrap(rows.Err(), "%s", what)
}

// rowChunk is how many rows one multi-row INSERT carries: one statement per
// row costs a trip through the driver each.
const rowChunk = 64

// placeholders returns "(?, ?), (?, ?)" for rows rows of cols columns.
func placeholders(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}
