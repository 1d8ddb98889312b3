package geo

import (
	"math"
	"sync"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
)

// CoverMaxCells bounds the cells of one covering (the store runs one range
// query per cell). Levels follow the footprint's size: a 2 km corridor gets
// small cells, a 500 km airspace large ones.
const CoverMaxCells = 24

// coverSlackM widens every covering a little beyond the radius asked for, so
// that floating-point error in the cell distances can never leave out a point
// at exactly the radius.
const coverSlackM = 0.01

// nearAntipode is how close (in radians) to half the Earth's circumference a
// radius may come before the covering is the whole sphere: squared chords
// lose angular precision there.
const nearAntipode = 1e-3

// maxExtraLevels is how many levels below the one where the budget first
// runs short the cheapest splits may still go: deeper, a split saves a
// sliver of the area for the same tests.
const maxExtraLevels = 1

// Cover returns S2 cells covering f widened by radiusM, at levels chosen to
// fit the footprint's size. Every point within radiusM of the footprint
// (interiors included) lies in one of the cells; the cells are sorted, none
// contains another, and there are at most CoverMaxCells of them.
//
// It descends the cell hierarchy from a few cells bounding the widened
// footprint, testing each child exactly against the edges near its parent,
// and splits every cell while the total stays within CoverMaxCells; past
// that, it splits only the cells whose split adds the fewest cells, for one
// more level.
func Cover(f *Footprint, radiusM float64) []s2.CellID {
	if !(radiusM > 0) {
		radiusM = 0
	}
	radiusM += coverSlackM + radiusM*1e-9
	r := MetresToAngle(radiusM)
	if r >= math.Pi-nearAntipode {
		return wholeSphere()
	}
	cv := coverers.Get().(*coverer)
	cv.reset(f, r)
	cells := cv.cover(CoverMaxCells)
	cv.f = nil // the pool must not keep the footprint alive
	coverers.Put(cv)
	return cells
}

func wholeSphere() []s2.CellID {
	cells := make([]s2.CellID, 6)
	for face := range cells {
		cells[face] = s2.CellIDFromFace(face)
	}
	return cells
}

// CoverRect returns S2 cells covering a rectangle (for bounding-box queries).
func CoverRect(r s2.Rect) []s2.CellID {
	rc := &s2.RegionCoverer{MinLevel: 0, MaxLevel: s2.MaxLevel, LevelMod: 1, MaxCells: CoverMaxCells}
	return []s2.CellID(rc.Covering(r))
}

// coverer is the state of one covering; its slices are reused across calls.
type coverer struct {
	f      *Footprint
	r      s1.Angle
	limit  s1.ChordAngle // the radius as a squared chord
	limit1 float64       // its chord, not squared
	segs   []segment
	fcap   s2.Cap // contains the footprint, interiors included

	// Each cell keeps the edges that may come within the radius of it;
	// its children test only those. The lists of one level live in arena,
	// the next level's in nextArena.
	arena, nextArena []int32

	frontier, next []covNode
	nextFull       []int32 // parent of each cell in fullKids
	fullKids, done []s2.CellID
	split          []bool
	kids           []int8
}

var coverers = sync.Pool{New: func() any { return new(coverer) }}

// covNode is a cell that reaches the widened footprint but not throughout.
type covNode struct {
	cell   s2.Cell
	lo, hi int32 // its edges: arena[lo:hi]
	parent int32 // index of its parent in the previous level's frontier
}

func (cv *coverer) reset(f *Footprint, r s1.Angle) {
	cv.f, cv.r, cv.limit = f, r, s1.ChordAngleFromAngle(r)
	cv.limit1 = math.Sqrt(float64(cv.limit))
	cv.fcap = f.bound.CapBound()
	cv.segs = cv.segs[:0]
	cv.arena = cv.arena[:0]
	for ed := range f.index.edges {
		cv.arena = append(cv.arena, int32(len(cv.segs)))
		cv.segs = append(cv.segs, newSegment(ed.V0, ed.V1))
	}
	cv.nextArena = cv.nextArena[:0]
	cv.frontier, cv.next, cv.nextFull = cv.frontier[:0], cv.next[:0], cv.nextFull[:0]
	cv.fullKids, cv.done = cv.fullKids[:0], nil
}

// eval tests one cell against edges, appending those that may come within
// the radius of it to nextArena. hit: some point of the cell is within the
// radius of the footprint; full: every point is (no need to split it).
func (cv *coverer) eval(g *cellGeom, edges []int32) (hit, full bool, lo, hi int32) {
	// Chords are subadditive (sin(a+b) ≤ sin a + sin b), so this bounds
	// the radius plus rho without the trigonometry of ChordAngle.Add.
	reach := s1.ChordAngle(min(4, (cv.limit1+g.rho1)*(cv.limit1+g.rho1)))
	minD := s1.InfChordAngle()
	lo = int32(len(cv.nextArena))
	for _, e := range edges {
		d := cv.segs[e].dist2(g.c)
		if d > reach {
			continue
		}
		cv.nextArena = append(cv.nextArena, e)
		minD = min(minD, d)
	}
	hi = int32(len(cv.nextArena))
	switch {
	case minD <= cv.limit: // the centre is within the radius
		// and so is all of the cell if the centre is rho closer.
		return true, cv.limit > g.rho && minD <= cv.limit.Sub(g.rho), lo, hi
	case lo == hi:
	default:
		g.prepare()
		if minD <= cv.limit.Add(g.in) { // so is a point of the inner cap
			return true, false, lo, hi
		}
		for _, e := range cv.nextArena[lo:hi] {
			if g.within(&cv.segs[e], cv.limit, reach) {
				return true, false, lo, hi
			}
		}
	}
	if cv.f.dim == 2 && cv.contains(g.c) {
		// No boundary comes within the radius of the cell, and its centre
		// is inside: the whole cell is.
		return true, true, lo, hi
	}
	return false, false, lo, hi
}

// contains reports whether p, at least the radius from every boundary, is
// inside a polygon of the footprint.
func (cv *coverer) contains(p r3.Vector) bool {
	if !cv.fcap.ContainsPoint(s2.Point{Vector: p}) {
		return false
	}
	return cv.f.index.contains(s2.Point{Vector: p})
}

// keep files an evaluated cell: final cells to done (or fullKids), the
// others to the frontier being built (next).
func (cv *coverer) keep(cell s2.Cell, hit, full bool, lo, hi, parent int32) {
	switch {
	case !hit:
	case full || cell.IsLeaf():
		cv.fullKids = append(cv.fullKids, cell.ID())
		cv.nextFull = append(cv.nextFull, parent)
	default:
		cv.next = append(cv.next, covNode{cell: cell, lo: lo, hi: hi, parent: parent})
	}
}

func (cv *coverer) cover(maxCells int) []s2.CellID {
	bound := cv.f.bound.CapBound().Expanded(cv.r)
	for _, id := range bound.CellUnionBound() {
		cell := s2.CellFromCellID(id)
		g := newCellGeom(cell, cellCorners(cell))
		hit, full, lo, hi := cv.eval(&g, cv.arena)
		cv.keep(cell, hit, full, lo, hi, -1)
	}
	cv.done = append(cv.done, cv.fullKids...)
	cv.frontier = append(cv.frontier, cv.next...)
	cv.arena, cv.nextArena = cv.nextArena, cv.arena[:0]

	extra := -1 // levels refined since the budget first ran short
	for len(cv.frontier) > 0 {
		if extra >= maxExtraLevels {
			for _, n := range cv.frontier {
				cv.done = append(cv.done, n.cell.ID())
			}
			break
		}
		cv.next, cv.nextFull, cv.fullKids = cv.next[:0], cv.nextFull[:0], cv.fullKids[:0]
		for p := range cv.frontier {
			cv.evalChildren(int32(p))
		}
		if !cv.chooseSplits(maxCells) || extra >= 0 {
			extra++
		}
		for p, n := range cv.frontier {
			if !cv.split[p] {
				cv.done = append(cv.done, n.cell.ID())
			}
		}
		for i, id := range cv.fullKids {
			if cv.split[cv.nextFull[i]] {
				cv.done = append(cv.done, id)
			}
		}
		cv.frontier = cv.frontier[:0]
		for _, n := range cv.next {
			if cv.split[n.parent] {
				cv.frontier = append(cv.frontier, n)
			}
		}
		cv.arena, cv.nextArena = cv.nextArena, cv.arena[:0]
	}
	// done is handed to the caller; the pool keeps no reference to it.
	cu := s2.CellUnion(cv.done)
	cv.done = nil
	cu.Normalize()
	return []s2.CellID(cu)
}

// evalChildren evaluates the four children of frontier cell p. They share
// nine vertices, computed once.
func (cv *coverer) evalChildren(p int32) {
	n := &cv.frontier[p]
	children, ok := n.cell.Children()
	if !ok {
		return
	}
	uv := n.cell.BoundUV()
	c0 := children[0].BoundUV()
	us := [3]float64{uv.X.Lo, c0.X.Hi, uv.X.Hi}
	if c0.X.Lo != uv.X.Lo {
		us[1] = c0.X.Lo
	}
	vs := [3]float64{uv.Y.Lo, c0.Y.Hi, uv.Y.Hi}
	if c0.Y.Lo != uv.Y.Lo {
		vs[1] = c0.Y.Lo
	}
	face := n.cell.Face()
	var grid [3][3]r3.Vector
	for i, u := range us {
		for j, v := range vs {
			grid[i][j] = uvPoint(face, u, v)
		}
	}
	edges := cv.arena[n.lo:n.hi]
	for _, ch := range children {
		cuv := ch.BoundUV()
		i, j := 0, 0
		if cuv.X.Lo != uv.X.Lo {
			i = 1
		}
		if cuv.Y.Lo != uv.Y.Lo {
			j = 1
		}
		g := newCellGeom(ch, [4]r3.Vector{grid[i][j], grid[i+1][j], grid[i+1][j+1], grid[i][j+1]})
		hit, full, lo, hi := cv.eval(&g, edges)
		cv.keep(ch, hit, full, lo, hi, p)
	}
}

// chooseSplits picks the frontier cells to replace by their children that
// reach the footprint (cv.split): all of them if the total stays within
// maxCells (and then it reports true), else those whose split adds the
// fewest cells first: a cell with one such child shrinks for free.
func (cv *coverer) chooseSplits(maxCells int) bool {
	nf := len(cv.frontier)
	cv.kids = append(cv.kids[:0], make([]int8, nf)...)
	cv.split = append(cv.split[:0], make([]bool, nf)...)
	for _, n := range cv.next {
		cv.kids[n.parent]++
	}
	for _, p := range cv.nextFull {
		cv.kids[p]++
	}
	if len(cv.done)+len(cv.next)+len(cv.fullKids) <= maxCells {
		for p := range cv.split {
			// A cell none of whose children seem to reach the footprint
			// (rounding at a corner) stays whole.
			cv.split[p] = cv.kids[p] > 0
		}
		return true
	}
	budget := maxCells - len(cv.done) - nf
	for k := int8(1); k <= 4; k++ {
		for p := range nf {
			if cv.kids[p] == k && int(k)-1 <= budget {
				cv.split[p] = true
				budget -= int(k) - 1
			}
		}
	}
	return false
}
