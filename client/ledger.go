package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/deconflict/deconflict"
)

// LedgerKey returns the verifier key the server signs checkpoints for.
func (c *Client) LedgerKey(ctx context.Context) (string, error) {
	var out struct {
		VerifierKey string `json:"verifier_key"`
	}
	_, err := c.do(ctx, request{method: "GET", path: "/v1/ledger/key", out: &out})
	return out.VerifierKey, err
}

// Checkpoint returns the latest checkpoint, a signed note.
func (c *Client) Checkpoint(ctx context.Context) ([]byte, error) {
	var note []byte
	_, err := c.do(ctx, request{method: "GET", path: "/v1/ledger/checkpoint", out: &note})
	return note, err
}

// LedgerEntries returns entries [start, end) as the caller may see them
// (at most a page; ask again from the last index + 1).
func (c *Client) LedgerEntries(ctx context.Context, start, end int64) ([]deconflict.LedgerEntryView, error) {
	var out struct {
		Entries []deconflict.LedgerEntryView `json:"entries"`
	}
	q := url.Values{"start": {strconv.FormatInt(start, 10)}, "end": {strconv.FormatInt(end, 10)}}
	_, err := c.do(ctx, request{method: "GET", path: "/v1/ledger/entries", query: q, out: &out})
	return out.Entries, err
}

// InclusionProof returns the proof that entry index is in the tree of size.
func (c *Client) InclusionProof(ctx context.Context, index, size int64) ([][]byte, error) {
	var out struct {
		Proof [][]byte `json:"proof"`
	}
	q := url.Values{"index": {strconv.FormatInt(index, 10)}, "size": {strconv.FormatInt(size, 10)}}
	_, err := c.do(ctx, request{method: "GET", path: "/v1/ledger/proofs/inclusion", query: q, out: &out})
	return out.Proof, err
}

// ConsistencyProof returns the proof that the tree of to extends that of from.
func (c *Client) ConsistencyProof(ctx context.Context, from, to int64) ([][]byte, error) {
	var out struct {
		Proof [][]byte `json:"proof"`
	}
	q := url.Values{"from": {strconv.FormatInt(from, 10)}, "to": {strconv.FormatInt(to, 10)}}
	_, err := c.do(ctx, request{method: "GET", path: "/v1/ledger/proofs/consistency", query: q, out: &out})
	return out.Proof, err
}
