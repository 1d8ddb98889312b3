package sqlite

import (
	"context"
	"strings"

	"github.com/deconflict/deconflict"
)

// visible returns an SQL condition (and its arguments) true for the rows of
// alias o (an operation or zone table) that audience a may see: its own, and
// those whose shares (in shareTable) name its id, "all", or "group:NAME" of a
// group it is in (those in a.Groups and those it is a member of in the store).
func visible(shareTable string, a *deconflict.Audience) (string, []any) {
	groups := make([]string, len(a.Groups))
	for i, g := range a.Groups {
		groups[i] = deconflict.GroupPrefix + g
	}
	js, _ := encode(groups) // a []string always encodes
	cond := `(o.party = ? OR EXISTS (SELECT 1 FROM ` + shareTable + ` s
		WHERE s.party = o.party AND s.id = o.id AND (
			s.target IN (?, 'all')
			OR s.target IN (SELECT value FROM json_each(?))
			OR s.target IN (SELECT 'group:' || name FROM group_member WHERE party = ?))))`
	return cond, []any{a.Party, a.Party, js, a.Party}
}

// putShares replaces the sharing targets of an operation or zone.
func (t *tx) putShares(ctx context.Context, shareTable, party, id string, targets []string) error {
	if _, err := t.q.exec(ctx, `DELETE FROM `+shareTable+` WHERE party = ? AND id = ?`, party, id); err != nil {
		return err
	}
	for _, target := range targets {
		if _, err := t.q.exec(ctx, `INSERT OR IGNORE INTO `+shareTable+` (party, id, target) VALUES (?, ?, ?)`,
			party, id, target); err != nil {
			return err
		}
	}
	return nil
}

// where joins conditions with AND into a WHERE clause ("" for none).
func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// limit turns a filter's Limit into an SQL LIMIT argument (-1: none).
func limit(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}
