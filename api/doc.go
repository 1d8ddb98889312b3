// Package api is the HTTP API of the exchange (SPEC §6): routes, bearer-token
// authentication, strict request decoding into domain types, problem+json
// errors, the OpenAPI document, health, readiness and Prometheus metrics.
//
// It holds no business logic: a handler decodes and checks the shape of a
// request, calls one of the services of the root package and encodes the
// answer. It must not decide conflicts, touch a store or compute geometry;
// geometry faults come back from the services already carrying JSON paths.
// Bad input must never get a 500, crash or stall the server.
//
// Decisions a client sees:
//
//   - Bodies are strict JSON: exactly one object, member names matched
//     exactly (case included), unknown members refused with the list of
//     known ones, a member given twice refused, nesting deeper than 32
//     levels refused, null refused where a value is not optional (null for
//     an optional member means "left out").
//   - The id of PUT /v1/operations/{id} and /v1/zones/{id} comes from the
//     path and the party from the token. A body may repeat them (a client
//     sending back what it read) only if they are equal; otherwise 400.
//   - Query parameters a route does not take are refused, as is one given
//     twice: a typo must not silently widen a listing.
//   - Faults are named by JSON path in the body (volumes[2].buffer_m), by
//     name for query parameters (bbox) and path segments (id), and by
//     header name (If-Match).
//   - If-Match takes one version: "3", 3 or W/"3"; "*" and lists are refused.
//   - POST /v1/zones:import takes a FeatureCollection or a single Feature.
//     Members and properties it does not name are ignored (real files carry
//     many); the ones it names must have the right type. A zone's id comes
//     from the property named by ?id_from=, else the id property, else the
//     feature's own id, else ?id=.
//   - Unknown routes are 404, known paths with another method 405 with Allow;
//     both are problems too.
package api
