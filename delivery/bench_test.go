package delivery

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

// BenchmarkDispatch measures delivery throughput to a local receiver that
// answers 204 at once: b.N events spread over the webhooks of `webhooks`
// parties, from the first Notify until every cursor reached its party's last
// event. One op is one event delivered (signed, POSTed, recorded).
func BenchmarkDispatch(b *testing.B) {
	for _, hooks := range []int{1, 8} {
		b.Run(fmt.Sprintf("webhooks=%d", hooks), func(b *testing.B) {
			var got atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				got.Add(1)
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			st := newMemStore()
			last := map[string]int64{}
			for i := range hooks {
				party := fmt.Sprintf("p%d", i)
				st.putHook(hook(party, "h", srv.URL, "secret"))
			}
			for i := range b.N {
				party := fmt.Sprintf("p%d", i%hooks)
				evs := st.add(party, 1, deconflict.EventAlertRaised)
				last[party] = evs[0].ID
			}
			ctx, cancel := context.WithCancel(context.Background())
			d := New(st, Options{PageSize: 100, Poll: time.Hour})
			done := make(chan struct{})
			b.ResetTimer()
			go func() { d.Run(ctx); close(done) }()
			for {
				all := true
				for party, id := range last {
					if st.cursor(party, "h") != id {
						all = false
						break
					}
				}
				if all {
					break
				}
				time.Sleep(100 * time.Microsecond)
			}
			b.StopTimer()
			cancel()
			<-done
			if got.Load() < int64(b.N) {
				b.Fatalf("receiver got %d of %d", got.Load(), b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
