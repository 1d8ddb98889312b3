package cellindex

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// randomVolume draws an envelope near a few hot spots, so that searches
// find many candidates at every cell level, in windows from minutes to all
// of time.
func randomVolume(rng *rand.Rand, i int) deconflict.IndexedVolume {
	base := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	center := s2.PointFromLatLng(s2.LatLngFromDegrees(33+rng.Float64()*4, 36+rng.Float64()*4))
	if rng.IntN(10) == 0 { // across the antimeridian and near a pole
		center = s2.PointFromLatLng(s2.LatLngFromDegrees(-89+rng.Float64()*178, 179.5+rng.Float64()))
	}
	level := 4 + rng.IntN(14)
	c := s2.CellFromPoint(center).ID().Parent(level)
	cells := []uint64{uint64(c)}
	nb := c.EdgeNeighbors()
	for _, n := range nb[:rng.IntN(4)] {
		cells = append(cells, uint64(n))
	}
	if rng.IntN(3) == 0 {
		cells = append(cells, uint64(c.Children()[rng.IntN(4)].Parent(level+1).ChildBegin()))
	}
	start := base.Add(time.Duration(rng.IntN(48*60)) * time.Minute)
	end := start.Add(time.Duration(1+rng.IntN(180)) * time.Minute)
	switch rng.IntN(15) {
	case 0:
		start, end = deconflict.StartOfTime, deconflict.EndOfTime
	case 1:
		end = start.Add(time.Duration(rng.IntN(60)) * 24 * time.Hour)
	}
	lo := float64(rng.IntN(10_000))
	return deconflict.IndexedVolume{Volume: i, Cells: cells, Start: start, End: end, AltLowerM: lo, AltUpperM: lo + float64(rng.IntN(3000))}
}

// bruteForce is the definition of a candidate, checked pair by pair.
func bruteForce(stored map[ObjectKey][]deconflict.IndexedVolume, versions map[ObjectKey]int64, q deconflict.CandidateQuery) []deconflict.Candidate {
	out := []deconflict.Candidate{}
	for k, vols := range stored {
		if k.Party == q.ExcludeParty {
			continue
		}
		for _, v := range vols {
			if !(FloorMilli(v.Start) < CeilMilli(q.End) && CeilMilli(v.End) > FloorMilli(q.Start)) ||
				v.AltLowerM > q.AltUpperM || v.AltUpperM < q.AltLowerM {
				continue
			}
			hit := false
			for _, a := range v.Cells {
				for _, b := range q.Cells {
					hit = hit || s2.CellID(a).Contains(s2.CellID(b)) || s2.CellID(b).Contains(s2.CellID(a))
				}
			}
			if hit {
				out = append(out, deconflict.Candidate{Kind: k.Kind, Party: k.Party, ID: k.ID, Version: versions[k], Volume: v.Volume})
			}
		}
	}
	slices.SortFunc(out, compareCandidates)
	return out
}

// TestCandidatesEqualBruteForce fills an index with random envelopes,
// replaces and removes some, and checks every search against the
// definition.
func TestCandidatesEqualBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	ix := New()
	stored := map[ObjectKey][]deconflict.IndexedVolume{}
	versions := map[ObjectKey]int64{}
	keys := []ObjectKey{}
	for i := range 3000 {
		kind := deconflict.KindOperation
		if i%10 == 0 {
			kind = deconflict.KindZone
		}
		k := ObjectKey{Kind: kind, Party: fmt.Sprintf("p%d", rng.IntN(5)), ID: fmt.Sprintf("o%d", i)}
		var vols []deconflict.IndexedVolume
		for j := range 1 + rng.IntN(3) {
			vols = append(vols, randomVolume(rng, j))
		}
		ix.Put(k, 1, vols, hitPayload{k, 1})
		stored[k], versions[k] = vols, 1
		keys = append(keys, k)
	}
	for range 1000 { // replace, remove, put back
		k := keys[rng.IntN(len(keys))]
		switch rng.IntN(3) {
		case 0:
			ix.Remove(k)
			delete(stored, k)
		default:
			vols := []deconflict.IndexedVolume{randomVolume(rng, 0)}
			versions[k]++
			ix.Put(k, versions[k], vols, hitPayload{k, versions[k]})
			stored[k] = vols
		}
	}
	if ix.Len() != len(stored) {
		t.Fatalf("index holds %d objects, want %d", ix.Len(), len(stored))
	}
	found := 0
	for i := range 500 {
		v := randomVolume(rng, 0)
		q := deconflict.CandidateQuery{Cells: v.Cells, Start: v.Start, End: v.End, AltLowerM: v.AltLowerM, AltUpperM: v.AltUpperM, ExcludeParty: fmt.Sprintf("p%d", rng.IntN(6))}
		got, want := ix.Candidates(q), bruteForce(stored, versions, q)
		if !slices.Equal(got, want) {
			t.Fatalf("query %d: got %d candidates, want %d:\ngot  %v\nwant %v", i, len(got), len(want), got, want)
		}
		// The same search as hits, each naming what its object was filed with.
		var fromHits []deconflict.Candidate
		for _, h := range ix.AppendHits(nil, q) {
			p := h.Payload.(hitPayload)
			fromHits = append(fromHits, deconflict.Candidate{Kind: p.k.Kind, Party: p.k.Party, ID: p.k.ID, Version: p.version, Volume: h.Volume})
		}
		slices.SortFunc(fromHits, compareCandidates)
		if !slices.Equal(fromHits, want) {
			t.Fatalf("query %d: hits name %d candidates, want %d:\ngot  %v\nwant %v", i, len(fromHits), len(want), fromHits, want)
		}
		found += len(got)
	}
	if found < 500 {
		t.Fatalf("the searches found only %d candidates in all: the test data does not exercise the index", found)
	}
	for _, k := range keys {
		ix.Remove(k)
	}
	if ix.Len() != 0 || len(ix.buckets) != 0 {
		t.Fatalf("after removing everything: %d objects, %d buckets left", ix.Len(), len(ix.buckets))
	}
}

// hitPayload is what the test files each object with: its key and version.
type hitPayload struct {
	k       ObjectKey
	version int64
}
