// Package api is the HTTP API of the exchange (SPEC §6): routes, bearer-token
// authentication, strict request decoding into domain types, problem+json
// errors, the OpenAPI document, health, readiness and Prometheus metrics.
//
// It holds no business logic: a handler decodes and checks the shape of a
// request, calls one of the services of the root package and encodes the
// answer. It must not decide conflicts, touch a store or compute geometry;
// geometry faults come back from the services already carrying JSON paths.
// Bad input must never get a 500, crash or stall the server.
package api
