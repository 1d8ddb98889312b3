//go:build race

package tactical_test

// raceEnabled is set when the race detector runs: the randomised tests then
// fly fewer rounds.
const raceEnabled = true
