package strategic

import (
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/geo"
)

// The candidate index is searched by overlap of envelopes. A stored envelope
// holds the volume widened by what its owner brings to any conflict (its
// buffer; for a zone also its own minima), and a query widens the submitted
// volume by everything else (its buffer, the operation minima, the time
// buffer). Every conflicting pair thus has overlapping envelopes; the exact
// predicate then drops the pairs that only came close.

// operationIndex returns the index entries of an operation's volumes.
func operationIndex(vols []*geo.Volume) []deconflict.IndexedVolume {
	out := make([]deconflict.IndexedVolume, len(vols))
	for i, v := range vols {
		out[i] = deconflict.IndexedVolume{
			Volume:    i,
			Cells:     cells(geo.Cover(v.Footprint, v.BufferM)),
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
func zoneIndex(vols []*geo.Volume, m deconflict.Minima) []deconflict.IndexedVolume {
	out := make([]deconflict.IndexedVolume, len(vols))
	for i, v := range vols {
		out[i] = deconflict.IndexedVolume{
			Volume:    i,
			Cells:     cells(geo.Cover(v.Footprint, v.BufferM+m.LateralM)),
			Start:     v.Start,
			End:       v.End,
			AltLowerM: v.AltLowerM - m.VerticalM,
			AltUpperM: v.AltUpperM + m.VerticalM,
		}
	}
	return out
}

// queries returns one candidate query per volume, widened by the minima m
// that the submitted side must bring (the operation minima for an operation,
// the zone's own for a zone) and by the time buffer.
func queries(vols []*geo.Volume, m deconflict.Minima, timeBuffer time.Duration, party string) []deconflict.CandidateQuery {
	out := make([]deconflict.CandidateQuery, len(vols))
	for i, v := range vols {
		out[i] = deconflict.CandidateQuery{
			Cells:        cells(geo.Cover(v.Footprint, v.BufferM+m.LateralM)),
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
