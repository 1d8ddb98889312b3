//go:build race

package main

// raceEnabled scales tests down under the race detector, which slows the
// in-process server several times over.
const raceEnabled = true
