package strategic

import (
	"context"
	"crypto/rand"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/deconflict/deconflict"
)

// DefaultCacheSize is the number of compiled objects kept when Config names
// none: enough for 200,000 live operations and zones.
const DefaultCacheSize = 200_000

// Config configures a Service. Zero fields take defaults.
type Config struct {
	// Settings are the deployment's minima and limits (default: deconflict.DefaultSettings()).
	Settings deconflict.Settings
	// Now is the clock (default time.Now); tests control it.
	Now func() time.Time
	// CacheSize is how many compiled objects to keep (default DefaultCacheSize).
	CacheSize int
	// Journal, if set, is called inside the transaction of every accepted
	// change (see Change).
	Journal Journal
}

// Change is what one accepted transaction did to objects and conflicts.
type Change struct {
	// Actor is the party that made the change ("" for the server's sweep).
	Actor string
	// Object is the operation or zone written or deleted (nil for a sweep).
	Object *deconflict.ObjectRef
	// Deleted is set when Object was deleted (a zone).
	Deleted bool
	// Stored is the operation or zone as written (as it was, when deleted),
	// and ShareWith its sharing.
	Stored    any
	ShareWith []string
	// Opened, Updated and Closed are the conflict records as stored.
	Opened, Updated, Closed []deconflict.ConflictRecord
	// Notices are what each party concerned must be told of those
	// conflicts, as it may see them (filled in before the journal runs).
	Notices []Notice
}

// Notice is one conflict event for one party: both sides of a conflict
// (the owners of both objects) are told when it opens, changes and closes.
type Notice struct {
	Party    string
	Kind     deconflict.EventKind
	Conflict deconflict.Conflict
}

// Journal is the seam where events and ledger entries are appended in the
// same transaction as the change they record (the next issue fills it in).
// It runs after every write of the change; an error aborts all of it. Like
// the transaction body it may run more than once, so it must only touch tx.
type Journal func(ctx context.Context, tx deconflict.Tx, ch Change) error

// Service implements the strategic services on a store.
type Service struct {
	store    deconflict.Store
	settings deconflict.Settings
	now      func() time.Time
	cache    *lru.Cache[cacheKey, *object]
	refKey   []byte
	refMACs  sync.Pool // of *refMAC: HMAC-SHA256 under refKey
	// detectBufs holds *detectBuf for detect to gather into.
	detectBufs sync.Pool
	journal    Journal
	index      liveIndex
	cpu        chan struct{} // admits the CPU-heavy part of submissions and checks
	// retries keeps the work of refused submissions for their resubmission
	// (see retry.go).
	retries *retryCache
}

var (
	_ deconflict.OperationService = (*Service)(nil)
	_ deconflict.ZoneService      = (*Service)(nil)
	_ deconflict.ConflictService  = (*Service)(nil)
)

// metaRefKey is the store Meta key of the HMAC key behind opaque refs. It
// lives in the store so that refs stay valid across restarts and replicas.
const metaRefKey = "ref_key"

// New returns a Service on store, creating the ref key if the store has none.
func New(ctx context.Context, store deconflict.Store, cfg Config) (*Service, error) {
	if cfg.Settings == (deconflict.Settings{}) {
		cfg.Settings = deconflict.DefaultSettings()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	cache, err := lru.New[cacheKey, *object](cfg.CacheSize)
	if err != nil {
		return nil, fmt.Errorf("strategic: cache: %w", err)
	}
	s := &Service{store: store, settings: cfg.Settings, now: cfg.Now, cache: cache, journal: cfg.Journal,
		cpu: make(chan struct{}, runtime.GOMAXPROCS(0)), retries: newRetryCache()}
	if s.refKey, err = loadRefKey(ctx, store); err != nil {
		return nil, err
	}
	if err := s.loadIndex(ctx); err != nil {
		return nil, fmt.Errorf("strategic: load the candidate index: %w", err)
	}
	return s, nil
}

func loadRefKey(ctx context.Context, store deconflict.Store) ([]byte, error) {
	var key []byte
	err := store.Transact(ctx, func(tx deconflict.Tx) error {
		k, err := tx.Meta(ctx, metaRefKey)
		if err == nil {
			key = k
			return nil
		}
		if deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
			return err
		}
		key = make([]byte, 32)
		rand.Read(key)
		return tx.SetMeta(ctx, metaRefKey, key)
	})
	if err != nil {
		return nil, fmt.Errorf("strategic: ref key: %w", err)
	}
	if len(key) < 16 {
		return nil, fmt.Errorf("strategic: ref key in the store is %d bytes, too short", len(key))
	}
	return key, nil
}

// transact runs fn in a store transaction and, once it has committed, brings
// the in-memory index up to date with it.
func (s *Service) transact(ctx context.Context, fn func(tx deconflict.Tx) error) error {
	err := s.store.Transact(ctx, fn)
	if err == nil {
		s.refreshIndex(ctx)
	}
	return err
}

// record hands a change to the journal, if any, with its notices.
func (s *Service) record(ctx context.Context, tx deconflict.Tx, ch Change) error {
	if s.journal == nil {
		return nil
	}
	auds := map[string]deconflict.Audience{}
	// Each side of a change's conflicts is seen by every other side: the
	// submission's ref and sharing, say, by the owner of each object it
	// conflicts with; each is looked up once a change.
	type otherSide struct {
		ref       string
		shareWith []string
	}
	others := map[deconflict.ObjectRef]otherSide{}
	// Two notices a conflict, one for each side.
	ch.Notices = slices.Grow(ch.Notices, 2*(len(ch.Opened)+len(ch.Updated)+len(ch.Closed)))
	for _, group := range []struct {
		kind deconflict.EventKind
		recs []deconflict.ConflictRecord
	}{{deconflict.EventConflictOpened, ch.Opened}, {deconflict.EventConflictUpdated, ch.Updated}, {deconflict.EventConflictClosed, ch.Closed}} {
		for _, rec := range group.recs {
			for _, side := range []deconflict.ObjectRef{rec.A, rec.B} {
				aud, ok := auds[side.Party]
				if !ok {
					var err error
					if aud, err = audienceOf(ctx, tx, side.Party); err != nil {
						return err
					}
					auds[side.Party] = aud
				}
				other, _ := rec.Other(side.Party)
				seen, ok := others[other]
				if !ok {
					share, _, err := s.sharedWith(ctx, tx, other)
					if err != nil {
						return err
					}
					seen = otherSide{ref: s.ref(other), shareWith: share}
					others[other] = seen
				}
				ref, share := seen.ref, seen.shareWith
				ch.Notices = append(ch.Notices, Notice{Party: side.Party, Kind: group.kind,
					Conflict: viewAs(rec, other, ref, canSee(aud, other.Party, share))})
			}
		}
	}
	return s.journal(ctx, tx, ch)
}

// requireParty refuses the admin token: objects belong to parties.
func requireParty(caller deconflict.Caller) error {
	if caller.Party == "" {
		return deconflict.Errorf(deconflict.EFORBIDDEN, "operations, zones and conflicts belong to parties; use a party's token")
	}
	return nil
}
