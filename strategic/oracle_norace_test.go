//go:build !race

package strategic_test

// raceEnabled is set when the race detector runs (see oracle_race_test.go).
const raceEnabled = false
