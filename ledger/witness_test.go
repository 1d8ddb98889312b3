package ledger

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

// server is an honest or dishonest ledger: its leaves, their stored nodes and
// its signing key, as the exchange would hold them.
type server struct {
	t      testing.TB
	signer *Signer
	leaves [][]byte
	store  *MemoryNodes
	tree   *Appender
}

func newServer(t testing.TB, s *Signer, leaves [][]byte) *server {
	store, a := buildTree(t, leaves, rand.New(rand.NewPCG(5, 6)))
	return &server{t: t, signer: s, leaves: leaves, store: store, tree: a}
}

func (s *server) checkpoint() []byte {
	b, err := s.signer.Sign(s.tree.Size(), s.tree.Root())
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

func (s *server) consistency(from uint64) [][]byte {
	p, err := ConsistencyProof(context.Background(), s.store, s.tree.Size(), from, s.tree.Size())
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

func TestWitnessFollowsAnHonestLedger(t *testing.T) {
	signer := testSigner(t)
	_, leaves := testLeaves(t, 50)
	dir := t.TempDir()
	w, err := OpenWitness(dir, signer.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := w.Latest(); ok || err != nil {
		t.Fatalf("new witness has a checkpoint: %v %v", ok, err)
	}
	last := uint64(0)
	for _, n := range []int{0, 1, 7, 8, 8, 33, 50} {
		srv := newServer(t, signer, leaves[:n])
		c, err := w.Update(srv.checkpoint(), srv.consistency(last))
		if err != nil {
			t.Fatalf("update to %d: %v", n, err)
		}
		if c.Size != uint64(n) || !bytes.Equal(c.Root, srv.tree.Root()) {
			t.Fatalf("update to %d returned %+v", n, c)
		}
		last = c.Size
	}
	// The state survives a restart of the verifier.
	w2, _ := OpenWitness(dir, signer.VerifierKey())
	c, note, ok, err := w2.Latest()
	if err != nil || !ok || c.Size != 50 {
		t.Fatalf("after reopen: %+v %v %v", c, ok, err)
	}
	if _, err := OpenCheckpoint(note, signer.VerifierKey()); err != nil {
		t.Fatalf("stored note does not verify: %v", err)
	}
	// A checkpoint from another key is refused and changes nothing.
	otherSigner, _, _ := LoadOrCreateKey(t.TempDir(), testOrigin)
	srv := newServer(t, otherSigner, leaves)
	if _, err := w2.Update(srv.checkpoint(), nil); !errors.Is(err, ErrSignature) {
		t.Fatalf("other key: %v", err)
	}
	// A different ledger key gets its own state file in the same folder.
	w3, _ := OpenWitness(dir, otherSigner.VerifierKey())
	if w3.Path() == w2.Path() {
		t.Fatal("two ledgers share one state file")
	}
	if _, err := w3.Update(srv.checkpoint(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestWitnessReportsRollbackAndFork(t *testing.T) {
	signer := testSigner(t)
	_, leaves := testLeaves(t, 40)
	honest := newServer(t, signer, leaves[:30])

	fresh := func() *Witness {
		w, err := OpenWitness(t.TempDir(), signer.VerifierKey())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Update(honest.checkpoint(), nil); err != nil {
			t.Fatal(err)
		}
		return w
	}

	t.Run("rollback", func(t *testing.T) {
		w := fresh()
		older := newServer(t, signer, leaves[:20])
		_, err := w.Update(older.checkpoint(), nil)
		var ev *EvidenceError
		if !errors.Is(err, ErrRollback) || errors.Is(err, ErrFork) || !errors.As(err, &ev) {
			t.Fatalf("got %v, want a rollback", err)
		}
		if ev.Old.Size != 30 || ev.New.Size != 20 || len(ev.OldNote) == 0 || len(ev.NewNote) == 0 {
			t.Fatalf("evidence %+v", ev)
		}
		assertKept(t, w, honest)
	})

	t.Run("same size other root", func(t *testing.T) {
		w := fresh()
		forged := slices.Clone(leaves[:30])
		forged[3] = leaves[35]
		_, err := w.Update(newServer(t, signer, forged).checkpoint(), nil)
		var ev *EvidenceError
		if !errors.Is(err, ErrFork) || !errors.As(err, &ev) {
			t.Fatalf("got %v, want a fork", err)
		}
		// Both notes verify on their own: the evidence convinces a third party.
		for _, n := range [][]byte{ev.OldNote, ev.NewNote} {
			if _, err := OpenCheckpoint(n, signer.VerifierKey()); err != nil {
				t.Fatal(err)
			}
		}
		assertKept(t, w, honest)
	})

	t.Run("bad consistency proof", func(t *testing.T) {
		w := fresh()
		grown := newServer(t, signer, leaves[:40])
		p := grown.consistency(30)
		p[len(p)-1] = bytes.Clone(p[len(p)-1])
		p[len(p)-1][0] ^= 1
		_, err := w.Update(grown.checkpoint(), p)
		if !errors.Is(err, ErrFork) || !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("got %v, want a fork with an invalid proof", err)
		}
		assertKept(t, w, honest)
		if _, err := w.Update(grown.checkpoint(), nil); !errors.Is(err, ErrFork) {
			t.Fatalf("no proof: %v", err)
		}
		// With the right proof it moves on.
		if c, err := w.Update(grown.checkpoint(), grown.consistency(30)); err != nil || c.Size != 40 {
			t.Fatalf("valid proof refused: %v", err)
		}
	})

	t.Run("damaged state", func(t *testing.T) {
		w := fresh()
		os.WriteFile(w.Path(), []byte("not a checkpoint"), 0o600)
		if _, _, _, err := w.Latest(); err == nil {
			t.Fatal("trusted a damaged state file")
		}
		if _, err := w.Update(honest.checkpoint(), nil); err == nil {
			t.Fatal("updated over a damaged state file")
		}
	})
}

func assertKept(t *testing.T, w *Witness, want *server) {
	t.Helper()
	c, _, ok, err := w.Latest()
	if err != nil || !ok || c.Size != want.tree.Size() || !bytes.Equal(c.Root, want.tree.Root()) {
		t.Fatalf("witness state changed to %+v (%v)", c, err)
	}
}

// TestTamperingDetected rewrites history in every way a dishonest server
// could (flip one entry, swap two neighbours, drop one), at every position,
// then grows the log, and checks that a party holding the honest checkpoint
// catches it: the consistency proof fails, the tampered entry's inclusion
// proof fails against the honest root, and the witness reports a fork.
func TestTamperingDetected(t *testing.T) {
	const n, extra = 24, 5
	ctx := context.Background()
	signer := testSigner(t)
	entries, leaves := testLeaves(t, n+extra+1)
	honest := newServer(t, signer, leaves[:n])
	honestRoot := honest.tree.Root()

	flip := func(i int) ([][]byte, int) {
		e := entries[i]
		e.PayloadSHA256[0] ^= 1 // the payload as recorded is changed
		lh, err := e.LeafHash()
		if err != nil {
			t.Fatal(err)
		}
		out := slices.Clone(leaves[:n])
		out[i] = lh
		return out, i
	}
	swap := func(i int) ([][]byte, int) {
		out := slices.Clone(leaves[:n])
		j := (i + 1) % n
		out[i], out[j] = out[j], out[i]
		return out, i
	}
	drop := func(i int) ([][]byte, int) {
		return slices.Delete(slices.Clone(leaves[:n]), i, i+1), i
	}
	for name, tamper := range map[string]func(int) ([][]byte, int){"flip": flip, "swap": swap, "drop": drop} {
		for i := range n {
			history, at := tamper(i)
			forged := append(history, leaves[n:n+extra+1]...)[:n+extra]
			bad := newServer(t, signer, forged)
			size := bad.tree.Size()

			p, err := ConsistencyProof(ctx, bad.store, size, n, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyConsistency(n, size, p, honestRoot, bad.tree.Root()); !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("%s at %d: consistency with the honest checkpoint: %v", name, i, err)
			}
			ip, err := InclusionProof(ctx, bad.store, size, uint64(at), n)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyInclusion(forged[at], uint64(at), n, ip, honestRoot); !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("%s at %d: inclusion of the forged entry against the honest root: %v", name, i, err)
			}
			if i == n/2 {
				w, _ := OpenWitness(t.TempDir(), signer.VerifierKey())
				if _, err := w.Update(honest.checkpoint(), nil); err != nil {
					t.Fatal(err)
				}
				if _, err := w.Update(bad.checkpoint(), p); !errors.Is(err, ErrFork) {
					t.Fatalf("%s at %d: witness: %v", name, i, err)
				}
			}
		}
	}
}

func TestVerifyErrorsSayWhatFailed(t *testing.T) {
	_, leaves := testLeaves(t, 9)
	srv := newServer(t, testSigner(t), leaves)
	root := srv.tree.Root()
	p, _ := InclusionProof(context.Background(), srv.store, 9, 4, 9)
	for name, err := range map[string]error{
		"wrong leaf":        VerifyInclusion(leaves[5], 4, 9, p, root),
		"wrong index":       VerifyInclusion(leaves[4], 5, 9, p, root),
		"index beyond":      VerifyInclusion(leaves[4], 9, 9, p, root),
		"short proof":       VerifyInclusion(leaves[4], 4, 9, p[1:], root),
		"long proof":        VerifyInclusion(leaves[4], 4, 9, append(slices.Clone(p), root), root),
		"short hash":        VerifyInclusion(leaves[4][:31], 4, 9, p, root),
		"short proof hash":  VerifyInclusion(leaves[4], 4, 9, [][]byte{p[0][:31], p[1], p[2], p[3]}, root),
		"from after to":     VerifyConsistency(9, 8, nil, root, root),
		"same size roots":   VerifyConsistency(9, 9, nil, root, leaves[0]),
		"empty tree root":   VerifyConsistency(0, 9, nil, leaves[0], root),
		"empty proof":       VerifyConsistency(4, 9, nil, leaves[0], root),
		"same size + proof": VerifyConsistency(9, 9, p, root, root),
	} {
		if !errors.Is(err, ErrInvalidProof) {
			t.Errorf("%s: %v, want ErrInvalidProof", name, err)
		}
	}
	if err := VerifyInclusion(leaves[4], 4, 9, p, root); err != nil {
		t.Fatal(err)
	}
	if err := VerifyConsistency(0, 9, nil, EmptyRoot(), root); err != nil {
		t.Fatal(err)
	}
}
