package strategic

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"

	"github.com/deconflict/deconflict"
)

// TestRefIsStable pins the opaque reference to its definition, HMAC-SHA256
// under the exchange's key of "kind|party|id|version", first 16 bytes in
// base64url: parties keep refs they were shown and name them in aware_of
// later, so the encoding may never change. It also uses the pooled MACs
// from many goroutines at once.
func TestRefIsStable(t *testing.T) {
	s := &Service{refKey: []byte("0123456789abcdef0123456789abcdef")}
	want := func(o deconflict.ObjectRef) string {
		m := hmac.New(sha256.New, s.refKey)
		fmt.Fprintf(m, "%s|%s|%s|%d", o.Kind, o.Party, o.ID, o.Version)
		return "r_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				o := deconflict.ObjectRef{Kind: deconflict.KindOperation, Party: fmt.Sprint("party-", g), ID: fmt.Sprint("op.", i, "_x"), Version: int64(i * 1_000_003)}
				if i%2 == 1 {
					o.Kind = deconflict.KindZone
				}
				if got, w := s.ref(o), want(o); got != w {
					t.Errorf("ref(%+v) = %s, want %s", o, got, w)
					return
				}
			}
		})
	}
	wg.Wait()
}
