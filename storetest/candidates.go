package storetest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/golang/geo/s2"

	"github.com/deconflict/deconflict"
)

// cell is the level-10 S2 cell over Idlib, where the stored volumes sit.
var cell = s2.CellIDFromLatLng(s2.LatLngFromDegrees(35.93, 36.63)).Parent(10)

func ids(cs ...s2.CellID) []uint64 {
	out := make([]uint64, len(cs))
	for i, c := range cs {
		out[i] = uint64(c)
	}
	return out
}

func candIDs(cs []deconflict.Candidate) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, string(c.Kind)+":"+c.Party+"/"+c.ID+"#"+strconv.FormatInt(c.Version, 10)+"."+strconv.Itoa(c.Volume))
	}
	return out
}

func testCandidates(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	mustParty(t, s, "p1", "p2", "p3")
	// p1's operation: volume 0 in cell over [10:00, 11:00) at 1000-2000 m;
	// volume 1 in two level-12 children of the cell's neighbour, later.
	op := operation("p1", "op", deconflict.StateActive, at(10, 0), at(11, 0))
	op.Volumes = append(op.Volumes, volume(36.7, 35.9, at(11, 0), at(12, 0)))
	neighbour := cell.EdgeNeighbors()[0]
	index := []deconflict.IndexedVolume{
		{Volume: 0, Cells: ids(cell), Start: at(10, 0), End: at(11, 0), AltLowerM: 1000, AltUpperM: 2000},
		{Volume: 1, Cells: ids(neighbour.ChildBeginAtLevel(12), neighbour.ChildBeginAtLevel(12).Next()),
			Start: at(11, 0), End: at(12, 0), AltLowerM: 1000, AltUpperM: 2000},
	}
	// p3's zone: in force always, at every altitude, over a level-4 ancestor.
	z := zone("p3", "airspace", deconflict.ZoneAirspace)
	zindex := []deconflict.IndexedVolume{{Volume: 0, Cells: ids(cell.Parent(4)),
		Start: deconflict.StartOfTime, End: deconflict.EndOfTime, AltLowerM: deconflict.MinAltitudeM, AltUpperM: deconflict.MaxAltitudeM}}
	// p2's closed operation is put with no index entries.
	closed := operation("p2", "done", deconflict.StateClosed, at(10, 0), at(11, 0))
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		if err := tx.PutOperation(ctx, op, index); err != nil {
			return err
		}
		if err := tx.PutOperation(ctx, closed, nil); err != nil {
			return err
		}
		return tx.PutZone(ctx, z, zindex)
	})

	opVol0 := "operation:p1/op#1.0"
	opVol1 := "operation:p1/op#1.1"
	zoneVol := "zone:p3/airspace#1.0"
	q := func(cells []uint64, start, end time.Time, lo, hi float64) deconflict.CandidateQuery {
		return deconflict.CandidateQuery{Cells: cells, Start: start, End: end, AltLowerM: lo, AltUpperM: hi, ExcludeParty: "p2"}
	}
	leaf := s2.CellIDFromLatLng(cell.LatLng()) // a level-30 descendant
	far := s2.CellIDFromLatLng(s2.LatLngFromDegrees(-33.9, 151.2)).Parent(10)
	cases := []struct {
		name string
		q    deconflict.CandidateQuery
		want []string
	}{
		{"equal cell", q(ids(cell), at(10, 0), at(11, 0), 1000, 2000), []string{opVol0, zoneVol}},
		{"query cell is a descendant of a stored cell", q(ids(cell.ChildBeginAtLevel(13)), at(10, 30), at(10, 40), 1500, 1600), []string{opVol0, zoneVol}},
		{"query leaf cell", q(ids(leaf), at(10, 30), at(10, 40), 1500, 1600), []string{opVol0, zoneVol}},
		{"query cell is an ancestor of stored cells", q(ids(cell.Parent(7)), at(9, 0), at(13, 0), 0, 5000), []string{opVol0, opVol1, zoneVol}},
		{"query face cell", q(ids(s2.CellIDFromFace(cell.Face())), at(9, 0), at(13, 0), 0, 5000), []string{opVol0, opVol1, zoneVol}},
		{"two children of a stored cell's neighbour match once", q(ids(neighbour), at(11, 0), at(12, 0), 0, 5000), []string{opVol1, zoneVol}},
		{"several query cells, one result each", q(ids(cell, cell.ChildBeginAtLevel(11), neighbour, neighbour.ChildBeginAtLevel(12)), at(9, 0), at(13, 0), 0, 5000), []string{opVol0, opVol1, zoneVol}},
		{"disjoint sibling cell", q(ids(cell.Parent(9).ChildBegin().Next().Next()), at(9, 0), at(13, 0), 0, 5000), []string{zoneVol}},
		{"far away", q(ids(far), at(9, 0), at(13, 0), 0, 5000), []string{}},
		{"window ending where the stored one starts", q(ids(cell), at(9, 0), at(10, 0), 0, 5000), []string{zoneVol}},
		{"window starting where the stored one ends", q(ids(cell), at(11, 0), at(11, 30), 0, 5000), []string{zoneVol}},
		{"window overlapping by a millisecond", q(ids(cell), at(9, 0), at(10, 0).Add(time.Millisecond), 0, 5000), []string{opVol0, zoneVol}},
		{"window overlapping by a microsecond", q(ids(cell), at(11, 0).Add(-time.Microsecond), at(11, 30), 0, 5000), []string{opVol0, zoneVol}},
		{"altitude touching from above", q(ids(cell), at(10, 0), at(11, 0), 2000, 3000), []string{opVol0, zoneVol}},
		{"altitude touching from below", q(ids(cell), at(10, 0), at(11, 0), 0, 1000), []string{opVol0, zoneVol}},
		{"altitude above", q(ids(cell), at(10, 0), at(11, 0), 2000.5, 3000), []string{zoneVol}},
		{"altitude below", q(ids(cell), at(10, 0), at(11, 0), 0, 999.5), []string{zoneVol}},
		{"zone in force far in the past", q(ids(cell), time.Date(5, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(5, 1, 2, 0, 0, 0, 0, time.UTC), 0, 5000), []string{zoneVol}},
		{"zone in force far in the future", q(ids(cell), time.Date(9998, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9998, 1, 2, 0, 0, 0, 0, time.UTC), 0, 5000), []string{zoneVol}},
		{"no cells", q(nil, at(10, 0), at(11, 0), 0, 5000), []string{}},
	}
	for _, c := range cases {
		got, err := s.Candidates(ctx, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sameJSON(t, c.name, candIDs(got), c.want)
	}

	// ExcludeParty leaves out the submitter's own objects.
	excl := q(ids(cell), at(10, 0), at(11, 0), 0, 5000)
	excl.ExcludeParty = "p1"
	got, err := s.Candidates(ctx, excl)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "excluding p1", candIDs(got), []string{zoneVol})
	excl.ExcludeParty = "p3"
	got, _ = s.Candidates(ctx, excl)
	sameJSON(t, "excluding p3", candIDs(got), []string{opVol0})

	// A transaction sees its own index entries.
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		if err := tx.DeleteZone(ctx, "p3", "airspace"); err != nil {
			return err
		}
		got, err := tx.Candidates(ctx, q(ids(cell), at(10, 0), at(11, 0), 0, 5000))
		if err != nil {
			return err
		}
		sameJSON(t, "inside the transaction that deleted the zone", candIDs(got), []string{opVol0})
		return nil
	})
	got, _ = s.Candidates(ctx, q(ids(cell.Parent(2)), deconflict.StartOfTime, deconflict.EndOfTime, -1000, 100000))
	sameJSON(t, "after deleting the zone", candIDs(got), []string{opVol0, opVol1})
}

func testCandidatesReplace(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	mustParty(t, s, "p1")
	all := deconflict.CandidateQuery{Cells: ids(cell.Parent(1)), Start: deconflict.StartOfTime, End: deconflict.EndOfTime,
		AltLowerM: deconflict.MinAltitudeM, AltUpperM: deconflict.MaxAltitudeM}
	other := cell.Parent(8).Next() // far enough from cell to share no descendants
	op := operation("p1", "op", deconflict.StatePlanned, at(10, 0), at(11, 0))
	entry := func(c s2.CellID) []deconflict.IndexedVolume {
		return []deconflict.IndexedVolume{{Volume: 0, Cells: ids(c), Start: at(10, 0), End: at(11, 0), AltLowerM: 0, AltUpperM: 100}}
	}
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.PutOperation(ctx, op, entry(cell)) })

	// A new version elsewhere loses the old entries.
	op.Version = 2
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.PutOperation(ctx, op, entry(other)) })
	check := func(name string, c s2.CellID, want []string) {
		t.Helper()
		q := all
		q.Cells = ids(c)
		got, err := s.Candidates(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sameJSON(t, name, candIDs(got), want)
	}
	check("old cell after replacing", cell, []string{})
	check("new cell after replacing", other, []string{"operation:p1/op#2.0"})
	check("everything after replacing", cell.Parent(1), []string{"operation:p1/op#2.0"})

	// Cancelled, put with no index: no entries left.
	op.Version, op.State = 3, deconflict.StateCancelled
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.PutOperation(ctx, op, nil) })
	check("after cancelling", cell.Parent(1), []string{})

	// A non-live operation put straight away has none either.
	mustParty(t, s, "p2")
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		return tx.PutOperation(ctx, operation("p2", "old", deconflict.StateClosed, at(10, 0), at(11, 0)), nil)
	})
	check("closed operation", cell.Parent(1), []string{})
}
