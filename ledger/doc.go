// Package ledger is the verifiable record of the exchange (SPEC §5): canonical
// ledger entries, an RFC 6962 Merkle tree kept as stored nodes, inclusion and
// consistency proofs served from those nodes, checkpoints signed in the
// signed-note format (Ed25519), and the offline checks that any party runs
// with `deconflict verify`.
//
// It must not do I/O beyond the key file and the verifier's state folder: no
// SQL and no HTTP. A store appends entries inside its own write transactions
// (Appender), keeps the nodes that Append returns, and serves proofs through a
// NodeReader. Nothing here ever deletes or rewrites a leaf.
//
// # Canonical entry
//
// An entry's canonical bytes are one line of ASCII JSON, with no whitespace,
// the keys in this order and every key present:
//
//	{"kind":K,"time":T,"actor":A,"audience":[M1,M2,...],"object":O,"payload_sha256":H}
//
// Each value is a JSON string written between double quotes exactly as is: the
// alphabets below contain no character that JSON escapes, so there are no
// escape sequences.
//
//   - kind: 1 to 64 characters from [a-z._], such as "operation.put".
//   - time: UTC, exactly "YYYY-MM-DDTHH:MM:SS.ffffffZ" (six fractional digits,
//     microseconds; Go layout "2006-01-02T15:04:05.000000Z"), year 1970 to 9999.
//   - actor: a party id, 1 to 64 characters from [A-Za-z0-9._-]; "system" is
//     the exchange itself.
//   - audience: zero to 10,000 members, each a party id, "group:" followed by a
//     group id, or "all"; sorted in ascending byte order with no duplicates,
//     separated by "," ("[]" when empty).
//   - object: the object reference, 1 to 256 characters from
//     [A-Za-z0-9._~:/@+=#-], such as "operation/partyA/op-1@3".
//   - payload_sha256: the SHA-256 of the payload (the payload itself is not in
//     the entry) as 64 lowercase hexadecimal digits.
//
// Example (one line):
//
//	{"kind":"event.acked","time":"2026-11-24T07:20:08.300000Z","actor":"partyB","audience":["group:coalition","partyA"],"object":"event/42","payload_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}
//
// Any other byte sequence is not a canonical entry and DecodeEntry refuses it,
// so each entry has exactly one encoding and one leaf hash.
//
// # Tree
//
// The tree is RFC 6962 §2.1 with SHA-256: leaf hash = SHA-256(0x00 ||
// canonical bytes), interior node = SHA-256(0x01 || left || right), the root of
// the empty tree = SHA-256 of nothing. Node (level, index) is the root of the
// perfect subtree over leaves [index·2^level, (index+1)·2^level); only such
// perfect nodes are stored, so each is written once and never changes.
//
// # Checkpoint
//
// A checkpoint is a signed note (golang.org/x/mod/sumdb/note) whose text is
// exactly three lines, the transparency-dev checkpoint format without
// extension lines:
//
//	<origin>\n<size in decimal>\n<root, standard base64 with padding>\n
//
// followed by a blank line and the Ed25519 signature line of the key named
// <origin>. The verifier key (name+hash+key) is printed by the server at its
// first start and served to parties; a checkpoint is accepted only when that
// key signed it and its origin line equals the key's name.
package ledger
