package tactical

import (
	"math"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s2"
)

// reach bounds everything a track may do before its report is too old to be
// paired with a newer one: every position it can hold in the look-ahead of
// any evaluation within StaleAfter of its report lies within angle r of c,
// every altitude within [lo, hi]. Two tracks can lose separation only if
// their caps, each widened by half the lateral minimum (that is in r), meet
// and their altitude ranges come within the vertical minimum.
type reach struct {
	c      r3.Vector
	r      float64
	lo, hi float64
}

// slot is a track's entry in a tile: its reach, read without locks by every
// update nearby. The reach is stored in float32, rounded outward (see
// pack), so a slot is 32 bytes and a scan touches little memory: the
// scan is bound by the cache misses of reading the slots near a track. Fields
// are written one by one, so a reader may see a mix of two reaches; only a
// track that is itself being updated is seen so, and its own update judges
// the pair afterwards with the reader's newer state (see Engine.applyPair).
type slot struct {
	t   atomic.Pointer[track]
	alt atomic.Uint64 // lo, hi
	xy  atomic.Uint64 // centre x, y
	zr  atomic.Uint64 // centre z, radius
}

// f32Slack is added to a radius stored in float32: each coordinate of a
// unit vector is then off by at most 6e-8, the chord between two centres by
// at most 2.1e-7, so 5e-7 (about 3 m) covers both ends with room.
const f32Slack = 5e-7

func pack2(a, b float32) uint64 { return uint64(math.Float32bits(a)) | uint64(math.Float32bits(b))<<32 }

func unpack2(w uint64) (float32, float32) {
	return math.Float32frombits(uint32(w)), math.Float32frombits(uint32(w >> 32))
}

// chunk is a run of slots of one layer of a tile, with the slots inline so
// that a scan reaches them in one step. A layer is a list of chunks; a full
// layer gets a new chunk at its end, so slots never move.
type chunk struct {
	used atomic.Int32 // slots [0, used) have been handed out
	next atomic.Pointer[chunk]
	s    [chunkSlots]slot
}

const chunkSlots = 8

// slotRef names a slot: a chunk and an index in it.
type slotRef struct {
	c *chunk
	i int32
}

// layerTail is what writers keep of a layer (under the tile's mu): its last
// chunk and its emptied slots.
type layerTail struct {
	last *chunk
	free []slotRef
}

// Altitude layers: a tile's tracks are kept in layers by the bottom of
// their altitude range, so that a scan reads only the layers within reach.
// A track whose range spans more than layerSpanM (climbing or descending
// steeply) is kept in the tall layer, which every scan reads. Ranges below
// the first layer or above layerTopM are kept in the first or last layer.
const (
	layerBottomM = -1000 // deconflict.MinAltitudeM
	layerM       = 4000
	layerSpanM   = 2000
	layerTopM    = 20000
	tallLayer    = (layerTopM-layerBottomM)/layerM + 1
	nLayers      = tallLayer + 1
)

// The layers of a tile are the bits of a uint32.
var _ [32 - nLayers]struct{}

// layerOf returns the layer of an altitude range.
func layerOf(lo, hi float64) int {
	if !(hi-lo <= layerSpanM) {
		return tallLayer
	}
	return layerAt(lo)
}

func layerAt(alt float64) int {
	k := math.Floor((alt - float64(layerBottomM)) / float64(layerM))
	return int(max(0, min(k, float64(tallLayer-1))))
}

// layersFor returns the layers a scan for q must read besides the tall one:
// a track of layer k has lo in [k, k+1) layers (or below or above, in the
// first and last), hi at most lo + layerSpanM, and can meet q only if lo <
// q.hi + vm and q.lo < hi + vm.
func layersFor(q *reach, vm float64) (int, int) {
	return layerAt(q.lo - vm - layerSpanM), layerAt(q.hi + vm)
}

// tile holds the tracks whose filed reach is centred in one cell, in
// altitude layers of chunks. Readers follow the chunks without locks;
// writers (the tracks moving in, out or within) hold mu. Slots never move
// while their track is in them.
type tile struct {
	mu     sync.Mutex
	layers [nLayers]atomic.Pointer[chunk]
	tails  map[int]*layerTail // under mu
	used   atomic.Uint32      // bit k: layer k has slots
	// The cell's bounding cap (centre, radius in radians), and the tiles
	// whose tracks a track filed here may meet, made on first use.
	c      r3.Vector
	rad    float64
	nearby atomic.Pointer[[]*tile]
}

func (tl *tile) write(ref slotRef, t *track, re *reach) {
	s := &ref.c.s[ref.i]
	lo, hi := float32(re.lo-1), float32(re.hi+1)
	s.alt.Store(pack2(lo, hi))
	s.xy.Store(pack2(float32(re.c.X), float32(re.c.Y)))
	s.zr.Store(pack2(float32(re.c.Z), float32(re.r+f32Slack)))
	s.t.Store(t)
}

// insert files t with its reach in layer k and returns its slot.
func (tl *tile) insert(t *track, k int, re *reach) slotRef {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if tl.tails == nil {
		tl.tails = map[int]*layerTail{}
	}
	lt := tl.tails[k]
	if lt == nil {
		lt = &layerTail{}
		tl.tails[k] = lt
	}
	var ref slotRef
	switch {
	case len(lt.free) > 0:
		ref = lt.free[len(lt.free)-1]
		lt.free = lt.free[:len(lt.free)-1]
	case lt.last != nil && lt.last.used.Load() < chunkSlots:
		ref = slotRef{lt.last, lt.last.used.Load()}
	default:
		c := new(chunk)
		if lt.last == nil {
			tl.layers[k].Store(c)
			tl.used.Store(tl.used.Load() | 1<<k)
		} else {
			lt.last.next.Store(c)
		}
		lt.last = c
		ref = slotRef{c, 0}
	}
	tl.write(ref, t, re)
	if ref.i >= ref.c.used.Load() {
		ref.c.used.Store(ref.i + 1)
	}
	return ref
}

// set replaces the reach in t's slot.
func (tl *tile) set(ref slotRef, t *track, re *reach) {
	tl.mu.Lock()
	tl.write(ref, t, re)
	tl.mu.Unlock()
}

// remove empties a slot of layer k.
func (tl *tile) remove(k int, ref slotRef) {
	tl.mu.Lock()
	ref.c.s[ref.i].t.Store(nil)
	lt := tl.tails[k]
	lt.free = append(lt.free, ref)
	tl.mu.Unlock()
}

// scan appends the tracks of the tile, in the layers q reaches, whose
// reach may meet q's: altitude ranges within the vertical minimum of each
// other, caps that meet (the caller skips its own party's). The chord
// between the centres is at most their angle, so comparing it with the sum
// of the radii never drops a pair that meets.
func (tl *tile) scan(q *query, out []*track) []*track {
	mask := tl.used.Load() & q.layers
	for mask != 0 {
		k := bits.TrailingZeros32(mask)
		mask &= mask - 1
		for c := tl.layers[k].Load(); c != nil; c = c.next.Load() {
			s := c.s[:c.used.Load()]
			for i := range s {
				sl := &s[i]
				lo, hi := unpack2(sl.alt.Load())
				if lo >= q.hi || q.lo >= hi {
					continue
				}
				x, y := unpack2(sl.xy.Load())
				z, r := unpack2(sl.zr.Load())
				dx, dy, dz, rr := x-q.x, y-q.y, z-q.z, r+q.r
				if dx*dx+dy*dy+dz*dz > rr*rr {
					continue
				}
				if t := sl.t.Load(); t != nil {
					out = append(out, t)
				}
			}
		}
	}
	return out
}

// query is a reach as scans compare it: in float32, the altitude range
// widened by the vertical minimum, and the layers it reaches (a bit each,
// the tall layer's included).
type query struct {
	lo, hi     float32
	x, y, z, r float32
	layers     uint32
}

func newQuery(q *reach, vm float64) query {
	k0, k1 := layersFor(q, vm)
	return query{lo: float32(q.lo - vm), hi: float32(q.hi + vm), x: float32(q.c.X), y: float32(q.c.Y), z: float32(q.c.Z),
		r: float32(q.r), layers: uint32(1)<<(k1+1) - uint32(1)<<k0 | 1<<tallLayer}
}

// trackGrid files tracks by the centre of their reach in cells of bands,
// created on first use; rows and tiles are found without locks.
type trackGrid struct {
	g    *bands
	rows []atomic.Pointer[[]atomic.Pointer[tile]]
}

func newTrackGrid(h float64) *trackGrid {
	g := newBands(h)
	return &trackGrid{g: g, rows: make([]atomic.Pointer[[]atomic.Pointer[tile]], len(g.cols))}
}

// tile returns the tile of cell (i, j), creating it when create is set
// (else nil for a cell never used).
func (tg *trackGrid) tile(i, j int, create bool) *tile {
	row := tg.rows[i].Load()
	if row == nil {
		if !create {
			return nil
		}
		fresh := make([]atomic.Pointer[tile], tg.g.cols[i])
		if !tg.rows[i].CompareAndSwap(nil, &fresh) {
			row = tg.rows[i].Load()
		} else {
			row = &fresh
		}
	}
	p := &(*row)[j]
	tl := p.Load()
	if tl == nil && create {
		cp := tg.g.rect(i, j).CapBound()
		fresh := &tile{c: cp.Center().Vector, rad: cp.Radius().Radians()}
		if p.CompareAndSwap(nil, fresh) {
			return fresh
		}
		tl = p.Load()
	}
	return tl
}

// near returns the tiles that may hold a track whose reach meets that of a
// track filed in tl (whose reach is at most rMax): those within 2·rMax plus
// tl's own radius of tl's centre. The list is made once per tile; the
// tiles in it are created, so that a track filed there later is seen.
func (tg *trackGrid) near(tl *tile, rMax float64) []*tile {
	if l := tl.nearby.Load(); l != nil {
		return *l
	}
	var l []*tile
	tg.g.near(s2.Point{Vector: tl.c}, 2*rMax+tl.rad, func(i, j int) {
		l = append(l, tg.tile(i, j, true))
	})
	tl.nearby.Store(&l)
	return l
}

// tileOf returns the tile a reach centred at c is filed in.
func (tg *trackGrid) tileOf(c r3.Vector) *tile {
	i, j := tg.g.cell(s2.Point{Vector: c})
	return tg.tile(i, j, true)
}
