//go:build !race

package tactical_test

// raceEnabled is set when the race detector runs (see race_test.go).
const raceEnabled = false
