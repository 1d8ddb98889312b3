package sqlite

import (
	"slices"
	"sync"

	"github.com/deconflict/deconflict"
)

// partyCache keeps committed parties with their groups in memory: every
// submission, check and stream reads its caller's groups, and only the
// admin ever changes them. A batch that writes a party or a group empties
// the cache once it has committed (or failed), before any of its callers is
// answered; a read that raced with that commit does not put what it read
// back (see put).
type partyCache struct {
	mu  sync.Mutex
	gen uint64 // counts the times the cache was emptied
	m   map[string]deconflict.Party
}

// get returns a copy of the cached party id, and the generation to hand to
// put when it is missing.
func (c *partyCache) get(id string) (deconflict.Party, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[id]
	if !ok {
		return deconflict.Party{}, c.gen, false
	}
	return cloneParty(p), c.gen, true
}

// put caches p, read from the database after get returned gen, unless the
// cache was emptied since: p may then be older than the commit that emptied it.
func (c *partyCache) put(gen uint64, p deconflict.Party) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil {
		c.m = map[string]deconflict.Party{}
	}
	c.m[p.ID] = cloneParty(p)
}

// clear empties the cache.
func (c *partyCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}

func cloneParty(p deconflict.Party) deconflict.Party {
	p.Roles, p.Groups = slices.Clone(p.Roles), slices.Clone(p.Groups)
	return p
}
