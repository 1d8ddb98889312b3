package sqlite

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

// DriveTransactions runs n transactions through s.Transact from clients
// goroutines at once, transaction i running fn(ctx, i, tx), with the
// benchmark's clock running only around them, and reports what the store
// benchmarks compare: transactions a second and transactions a batch.
func DriveTransactions(b *testing.B, s *Store, clients, n int, fn func(ctx context.Context, i int, tx deconflict.Tx) error) {
	ctx := context.Background()
	before := s.Stats()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := s.Transact(ctx, func(tx deconflict.Tx) error { return fn(ctx, i, tx) }); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	st := s.Stats()
	b.ReportMetric(float64(n)/elapsed.Seconds(), "tx/s")
	b.ReportMetric(float64(st.Transactions-before.Transactions)/float64(max(1, st.Batches-before.Batches)), "tx/batch")
}
