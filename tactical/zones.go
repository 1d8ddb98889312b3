package tactical

import (
	"math"
	"strings"
	"time"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/geo"
)

// Zone is a standing area as the engine watches it: its owner, id and kind
// (airspace gives airspace_entry alerts, protected and restricted zone_entry
// alerts), its compiled volumes, and the zone's own minima, which widen each
// volume's footprint beyond its buffer (LateralM) and its altitude band
// (VerticalM); zero minima mean that touching the volume is entering it.
// Alerts are raised only for aircraft of parties other than Party.
type Zone struct {
	Party   string
	ID      string
	Kind    deconflict.ZoneKind
	Volumes []*geo.Volume
	Minima  deconflict.Minima
}

// Operation is an active operation as the engine watches it for
// conformance: a track of Party whose callsign equals Callsign, or whose id
// equals Aircraft (both compared without case and surrounding blanks), must
// be inside one of Volumes (footprint widened by the buffer, altitude band,
// window) at its report time.
type Operation struct {
	Party    string
	ID       string
	Callsign string
	Aircraft string
	Volumes  []*geo.Volume
}

// vol is a compiled volume: the widened footprint, the altitude band and
// the window (Unix nanoseconds, open ends clamped far away).
type vol struct {
	owner  int32 // index of the zone or operation
	b      *geo.Buffered
	cap    s2.Cap
	lo, hi float64
	start  int64
	end    int64
}

// nanos is t in Unix nanoseconds, clamped to about ±95 years around 1970
// (1875 to 2065), so that the open ends of a window (years 1 and 9999) stay
// comparable and the difference of any two such times with a report time
// cannot overflow.
func nanos(t time.Time) int64 {
	const lim = 3e9 // seconds
	switch s := t.Unix(); {
	case s < -lim:
		return -lim * 1e9
	case s > lim:
		return lim * 1e9
	}
	return t.UnixNano()
}

func compileVol(owner int32, v *geo.Volume, lateralM, verticalM float64) vol {
	b := geo.NewBuffered(v.Footprint, v.BufferM+lateralM)
	return vol{owner: owner, b: b, cap: b.CapBound(), lo: v.AltLowerM - verticalM, hi: v.AltUpperM + verticalM,
		start: nanos(v.Start), end: nanos(v.End)}
}

type zoneInfo struct {
	Zone
	key     string // party + "\x00" + id
	partyID uint32
	kind    deconflict.AlertKind
}

// zoneSet is the immutable set of zones in force, with an index of cells:
// a volume is filed under every cell from which a track could reach it
// within the look-ahead at the index speed, so that a track at that speed
// or slower looks only at the cell it is in.
type zoneSet struct {
	zones []zoneInfo
	vols  []vol
	cells *bands
	index map[uint64][]int32
	all   []int32 // volumes too large to file: checked by every track
	pad   float64 // radians: how far a track at the index speed goes in the look-ahead
}

// zoneCellDeg is the size of the zone index's cells.
const zoneCellDeg = 0.25

// maxZoneCells bounds the cells one volume is filed under; a volume that
// would take more (a continent) is checked by every track instead.
const maxZoneCells = 20000

func (e *Engine) compileZones(zs []Zone) *zoneSet {
	set := &zoneSet{cells: newBands(zoneCellDeg * math.Pi / 180), index: map[uint64][]int32{},
		pad: e.cfg.IndexSpeedMps * e.p.t / deconflict.EarthRadiusM}
	for i, z := range zs {
		kind := deconflict.AlertZoneEntry
		if z.Kind == deconflict.ZoneAirspace {
			kind = deconflict.AlertAirspaceEntry
		}
		set.zones = append(set.zones, zoneInfo{Zone: z, key: z.Party + "\x00" + z.ID, partyID: e.partyID(z.Party), kind: kind})
		for _, v := range z.Volumes {
			if v == nil || v.Footprint == nil {
				continue
			}
			set.vols = append(set.vols, compileVol(int32(i), v, z.Minima.LateralM, z.Minima.VerticalM))
		}
	}
	for k := range set.vols {
		set.file(int32(k))
	}
	return set
}

// file puts volume k under every cell whose bounding cap comes within the
// pad of the widened footprint.
func (s *zoneSet) file(k int32) {
	v := &s.vols[k]
	var cells []uint64
	over := false
	s.cells.near(v.cap.Center(), v.cap.Radius().Radians()+s.pad, func(i, j int) {
		if over {
			return
		}
		cc := s.cells.rect(i, j).CapBound()
		if v.b.Near(cc.Center(), geo.AngleToMetres(cc.Radius())+s.pad*deconflict.EarthRadiusM) {
			cells = append(cells, cellKey(i, j))
			over = len(cells) > maxZoneCells
		}
	})
	if over {
		s.all = append(s.all, k)
		return
	}
	for _, c := range cells {
		s.index[c] = append(s.index[c], k)
	}
}

// candidates appends the volumes a track at p going reachM in the
// look-ahead may enter.
func (s *zoneSet) candidates(p s2.Point, reachM float64, out []int32) []int32 {
	out = append(out, s.all...)
	r := reachM / deconflict.EarthRadiusM
	if r <= s.pad {
		i, j := s.cells.cell(p)
		return append(out, s.index[cellKey(i, j)]...)
	}
	n := len(out)
	s.cells.near(p, r-s.pad, func(i, j int) {
		for _, k := range s.index[cellKey(i, j)] {
			dup := false
			for _, x := range out[n:] {
				if x == k {
					dup = true
					break
				}
			}
			if !dup {
				out = append(out, k)
			}
		}
	})
	return out
}

// entry returns when a track first is in volume v within the look-ahead
// (seconds after its report time), and false if it never is: the window of
// the volume, the altitude band and the look-ahead cut the time to [ta, tb];
// the great-circle path between the positions at ta and tb is then tested
// against the widened footprint exactly.
func entry(k *kin, v *vol, lookAhead float64) (float64, bool) {
	ta := max(0, secs(v.start-k.t))
	tb := min(lookAhead, secs(v.end-k.t))
	if k.vs == 0 {
		if k.alt < v.lo || k.alt > v.hi {
			return 0, false
		}
	} else {
		a, b := (v.lo-k.alt)/k.vs, (v.hi-k.alt)/k.vs
		if a > b {
			a, b = b, a
		}
		ta, tb = max(ta, a), min(tb, b)
	}
	if ta > tb {
		return 0, false
	}
	pa, _, _ := k.at(ta)
	if !v.cap.Intersects(s2.CapFromCenterAngle(s2.Point{Vector: pa}, s1.Angle(k.v.Norm()*(tb-ta)/deconflict.EarthRadiusM))) {
		return 0, false
	}
	pb, _, _ := k.at(tb)
	f, ok := v.b.FirstEntry(s2.Point{Vector: pa}, s2.Point{Vector: pb})
	if !ok {
		return 0, false
	}
	return ta + f*(tb-ta), true
}

// opSet is the immutable set of active operations, found by party and
// callsign or party and aircraft id.
type opSet struct {
	ops        []Operation
	vols       [][]vol
	byCallsign map[opKey][]int32
	byAircraft map[opKey][]int32
}

type opKey struct{ party, key string }

// norm is how callsigns and aircraft ids are compared: SBS-1 pads
// callsigns with blanks, and ICAO addresses come in either case.
func norm(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func compileOps(ops []Operation) *opSet {
	s := &opSet{byCallsign: map[opKey][]int32{}, byAircraft: map[opKey][]int32{}}
	for i, o := range ops {
		s.ops = append(s.ops, o)
		var vs []vol
		for _, v := range o.Volumes {
			if v != nil && v.Footprint != nil {
				vs = append(vs, compileVol(int32(i), v, 0, 0))
			}
		}
		s.vols = append(s.vols, vs)
		if c := norm(o.Callsign); c != "" {
			k := opKey{o.Party, c}
			s.byCallsign[k] = append(s.byCallsign[k], int32(i))
		}
		if a := norm(o.Aircraft); a != "" {
			k := opKey{o.Party, a}
			s.byAircraft[k] = append(s.byAircraft[k], int32(i))
		}
	}
	return s
}

// conforms reports whether a track of party matching some operation (by
// callsign or id) is outside all their volumes at its time: matched says
// whether any operation matched, inside whether it is in one of their
// volumes.
func (s *opSet) conforms(party, callsign, id string, k *kin) (matched, inside bool) {
	check := func(ops []int32) {
		for _, i := range ops {
			matched = true
			for j := range s.vols[i] {
				v := &s.vols[i][j]
				if k.t >= v.start && k.t <= v.end && k.alt >= v.lo && k.alt <= v.hi && v.b.Contains(s2.Point{Vector: k.p}) {
					inside = true
					return
				}
			}
		}
	}
	if callsign != "" {
		check(s.byCallsign[opKey{party, callsign}])
	}
	if !inside && id != "" {
		check(s.byAircraft[opKey{party, id}])
	}
	return matched, inside
}
