// Package deconflict is the domain glossary of the Deconflict exchange: parties,
// groups, 4D volumes, operations, zones and conflicts, the coded Error type, and
// the small interfaces that the strategic services, the stores and the HTTP API
// meet at.
//
// It does no I/O and imports nothing beyond the standard library. Geometry is
// checked and compiled by package geo, stored by package sqlite, decided by
// package strategic and served by package api.
package deconflict
