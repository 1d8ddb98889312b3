// Package strategic decides conflicts between planned activity before anyone
// flies: it validates and compiles submitted operations and zones, finds
// candidates in the store's cell index, judges each pair with the exact
// predicate of package geo, enforces awareness and zone policy, stores the
// resulting conflicts, and shows each party only what it needs to know.
//
// It implements deconflict.OperationService, ZoneService and ConflictService.
// It must not know HTTP or SQL, and must never reveal the party, id or
// geometry of an object to a party that may not see it, in any field or
// message.
package strategic
