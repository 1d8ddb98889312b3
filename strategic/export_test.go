package strategic

import (
	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/cellindex"
)

// IndexEntries lets the benchmark fill a store directly: it returns the
// index entries PutOperation would store for op.
func (s *Service) IndexEntries(op deconflict.Operation) ([]deconflict.IndexedVolume, error) {
	lim := s.settings.Limits
	vols, err := validateAll(func() error { return op.Validate(lim) }, op.Volumes, false, lim)
	if err != nil {
		return nil, err
	}
	return operationIndex(vols, coverings(vols, s.settings.OperationMinima.LateralM/2)), nil
}

// IndexCandidates answers q from the in-memory index, with the change up to
// which that index is complete.
func (s *Service) IndexCandidates(q deconflict.CandidateQuery) ([]deconflict.Candidate, int64) {
	seq := s.index.seq.Load()
	return s.index.ix.Load().Candidates(q), seq
}

// ForgetIndex empties the in-memory index and sets it before the oldest
// change the store keeps, as if it had fallen behind the change log.
func (s *Service) ForgetIndex() {
	s.index.ix.Store(cellindex.New())
	s.index.seq.Store(-1 << 40)
}

// RefusalsKept is how many refused submissions' work is kept for their
// resubmission.
func (s *Service) RefusalsKept() int {
	s.retries.mu.Lock()
	defer s.retries.mu.Unlock()
	return s.retries.c.Len()
}
