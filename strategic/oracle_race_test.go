//go:build race

package strategic_test

// raceEnabled is set when the race detector runs: the SQLite driver then
// runs about fifteen times slower, and the property tests do fewer runs.
const raceEnabled = true
