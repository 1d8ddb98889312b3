package sqlite

import (
	"context"
)

// reader implements deconflict.Reader over one querier: the read pool for
// the Store, the writer's connection for a tx.
type reader struct {
	q     *querier
	tx    *tx    // nil outside a transaction
	store *Store // for the committed ledger and the cached parties
}

// begin prepares ctx for one call. Inside a transaction the caller's
// cancellation is dropped: a cancelled statement interrupts the connection,
// and SQLite answers an interrupted write by rolling back the whole
// transaction, which holds the other closures of the batch too. The closure
// still sees its ctx end between calls if it checks.
func (r *reader) begin(ctx context.Context) (context.Context, error) {
	if r.tx == nil {
		return ctx, nil
	}
	if r.tx.done.Load() {
		return nil, errTxDone
	}
	return context.WithoutCancel(ctx), nil
}
