package sqlite

import (
	"context"
	"slices"
	"sync"

	"github.com/deconflict/deconflict"
)

// sides lists, for every object, the rowids of the conflicts open with it
// on either side: the lookup every write of an operation or zone makes
// (ConflictFilter{Object, State: open}). It replaces the indexes of
// conflicts by side that schema 5 had (see migration 0006): an entry in
// memory costs no page of the WAL.
//
// The list is a superset, never short of an open conflict: a conflict is
// listed as it is put open, before its batch commits, and unlisted only
// once its close has committed. What the list may hold beyond that (a
// conflict of a closure that rolled back, of a batch that did not commit, a
// rowid since given to another conflict) is harmless: every lookup reads
// the rows and keeps those open with the object on a side, as the
// transaction or statement reading them sees them. (A Snapshot begun before
// a close committed would not find that conflict among the object's open
// ones once it is unlisted: no Snapshot reads the conflicts of an object.)
//
// Rowids, not ids: eight bytes an entry instead of a string. SQLite keeps a
// row's rowid for life except through VACUUM (the table has no INTEGER
// PRIMARY KEY), which the store never runs; run it only with the server
// stopped, as the list is rebuilt when the store opens.
type sides struct {
	mu   sync.RWMutex
	rows map[sideKey][]int64
	// names interns the kinds and parties of keys: a few strings, shared by
	// every key, instead of a copy in each.
	names map[string]string
}

// sideKey names an object on a side of conflicts; the version is left out,
// as ConflictFilter.Object ignores it.
type sideKey struct{ kind, party, id string }

func keyOfSide(o deconflict.ObjectRef) sideKey {
	return sideKey{string(o.Kind), o.Party, o.ID}
}

// sideChange is what a put did to one conflict, for the writer to unlist
// it once its close has committed.
type sideChange struct {
	rowid int64
	a, b  sideKey
	open  bool
}

func newSides() *sides {
	return &sides{rows: map[sideKey][]int64{}, names: map[string]string{}}
}

// load lists every open conflict of the database (when the store opens).
func (s *sides) load(ctx context.Context, q *querier) error {
	rows, err := q.query(ctx, `SELECT rowid, a_kind, a_party, a_id, b_kind, b_party, b_id FROM conflict WHERE state = 'open'`)
	if err != nil {
		return wrap(err, "list open conflicts")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			rowid int64
			a, b  sideKey
		)
		if err := rows.Scan(&rowid, &a.kind, &a.party, &a.id, &b.kind, &b.party, &b.id); err != nil {
			return wrap(err, "list open conflicts")
		}
		s.add(rowid, a, b)
	}
	return wrap(rows.Err(), "list open conflicts")
}

// of returns the rowids listed for the object k (a copy).
func (s *sides) of(k sideKey) []int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.rows[k])
}

// add lists the conflict rowid under both its sides.
func (s *sides) add(rowid int64, a, b sideKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range [2]sideKey{a, b} {
		k.kind, k.party = s.intern(k.kind), s.intern(k.party)
		if !slices.Contains(s.rows[k], rowid) {
			s.rows[k] = append(s.rows[k], rowid)
		}
	}
}

// remove unlists the conflict rowid from both its sides.
func (s *sides) remove(rowid int64, a, b sideKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range [2]sideKey{a, b} {
		ids := s.rows[k]
		i := slices.Index(ids, rowid)
		if i < 0 {
			continue
		}
		ids = slices.Delete(ids, i, i+1)
		if len(ids) == 0 {
			delete(s.rows, k)
		} else {
			s.rows[k] = ids
		}
	}
}

func (s *sides) intern(name string) string {
	if have, ok := s.names[name]; ok {
		return have
	}
	s.names[name] = name
	return name
}

// closing gathers, over a batch, the conflicts whose latest put closed them
// (the writer's own): they are unlisted when the batch commits.
type closing map[int64]sideChange

// note replays one closure's puts, in order, onto the batch's.
func (c closing) note(changes []sideChange) {
	for _, ch := range changes {
		if ch.open {
			delete(c, ch.rowid)
		} else {
			c[ch.rowid] = ch
		}
	}
}

// unlist removes the batch's closed conflicts from s, once it has committed.
func (c closing) unlist(s *sides) {
	for _, ch := range c {
		s.remove(ch.rowid, ch.a, ch.b)
	}
	clear(c)
}
