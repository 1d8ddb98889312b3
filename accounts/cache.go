package accounts

import (
	"sync"
	"time"

	"github.com/deconflict/deconflict"
)

// callerTTL is how long an authenticated token is trusted without asking
// the store again. Every request authenticates, and asking the store costs
// more than some requests do; a revocation on this server clears the cache
// at once, so the TTL only bounds how long another replica may still
// accept a token revoked elsewhere.
const callerTTL = 5 * time.Second

// maxCachedCallers bounds the cache; past it the cache starts afresh, so a
// flood of tokens cannot grow memory.
const maxCachedCallers = 10_000

// callerCache maps token hashes to the callers they authenticated.
type callerCache struct {
	mu      sync.Mutex
	entries map[[32]byte]cachedCaller
}

type cachedCaller struct {
	caller  deconflict.Caller
	expires time.Time
}

func (c *callerCache) get(hash [32]byte, now time.Time) (deconflict.Caller, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || now.After(e.expires) {
		return deconflict.Caller{}, false
	}
	return e.caller, true
}

func (c *callerCache) put(hash [32]byte, caller deconflict.Caller, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedCallers {
		c.entries = make(map[[32]byte]cachedCaller)
	}
	c.entries[hash] = cachedCaller{caller: caller, expires: now.Add(callerTTL)}
}

// clear forgets every cached caller (after a revocation or a new admin token).
func (c *callerCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}
