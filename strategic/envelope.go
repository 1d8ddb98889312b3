package strategic

import (
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/geo"
)

// The candidate index is searched by overlap of envelopes. In space, each
// side's covering holds its footprint widened by its buffer and by half the
// lateral minimum between operations (all of a zone's own minimum for a
// zone): two operations less than bufA + bufB + H apart then share a point
// on the shortest path between them within bufA + H/2 of one and bufB + H/2
// of the other, so their coverings meet; and an operation within reach of a
// zone meets the zone's covering with its buffer alone. One covering per
// volume thus serves both the index and the search. In time and altitude,
// a stored envelope holds what its owner brings (for a zone its own vertical
// minimum) and a query widens the submitted side by the rest (the vertical
// minimum, the time buffer). The exact predicate then drops the pairs that
// only came close.

// coverings returns one covering per volume, each widened by its buffer
// and by extra metres.
func coverings(vols []*geo.Volume, extraM float64) [][]uint64 {
	out := make([][]uint64, len(vols))
	for i, v := range vols {
		out[i] = cells(geo.Cover(v.Footprint, v.BufferM+extraM))
	}
	return out
}

// operationIndex returns the index entries of an operation's volumes.
func operationIndex(vols []*geo.Volume, covs [][]uint64) []deconflict.IndexedVolume {
	out := make([]deconflict.IndexedVolume, len(vols))
	for i, v := range vols {
		out[i] = deconflict.IndexedVolume{
			Volume:    i,
			Cells:     covs[i],
			Start:     v.Start,
			End:       v.End,
			AltLowerM: v.AltLowerM,
			AltUpperM: v.AltUpperM,
		}
	}
	return out
}

// zoneIndex returns the index entries of a zone's volumes, widened by the
// zone's own minima m.
func zoneIndex(vols []*geo.Volume, m deconflict.Minima, covs [][]uint64) []deconflict.IndexedVolume {
	out := make([]deconflict.IndexedVolume, len(vols))
	for i, v := range vols {
		out[i] = deconflict.IndexedVolume{
			Volume:    i,
			Cells:     covs[i],
			Start:     v.Start,
			End:       v.End,
			AltLowerM: v.AltLowerM - m.VerticalM,
			AltUpperM: v.AltUpperM + m.VerticalM,
		}
	}
	return out
}

// queries returns one candidate query per volume, with its covering, widened
// by the vertical minimum m that the submitted side must bring (the
// operation minimum for an operation, the zone's own for a zone) and by the
// time buffer.
func queries(vols []*geo.Volume, covs [][]uint64, m deconflict.Minima, timeBuffer time.Duration, party string) []deconflict.CandidateQuery {
	out := make([]deconflict.CandidateQuery, len(vols))
	for i, v := range vols {
		out[i] = deconflict.CandidateQuery{
			Cells:        covs[i],
			Start:        clampTime(v.Start.Add(-timeBuffer)),
			End:          clampTime(v.End.Add(timeBuffer)),
			AltLowerM:    v.AltLowerM - m.VerticalM,
			AltUpperM:    v.AltUpperM + m.VerticalM,
			ExcludeParty: party,
		}
	}
	return out
}

// clampTime keeps widened open-ended windows within what a store must hold.
func clampTime(t time.Time) time.Time {
	if t.Before(deconflict.StartOfTime) {
		return deconflict.StartOfTime
	}
	if t.After(deconflict.EndOfTime) {
		return deconflict.EndOfTime
	}
	return t
}

func cells[C ~uint64](ids []C) []uint64 {
	out := make([]uint64, len(ids))
	for i, id := range ids {
		out[i] = uint64(id)
	}
	return out
}
