package tactical

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/golang/geo/r3"

	"github.com/deconflict/deconflict"
)

type trackKey struct{ party, id string }

// ident is what other updates may read of a track besides its state: the
// callsign and the reporter, replaced whole when either changes.
type ident struct{ callsign, reporter string }

// track is one aircraft. Its own updates are serialised by mu; other
// tracks' updates read its state through the sequence lock (seq, kw) and
// its ident, never under mu, so that updates of neighbours do not wait for
// each other.
type track struct {
	serial  uint64 // unique for the engine's life; orders pairs
	key     trackKey
	hash    uint64
	partyID uint32

	seq  atomic.Uint64 // odd while kw is being written; 0 before the first report
	kw   [9]atomic.Uint64
	dead atomic.Bool
	who  atomic.Pointer[ident]

	mu       sync.Mutex
	k        kin
	has      bool
	report   deconflict.TrackReport
	csNorm   string
	idNorm   string
	re       reach // the reach of the last report
	filed    reach // what the grid holds: contains re
	tile     *tile
	layer    int
	slot     slotRef
	zoneRecs []*alertRec
	confRec  *alertRec
	zc       []zoneClear // clearances of the volumes near, to skip those out of reach
	near     struct {    // the tiles the scan reads, for the tile, reach and centre (see nearTiles)
		tile  *tile
		lim   float64
		c     r3.Vector
		tiles []*tile
	}

	// pmu guards partners, the separation alerts the track is in. It is
	// taken only inside a pair shard's lock or on its own.
	pmu      sync.Mutex
	partners []*alertRec
}

// publish writes k for other updates to read (t.mu held: one writer).
func (t *track) publish(k *kin) {
	s := t.seq.Load()
	t.seq.Store(s + 1)
	for i, x := range [...]float64{k.p.X, k.p.Y, k.p.Z, k.v.X, k.v.Y, k.v.Z, k.alt, k.vs} {
		t.kw[i].Store(math.Float64bits(x))
	}
	t.kw[8].Store(uint64(k.t))
	t.seq.Store(s + 2)
}

// read returns the latest published state and its sequence number (0 if
// there is none yet).
func (t *track) read() (kin, uint64) {
	for {
		s := t.seq.Load()
		if s&1 == 1 {
			continue
		}
		var f [8]float64
		for i := range f {
			f[i] = math.Float64frombits(t.kw[i].Load())
		}
		tt := int64(t.kw[8].Load())
		if t.seq.Load() == s {
			return kin{p: r3.Vector{X: f[0], Y: f[1], Z: f[2]}, v: r3.Vector{X: f[3], Y: f[4], Z: f[5]}, alt: f[6], vs: f[7], t: tt}, s
		}
	}
}

// time returns the published report time.
func (t *track) time() int64 { return int64(t.kw[8].Load()) }
