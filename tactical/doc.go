// Package tactical is the live picture: it holds the latest report of every
// aircraft in memory, predicts each path linearly along its great circle
// (ground speed, track, vertical rate) over a look-ahead, and raises,
// updates and clears the alerts of SPEC §4: separation (two aircraft of
// different parties predicted to break both minima at once), airspace_entry
// and zone_entry (a path entering another party's zone), and nonconformance
// (an aircraft outside the volumes of its own party's active operation).
// Each alert transition names the parties to tell.
//
// It is pure computation plus a clock: it must not do I/O, touch a store or
// know HTTP. Its caller resolves each report's party, feeds it reports, zones
// and operations, and turns transitions into events.
//
// Time: report times, not arrival times, drive every prediction, so a
// replay gives the alerts that the live run gave. A pair of aircraft is
// judged at the later of their two report times, the other extrapolated
// (never more than StaleAfter apart); a zone or an operation is judged at the
// aircraft's own report time.
//
// Accuracy: separation uses the state-based method of the BlueSky simulator
// in a plane tangent to the sphere midway between the two aircraft; against
// exact great-circle motion its lateral distances err by at most 2 m plus
// 0.02% for aircraft within 100 km of each other (TestSeparationErrorBound).
// Zone entry and conformance use the zones' exact spherical geometry
// (geo.Buffered). The indexes only find candidates; they never decide.
//
// Concurrency: Update is safe for concurrent use and scales across cores.
// Tracks are filed, without locks for readers, in a grid of cells by the
// centre of a cap bounding where they can be; zones in an immutable grid of
// the cells from which a track can reach them within the look-ahead.
package tactical
