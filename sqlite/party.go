package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/deconflict/deconflict"
)

// Party returns a party with its groups, read from group membership: from
// memory unless the batch it is read in has changed parties or groups.
func (r *reader) Party(ctx context.Context, id string) (deconflict.Party, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return deconflict.Party{}, err
	}
	if r.tx != nil && r.store.partiesWritten {
		return r.readParty(ctx, id)
	}
	p, gen, ok := r.store.parties.get(id)
	if ok {
		return p, nil
	}
	if p, err = r.readParty(ctx, id); err != nil {
		return p, err
	}
	r.store.parties.put(gen, p)
	return p, nil
}

// readParty reads party id from the database.
func (r *reader) readParty(ctx context.Context, id string) (deconflict.Party, error) {
	var js string
	err := r.q.scanOne(ctx, `SELECT json FROM party WHERE id = ?`, []any{id}, &js)
	if errors.Is(err, sql.ErrNoRows) {
		return deconflict.Party{}, notFound("party %q not found", id)
	}
	if err != nil {
		return deconflict.Party{}, wrap(err, "read party %q", id)
	}
	var p deconflict.Party
	if err := decode(js, &p); err != nil {
		return deconflict.Party{}, err
	}
	if p.Roles == nil {
		p.Roles = []string{}
	}
	p.Groups, err = r.strings(ctx, `SELECT name FROM group_member WHERE party = ? ORDER BY name`, id)
	if err != nil {
		return deconflict.Party{}, wrap(err, "read groups of party %q", id)
	}
	return p, nil
}

// CreateParty stores a new party and adds it to its groups, creating those
// that do not exist yet. A party that exists already is ECONFLICT.
func (t *tx) CreateParty(ctx context.Context, p deconflict.Party) error {
	ctx, err := t.begin(ctx)
	if err != nil {
		return err
	}
	found, err := t.q.exists(ctx, `SELECT 1 FROM party WHERE id = ?`, p.ID)
	if err != nil {
		return wrap(err, "create party %q", p.ID)
	}
	if found {
		return deconflict.Errorf(deconflict.ECONFLICT, "party %q exists already", p.ID)
	}
	groups := p.Groups
	p.Groups = nil // membership is the truth about groups
	js, err := encode(p)
	if err != nil {
		return err
	}
	t.store.partiesWritten = true
	if _, err := t.q.exec(ctx, `INSERT INTO party (id, json) VALUES (?, ?)`, p.ID, js); err != nil {
		return wrap(err, "create party %q", p.ID)
	}
	for _, g := range groups {
		if err := t.addMember(ctx, g, p.ID); err != nil {
			return wrap(err, "add party %q to group %q", p.ID, g)
		}
	}
	return nil
}

func (t *tx) addMember(ctx context.Context, group, party string) error {
	if _, err := t.q.exec(ctx, `INSERT OR IGNORE INTO party_group (name) VALUES (?)`, group); err != nil {
		return err
	}
	_, err := t.q.exec(ctx, `INSERT OR IGNORE INTO group_member (name, party) VALUES (?, ?)`, group, party)
	return err
}

// strings runs a query of one text column.
func (r *reader) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := r.q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// PartyIDs lists the ids of every party, in order.
func (r *reader) PartyIDs(ctx context.Context) ([]string, error) {
	ctx, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := r.strings(ctx, `SELECT id FROM party ORDER BY id`)
	return ids, wrap(err, "list parties")
}
