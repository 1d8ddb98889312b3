package sqlite

import (
	"context"

	"github.com/deconflict/deconflict"
)

// Group returns a group and its members in id order.
func (r *reader) Group(ctx context.Context, name string) (deconflict.Group, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return deconflict.Group{}, err
	}
	found, err := r.q.exists(ctx, `SELECT 1 FROM party_group WHERE name = ?`, name)
	if err != nil {
		return deconflict.Group{}, wrap(err, "read group %q", name)
	}
	if !found {
		return deconflict.Group{}, notFound("group %q not found", name)
	}
	members, err := r.strings(ctx, `SELECT party FROM group_member WHERE name = ? ORDER BY party`, name)
	if err != nil {
		return deconflict.Group{}, wrap(err, "read members of group %q", name)
	}
	return deconflict.Group{Name: name, Members: members}, nil
}

// PutGroup sets the members of a group, creating it if need be. Every member
// must be an existing party: the first that is not is EINVALID at its path.
func (t *tx) PutGroup(ctx context.Context, g deconflict.Group) error {
	ctx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	var f deconflict.FieldErrors
	for i, m := range g.Members {
		found, err := t.q.exists(ctx, `SELECT 1 FROM party WHERE id = ?`, m)
		if err != nil {
			return wrap(err, "put group %q", g.Name)
		}
		if !found {
			f.Add(deconflict.Path("members", i), "party %q does not exist", m)
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	t.store.partiesWritten = true
	if _, err := t.q.exec(ctx, `INSERT OR IGNORE INTO party_group (name) VALUES (?)`, g.Name); err != nil {
		return wrap(err, "put group %q", g.Name)
	}
	if _, err := t.q.exec(ctx, `DELETE FROM group_member WHERE name = ?`, g.Name); err != nil {
		return wrap(err, "put group %q", g.Name)
	}
	for _, m := range g.Members {
		if _, err := t.q.exec(ctx, `INSERT OR IGNORE INTO group_member (name, party) VALUES (?, ?)`, g.Name, m); err != nil {
			return wrap(err, "put group %q", g.Name)
		}
	}
	return nil
}
