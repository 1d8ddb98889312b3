package events

import (
	"context"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/ledger"
)

// MaxEntries is the most ledger entries one read returns.
const MaxEntries = 1000

// Checkpoint signs the ledger's committed head.
func (s *Service) Checkpoint(ctx context.Context) ([]byte, error) {
	h, err := s.cfg.Store.LedgerHead(ctx)
	if err != nil {
		return nil, err
	}
	return s.cfg.Signer.Sign(uint64(h.Size), h.Root)
}

// VerifierKey is the key checkpoints verify with.
func (s *Service) VerifierKey() string { return s.cfg.Signer.VerifierKey() }

// Entries returns entries [start, end) as the caller may see them.
func (s *Service) Entries(ctx context.Context, c deconflict.Caller, start, end int64) ([]deconflict.LedgerEntryView, error) {
	h, err := s.cfg.Store.LedgerHead(ctx)
	if err != nil {
		return nil, err
	}
	if start < 0 || end < start {
		return nil, deconflict.Invalid("start and end must satisfy 0 <= start <= end",
			deconflict.FieldError{Field: "start", Message: "must be at least 0 and at most end"})
	}
	end = min(end, h.Size, start+MaxEntries)
	recs, err := s.cfg.Store.LedgerEntries(ctx, start, end)
	if err != nil {
		return nil, err
	}
	var groups []string
	if c.Party != "" {
		p, err := s.cfg.Store.Party(ctx, c.Party)
		if err != nil {
			return nil, err
		}
		groups = p.Groups
	}
	out := make([]deconflict.LedgerEntryView, len(recs))
	for i, r := range recs {
		out[i] = deconflict.LedgerEntryView{Index: r.Index, LeafHash: r.LeafHash}
		e := ledger.Entry{Audience: r.Audience}
		if c.Party != "" && e.VisibleTo(c.Party, groups) {
			out[i].Entry = string(r.Canonical)
		}
	}
	return out, nil
}

// InclusionProof proves entry index in the tree of size entries.
func (s *Service) InclusionProof(ctx context.Context, index, size int64) ([][]byte, error) {
	h, err := s.cfg.Store.LedgerHead(ctx)
	if err != nil {
		return nil, err
	}
	if index < 0 || size < 0 {
		return nil, deconflict.Errorf(deconflict.EINVALID, "index and size must not be negative")
	}
	return ledger.InclusionProof(ctx, ledger.StoredNodes(s.cfg.Store), uint64(h.Size), uint64(index), uint64(size))
}

// ConsistencyProof proves the tree of to entries extends that of from.
func (s *Service) ConsistencyProof(ctx context.Context, from, to int64) ([][]byte, error) {
	h, err := s.cfg.Store.LedgerHead(ctx)
	if err != nil {
		return nil, err
	}
	if from < 0 || to < 0 {
		return nil, deconflict.Errorf(deconflict.EINVALID, "from and to must not be negative")
	}
	return ledger.ConsistencyProof(ctx, ledger.StoredNodes(s.cfg.Store), uint64(h.Size), uint64(from), uint64(to))
}
