// Package feed reads live and recorded aircraft positions into
// deconflict.TrackReport values: NDJSON track reports (the SPEC §6 shape),
// SBS-1 BaseStation text (dump1090/readsb port 30003), and OpenSky Network
// state vectors (the REST /states/all JSON and the historical CSV).
//
// Every reader streams: it holds one line (bounded by Options.MaxLineBytes)
// and, for SBS-1, a bounded table of aircraft; nothing grows with the length
// of the input. A malformed line is counted and reported to
// Options.OnMalformed, never returned from Next and never a reason to stop:
// Next returns reports, io.EOF at the end, or a fatal error (a failed read,
// an unusable CSV header, or whatever OnMalformed chose to return). Every
// report Next returns passes TrackReport.Validate("").
//
// The package does no network I/O and no tactical reasoning: it turns bytes
// into reports. Who owns an aircraft (the party) is not its business either;
// only NDJSON reports carry a party, and the server judges it.
package feed
