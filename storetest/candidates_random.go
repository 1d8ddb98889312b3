package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// testCandidatesRandom compares Candidates with a brute-force scan of every
// stored entry for random coverings of every level, nested or not, around
// one place: the index may organise cells, time and altitude as it likes,
// but must find exactly the entries a plain reading of the contract finds.
func testCandidatesRandom(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(11, 12))
	parties := []string{"p0", "p1", "p2", "p3"}
	mustParty(t, s, parties...)

	type entry struct {
		cand  deconflict.Candidate
		index deconflict.IndexedVolume
	}
	var stored []entry
	const objects = 150
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		for i := range objects {
			party := parties[rng.IntN(len(parties))]
			id := fmt.Sprintf("o%03d", i)
			nvol := 1 + rng.IntN(3)
			var index []deconflict.IndexedVolume
			for v := range nvol {
				iv := randomEntry(rng)
				iv.Volume = v
				index = append(index, iv)
			}
			var err error
			var kind deconflict.ObjectKind
			if i%5 == 0 {
				kind = deconflict.KindZone
				z := zone(party, id, deconflict.ZoneAirspace)
				z.Volumes = make([]deconflict.Volume, nvol)
				for v := range z.Volumes {
					z.Volumes[v] = volume(36.6, 35.9, index[v].Start, index[v].End)
				}
				err = tx.PutZone(ctx, z, index)
			} else {
				kind = deconflict.KindOperation
				op := operation(party, id, deconflict.StatePlanned, at(0, 0), at(1, 0))
				op.Volumes = make([]deconflict.Volume, nvol)
				for v := range op.Volumes {
					op.Volumes[v] = volume(36.6, 35.9, index[v].Start, index[v].End)
				}
				err = tx.PutOperation(ctx, op, index)
			}
			if err != nil {
				return err
			}
			for _, iv := range index {
				stored = append(stored, entry{deconflict.Candidate{Kind: kind, Party: party, ID: id, Version: 1, Volume: iv.Volume}, iv})
			}
		}
		return nil
	})

	related := func(a, b []uint64) bool {
		for _, x := range a {
			for _, y := range b {
				if s2.CellID(x).Intersects(s2.CellID(y)) {
					return true
				}
			}
		}
		return false
	}
	nonEmpty := 0
	for i := range 300 {
		iv := randomEntry(rng)
		q := deconflict.CandidateQuery{Cells: iv.Cells, Start: iv.Start, End: iv.End,
			AltLowerM: iv.AltLowerM, AltUpperM: iv.AltUpperM, ExcludeParty: parties[rng.IntN(len(parties))]}
		want := []string{}
		for _, e := range stored {
			if e.cand.Party != q.ExcludeParty && related(e.index.Cells, q.Cells) &&
				e.index.Start.Before(q.End) && e.index.End.After(q.Start) &&
				e.index.AltLowerM <= q.AltUpperM && e.index.AltUpperM >= q.AltLowerM {
				want = append(want, candIDs([]deconflict.Candidate{e.cand})[0])
			}
		}
		slices.Sort(want)
		got, err := s.Candidates(ctx, q)
		if err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
		if len(want) > 0 {
			nonEmpty++
		}
		sameJSON(t, fmt.Sprintf("query %d (%d cells from level %d)", i, len(q.Cells), minLevel(q.Cells)), candIDs(got), want)
	}
	if nonEmpty < 100 {
		t.Fatalf("only %d of 300 random queries found anything: the test tests too little", nonEmpty)
	}
}

// randomEntry returns an index entry of 1 to 30 cells of any level (mostly
// 6 to 16, with the odd face cell and leaf) near Idlib, possibly nested, in
// force for minutes to days (or always), in an altitude band.
func randomEntry(rng *rand.Rand) deconflict.IndexedVolume {
	centre := s2.LatLngFromDegrees(35.9+rng.NormFloat64()*0.3, 36.6+rng.NormFloat64()*0.3)
	n := 1 + rng.IntN(30)
	cells := make([]uint64, 0, n)
	for range n {
		ll := s2.LatLngFromDegrees(centre.Lat.Degrees()+rng.NormFloat64()*0.1, centre.Lng.Degrees()+rng.NormFloat64()*0.1)
		level := 6 + rng.IntN(11)
		switch rng.IntN(20) {
		case 0:
			level = rng.IntN(6)
		case 1:
			level = 17 + rng.IntN(14)
		}
		cells = append(cells, uint64(s2.CellIDFromLatLng(ll).Parent(level)))
	}
	if rng.IntN(2) == 0 {
		cu := s2.CellUnion(make([]s2.CellID, len(cells)))
		for i, c := range cells {
			cu[i] = s2.CellID(c)
		}
		cu.Normalize()
		cells = cells[:0]
		for _, c := range cu {
			cells = append(cells, uint64(c))
		}
	}
	start := at(0, 0).Add(time.Duration(rng.IntN(3*24*60)) * time.Minute)
	end := start.Add(time.Duration(1+rng.IntN(180)) * time.Minute)
	switch rng.IntN(10) {
	case 0:
		end = start.Add(time.Duration(1+rng.IntN(30)) * 24 * time.Hour)
	case 1:
		start, end = deconflict.StartOfTime, deconflict.EndOfTime
	}
	lower := float64(rng.IntN(12_000))
	return deconflict.IndexedVolume{Cells: cells, Start: start, End: end,
		AltLowerM: lower, AltUpperM: lower + float64(rng.IntN(3000))}
}

func minLevel(cells []uint64) int {
	l := s2.MaxLevel
	for _, c := range cells {
		l = min(l, s2.CellID(c).Level())
	}
	return l
}
