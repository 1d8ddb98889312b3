// Package live is the service behind the live picture (SPEC §4): it owns the
// tactical engine, decides whose aircraft each report is (the reporter's own,
// or the party a surveillance reporter names), keeps the engine's zones and
// operations in step with the store, drops stale tracks every second, and
// turns every alert transition into events for the parties concerned,
// written with their ledger entries by a background writer that batches a
// burst of transitions into one store transaction. It also keeps each
// party's track sharing setting and answers what tracks and alerts a party
// may see.
//
// It knows nothing of HTTP or of input formats (packages api and feed do
// that), and it decides no alert itself (package tactical does).
package live
