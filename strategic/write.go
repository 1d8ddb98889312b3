package strategic

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/deconflict/deconflict"
)

// otherKey names the other side of a conflict, version left out, so that a
// stored conflict is matched with the same pair after either side changes.
type otherKey struct {
	kind      deconflict.ObjectKind
	party, id string
}

// openConflicts returns the open conflicts of an object by the other side.
func openConflicts(ctx context.Context, r deconflict.Reader, o deconflict.ObjectRef) (map[otherKey]deconflict.ConflictRecord, error) {
	recs, err := r.Conflicts(ctx, deconflict.ConflictFilter{Object: &o, State: deconflict.ConflictOpen})
	if err != nil {
		return nil, err
	}
	out := make(map[otherKey]deconflict.ConflictRecord, len(recs))
	for _, c := range recs {
		other := c.B
		if c.B.Kind == o.Kind && c.B.Party == o.Party && c.B.ID == o.ID {
			other = c.A
		}
		out[otherKey{other.Kind, other.Party, other.ID}] = c
	}
	return out, nil
}

// continueStored gives each finding the ID and opening time of the stored
// open conflict of the same pair, if any: a conflict keeps its ID for life.
func continueStored(fs []finding, stored map[otherKey]deconflict.ConflictRecord) {
	for i := range fs {
		o := fs[i].other.ref
		if c, ok := stored[otherKey{o.Kind, o.Party, o.ID}]; ok {
			fs[i].rec.ID, fs[i].rec.OpenedAt = c.ID, c.OpenedAt
		}
	}
}

// writeConflicts stores the findings of a change (updating continued ones,
// opening new ones) and closes the stored open conflicts that did not
// continue, for reason. It fills in ch.
func writeConflicts(ctx context.Context, tx deconflict.Tx, fs []finding, stored map[otherKey]deconflict.ConflictRecord, reason string, now time.Time, ch *Change) error {
	kept := make(map[string]bool, len(fs))
	all := make([]deconflict.ConflictRecord, 0, len(fs)+len(stored))
	for i := range fs {
		c := &fs[i].rec
		c.UpdatedAt = now
		if c.ID == "" {
			c.ID, c.OpenedAt = newConflictID(), now
			ch.Opened = append(ch.Opened, *c)
		} else {
			kept[c.ID] = true
			ch.Updated = append(ch.Updated, *c)
		}
		all = append(all, *c)
	}
	for _, c := range sortedRecords(stored) {
		if kept[c.ID] {
			continue
		}
		c.State, c.ClosedReason, c.UpdatedAt = deconflict.ConflictClosed, reason, now
		all = append(all, c)
		ch.Closed = append(ch.Closed, c)
	}
	return tx.PutConflicts(ctx, all)
}

func sortedRecords(m map[otherKey]deconflict.ConflictRecord) []deconflict.ConflictRecord {
	out := make([]deconflict.ConflictRecord, 0, len(m))
	for _, c := range m {
		out = append(out, c)
	}
	sortRecords(out)
	return out
}

// newConflictID returns a conflict id that never repeats: the time in
// microseconds, then 64 random bits. Ids of conflicts opened later sort
// later, so each new conflict's row goes at the end of the table's key
// instead of into a random page of it (one page written per batch, not one
// per conflict).
func newConflictID() string {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, uint64(time.Now().UnixMicro()))
	rand.Read(b[8:])
	return "c_" + hex.EncodeToString(b)
}
