// Package cellindex finds the stored 4D volumes that may conflict with a
// query: by S2 cells (a stored cell that is an ancestor, a descendant or equal
// to a query cell), time window and altitude band. It holds the time-bucket
// scheme that the SQL stores file their cells under, and Index, the same
// search in memory.
//
// It only finds candidates: the exact predicate (package geo) decides. It
// does no I/O; keeping an Index in step with a store is the caller's job.
package cellindex

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/golang/geo/s2"
	"github.com/tidwall/btree"

	"github.com/deconflict/deconflict"
)

// ObjectKey names a stored operation or zone, whatever its version.
type ObjectKey struct {
	Kind  deconflict.ObjectKind
	Party string
	ID    string
}

// Index is an in-memory candidate index: for each time bucket (bucket.go), a B-tree of
// (cell, volume) ordered by cell, so that the descendants of a query cell are
// one range and each of its ancestors one seek, as in the SQL stores. It is
// safe for concurrent use: searches share a read lock, Put and Remove take
// the write lock.
type Index struct {
	mu      sync.RWMutex
	buckets map[int64]*bucket
	objects map[ObjectKey]*object
	vols    []volume // by slot; a free slot has obj == nil
	free    []int32
	parties map[string]int32 // party ids interned, so a search compares integers
}

type bucket struct {
	tree   *btree.BTreeG[item]
	levels uint32 // levels of the cells it has held (bit l for level l)
}

// item is one cell of one volume in one bucket. It carries the volume's
// altitude band, rounded outward to float32, because most items a search
// reads fail on altitude: they are dropped without touching the volume.
type item struct {
	cell         uint64
	slot         int32
	altLo, altHi float32
}

func lessItem(a, b item) bool {
	return a.cell < b.cell || (a.cell == b.cell && a.slot < b.slot)
}

type object struct {
	key     ObjectKey
	version int64
	payload any // what the caller filed with it, handed back by AppendHits
	slots   []int32
}

// volume is one indexed volume: its envelope, and the cells and buckets it
// is filed under so that it can be taken out again.
type volume struct {
	start, end   int64 // unix milliseconds
	altLo, altHi float64
	party        int32 // interned (Index.parties)
	vol          int32
	obj          *object
	cells        []uint64
}

// New returns an empty index.
func New() *Index {
	return &Index{buckets: map[int64]*bucket{}, objects: map[ObjectKey]*object{}, parties: map[string]int32{}}
}

// Len returns the number of objects indexed.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.objects)
}

// Put files version of object k under vols, replacing what k had. Envelopes
// follow deconflict.IndexedVolume; cells must be valid S2 cell ids. The index
// keeps the Cells slices (to take the object out again): the caller must not
// change them afterwards. payload is kept with the object and handed back by
// AppendHits (the caller's compiled object, say), so that a search goes from a hit
// to what it needs without a lookup by name.
func (ix *Index) Put(k ObjectKey, version int64, vols []deconflict.IndexedVolume, payload any) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(k)
	if len(vols) == 0 {
		return
	}
	o := &object{key: k, version: version, payload: payload, slots: make([]int32, 0, len(vols))}
	ix.objects[k] = o
	party, ok := ix.parties[k.Party]
	if !ok {
		party = int32(len(ix.parties)) + 1 // 0 is no party
		ix.parties[k.Party] = party
	}
	for _, iv := range vols {
		v := volume{
			obj:   o,
			party: party,
			vol:   int32(iv.Volume),
			start: FloorMilli(iv.Start),
			end:   CeilMilli(iv.End),
			altLo: iv.AltLowerM,
			altHi: iv.AltUpperM,
			cells: iv.Cells,
		}
		var slot int32
		if n := len(ix.free); n > 0 {
			slot, ix.free = ix.free[n-1], ix.free[:n-1]
			ix.vols[slot] = v
		} else {
			slot = int32(len(ix.vols))
			ix.vols = append(ix.vols, v)
		}
		o.slots = append(o.slots, slot)
		levels := Levels(v.cells)
		lo, hi := float32Below(v.altLo), float32Above(v.altHi)
		b := StoreBucket(v.start, v.end)
		bk := ix.buckets[b]
		if bk == nil {
			bk = &bucket{tree: btree.NewBTreeGOptions(lessItem, btree.Options{NoLocks: true})}
			ix.buckets[b] = bk
		}
		bk.levels |= levels
		for _, c := range v.cells {
			bk.tree.Set(item{c, slot, lo, hi})
		}
	}
}

// Remove takes object k out of the index, if it is there.
func (ix *Index) Remove(k ObjectKey) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(k)
}

func (ix *Index) remove(k ObjectKey) {
	o := ix.objects[k]
	if o == nil {
		return
	}
	delete(ix.objects, k)
	for _, slot := range o.slots {
		v := &ix.vols[slot]
		b := StoreBucket(v.start, v.end)
		bk := ix.buckets[b]
		for _, c := range v.cells {
			bk.tree.Delete(item{cell: c, slot: slot})
		}
		if bk.tree.Len() == 0 {
			delete(ix.buckets, b)
		}
		*v = volume{}
		ix.free = append(ix.free, slot)
	}
}

// Candidates returns the indexed volumes whose cells are ancestors,
// descendants or equal to q's cells and whose envelope overlaps q's in time
// (strictly) and altitude (touching counts), of parties other than
// q.ExcludeParty, each once, in (kind, party, id, volume) order: the same
// answer as deconflict.Reader.Candidates on the same entries. Invalid cells
// in q are ignored.
func (ix *Index) Candidates(q deconflict.CandidateQuery) []deconflict.Candidate {
	sb := getSearchBuf()
	defer searchBufs.Put(sb)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	slots := ix.search(q, sb)
	out := make([]deconflict.Candidate, len(slots))
	for i, slot := range slots {
		v := &ix.vols[slot]
		out[i] = deconflict.Candidate{Kind: v.obj.key.Kind, Party: v.obj.key.Party, ID: v.obj.key.ID, Version: v.obj.version, Volume: int(v.vol)}
	}
	slices.SortFunc(out, compareCandidates)
	return out
}

// Hit is one volume a search found: the payload its object was filed with
// (see Put), and the volume's number in that object.
type Hit struct {
	Payload any
	Volume  int
}

// AppendHits appends to dst what Candidates would return for q, as hits, in
// no particular order, and returns it. It builds no strings and sorts none:
// the searches of every submission and check run through it, and reusing dst
// makes them allocate nothing here.
func (ix *Index) AppendHits(dst []Hit, q deconflict.CandidateQuery) []Hit {
	sb := getSearchBuf()
	ix.mu.RLock()
	slots := ix.search(q, sb)
	for _, slot := range slots {
		v := &ix.vols[slot]
		dst = append(dst, Hit{Payload: v.obj.payload, Volume: int(v.vol)})
	}
	ix.mu.RUnlock()
	searchBufs.Put(sb)
	return dst
}

// searchBuf is the scratch space of one search, pooled.
type searchBuf struct {
	cells []s2.CellID
	rs    []Range[uint64]
	slots []int32
}

var searchBufs sync.Pool // of *searchBuf

func getSearchBuf() *searchBuf {
	if sb, ok := searchBufs.Get().(*searchBuf); ok {
		return sb
	}
	return new(searchBuf)
}

// search returns the slots of the volumes Candidates returns, each once, in
// slot order, in sb's space (valid until sb is used again). The caller holds
// the read lock.
func (ix *Index) search(q deconflict.CandidateQuery, sb *searchBuf) []int32 {
	cells := sb.cells[:0]
	for _, c := range q.Cells {
		if id := s2.CellID(c); id.IsValid() {
			cells = append(cells, id)
		}
	}
	slices.Sort(cells)
	start, end := FloorMilli(q.Start), CeilMilli(q.End)
	lo, hi := float32Below(q.AltLowerM), float32Above(q.AltUpperM)
	exclude := ix.parties[q.ExcludeParty]
	rs, slots := sb.rs[:0], sb.slots[:0]
	defer func() { sb.cells, sb.rs, sb.slots = cells, rs, slots }()
	var levels uint32
	for i, bk := range ix.bucketsIn(QueryBuckets(start, end)) {
		// Buckets mostly hold cells of the same levels: the ranges of the
		// last bucket serve again then.
		if i == 0 || bk.levels != levels {
			rs, levels = AppendRanges(rs[:0], cells, bk.levels), bk.levels
		}
		for _, r := range rs {
			bk.tree.Ascend(item{cell: r.Lo, slot: -1}, func(it item) bool {
				if it.cell > r.Hi {
					return false
				}
				if it.altLo > hi || it.altHi < lo {
					return true
				}
				v := &ix.vols[it.slot]
				if v.start < end && v.end > start && v.altLo <= q.AltUpperM && v.altHi >= q.AltLowerM && v.party != exclude {
					slots = append(slots, it.slot)
				}
				return true
			})
		}
	}
	slices.Sort(slots)
	slots = slices.Compact(slots)
	return slots
}

// float32Below and float32Above round a float64 to a float32 outward, so
// that a band tested in float32 holds the band in float64.
func float32Below(x float64) float32 {
	f := float32(x)
	if float64(f) > x {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func float32Above(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// bucketsIn returns the buckets held in the ranges rs: looked up one by one
// for a short window, found by a scan of all buckets for a long one (a
// window of years spans millions of hour buckets, but few are ever held).
func (ix *Index) bucketsIn(rs [AllTime + 1]Range[int64]) []*bucket {
	var out []*bucket
	n := int64(0)
	for _, r := range rs {
		n += r.Hi - r.Lo + 1
	}
	if n > int64(len(ix.buckets)) {
		for id, bk := range ix.buckets {
			for _, r := range rs {
				if r.Lo <= id && id <= r.Hi {
					out = append(out, bk)
					break
				}
			}
		}
		return out
	}
	for _, r := range rs {
		for b := r.Lo; b <= r.Hi; b++ {
			if bk := ix.buckets[b]; bk != nil {
				out = append(out, bk)
			}
		}
	}
	return out
}

func compareCandidates(a, b deconflict.Candidate) int {
	return cmp.Or(
		strings.Compare(string(a.Kind), string(b.Kind)),
		strings.Compare(a.Party, b.Party),
		strings.Compare(a.ID, b.ID),
		cmp.Compare(a.Volume, b.Volume))
}
