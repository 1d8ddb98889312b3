// Package tactical is the live picture: it holds the latest position of
// every aircraft in memory, predicts each path linearly along its great
// circle over a look-ahead, and raises, updates and clears the alerts of
// SPEC §4: separation (two aircraft of different parties predicted to come
// within both minima at once), airspace_entry and zone_entry (a path
// entering another party's zone), and nonconformance (an aircraft outside
// the volumes of its own active operation). Each alert transition names the
// parties to tell.
//
// It is pure computation plus a clock: it must not do I/O, touch a store or
// know HTTP. Its caller resolves each report's party, feeds it reports, zones
// and operations, and turns transitions into events. Report times, not
// arrival times, drive every prediction, so a replay gives the alerts that
// the live run gave.
//
// Update is safe for concurrent use and scales across cores: tracks are
// filed in a grid of cells by the centre of the cap that bounds where they
// can be within the look-ahead, read without locks; zones are filed in an
// immutable grid under the cells from which they can be reached. The
// neighbour filter is conservative, and every alert is decided by the exact
// test.
package tactical
