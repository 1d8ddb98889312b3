package sqlite

import (
	"context"
	"sync/atomic"
)

// Stats counts the writer's work since Open, for metrics and tests.
type Stats struct {
	Transactions int64 // closures run (committed or not)
	Batches      int64 // BEGIN ... COMMIT rounds
	MaxBatch     int64 // most closures in one batch
	Queued       int   // Transact calls waiting for the writer now
}

type counters struct {
	transactions, batches, maxBatch atomic.Int64
}

func (c *counters) batch(n int) {
	c.transactions.Add(int64(n))
	c.batches.Add(1)
	for {
		m := c.maxBatch.Load()
		if int64(n) <= m || c.maxBatch.CompareAndSwap(m, int64(n)) {
			return
		}
	}
}

// Stats returns the writer's counters.
func (s *Store) Stats() Stats {
	return Stats{
		Transactions: s.stats.transactions.Load(),
		Batches:      s.stats.batches.Load(),
		MaxBatch:     s.stats.maxBatch.Load(),
		Queued:       len(s.queue),
	}
}

// UserVersion returns the schema version recorded in the database file.
func (s *Store) UserVersion(ctx context.Context) (int, error) {
	var v int
	err := s.readDB.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}
