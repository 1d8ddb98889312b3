// Package delivery pushes each party's events to the webhooks it registered
// (SPEC §5): in event id order, at least once, signed, retried with
// exponential backoff and full jitter until the receiver takes them, and
// picked up where it left off after a restart. It also checks webhook URLs
// when a party registers one, and verifies signatures for receivers.
//
// It must not decide what an event says or who gets it (the store already
// holds each recipient's redacted copy), write SQL, or serve HTTP: the store
// comes in through the small Store interface and the API calls CheckURL,
// Notify and Reload.
//
// # What a receiver gets
//
// Each event is one POST to the webhook's URL whose body is the event as JSON,
// the same object the SSE stream sends:
//
//	{"id": 42, "kind": "conflict.opened", "time": "...", "needs_ack": true, "data": {...}}
//
// with these headers:
//
//	Content-Type: application/json
//	Deconflict-Event-Id: 42
//	Deconflict-Event-Kind: conflict.opened
//	Deconflict-Webhook-Id: <the webhook's id>
//	Deconflict-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
//
// Any 2xx answer means "taken"; anything else (another status, no answer
// within the timeout, a refused connection) makes the exchange send the same
// event again later, and no later event is sent before it. Redirects are not
// followed. Because delivery is at least once, a receiver should drop an
// event whose id it has already seen; ids of one party only increase.
//
// # Checking the signature
//
// The signature header holds a timestamp t (decimal Unix seconds, taken when
// the attempt is made, so every retry is signed afresh) and one or more v1
// values. To check it:
//
//  1. split the header on "," and each part on the first "="; take t and
//     every v1 (ignore other keys: they leave room for new schemes);
//  2. compute HMAC-SHA256 with the webhook's secret (its bytes as given in
//     PUT /v1/webhooks/{id}) as key over the bytes t + "." + body, where t
//     is the header's decimal text and body the raw request body, and
//     hex-encode it in lower case;
//  3. accept if it equals any v1 (compare in constant time) and t is within
//     a few minutes of the receiver's clock: the timestamp is signed, so an
//     old request replayed later is refused.
//
// VerifySignature does exactly this for Go receivers.
package delivery
