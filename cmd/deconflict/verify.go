package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/deconflict/deconflict/client"
	"github.com/deconflict/deconflict/ledger"
)

// runVerify checks the server's ledger from this machine: the checkpoint's
// signature against the pinned key, that it extends the checkpoint kept from
// the last run, that the leaf hashes served add up to its root, and that
// every entry of the caller's since the last run is included. It prints
// what it checked and fails (exit 1) on the first thing that does not hold.
func runVerify(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "verify", "")
	conn := addConn(f, false)
	state := f.String("state", "DECONFLICT_VERIFY_STATE", "./deconflict-verify", "folder that keeps the pinned key and the last verified checkpoint")
	key := f.String("key", "DECONFLICT_LEDGER_KEY", "", "the server's verifier key (as `serve` logs it); pinned in --state on first use when not given")
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	c, err := conn.client(false)
	if err != nil {
		return err
	}
	v := &verifier{e: e, c: c}
	if err := v.run(ctx, *state, strings.TrimSpace(*key)); err != nil {
		fmt.Fprintf(e.stderr, "FAILED: %v\n", err)
		return errReported
	}
	return nil
}

type verifier struct {
	e *env
	c *client.Client
}

func (v *verifier) ok(format string, args ...any) {
	fmt.Fprintf(v.e.stdout, "ok  "+format+"\n", args...)
}

func (v *verifier) run(ctx context.Context, state, key string) error {
	if err := os.MkdirAll(state, 0o700); err != nil {
		return fmt.Errorf("state folder: %w", err)
	}
	key, err := v.pinKey(ctx, state, key)
	if err != nil {
		return err
	}
	note, err := v.c.Checkpoint(ctx)
	if err != nil {
		return fmt.Errorf("fetching the checkpoint: %w", err)
	}
	cp, err := ledger.OpenCheckpoint(note, key)
	if err != nil {
		return fmt.Errorf("the checkpoint is not signed by the pinned key: %w", err)
	}
	v.ok("checkpoint signed by %s: %d entries, root %x", cp.Origin, cp.Size, cp.Root)

	w, err := ledger.OpenWitness(state, key)
	if err != nil {
		return err
	}
	last, _, seen, err := w.Latest()
	if err != nil {
		return fmt.Errorf("the kept checkpoint: %w", err)
	}

	// Every leaf hash, ours in full: they must add up to the signed root.
	app := ledger.NewAppender()
	type own struct {
		index int64
		leaf  []byte
	}
	var mine []own
	for start := int64(0); start < int64(cp.Size); {
		page, err := v.c.LedgerEntries(ctx, start, int64(cp.Size))
		if err != nil {
			return fmt.Errorf("fetching entries from %d: %w", start, err)
		}
		if len(page) == 0 {
			return fmt.Errorf("the server serves %d entries of a ledger it signed as %d long", start, cp.Size)
		}
		for _, en := range page {
			if en.Index != start {
				return fmt.Errorf("entry %d came where entry %d was due: the ledger is out of order", en.Index, start)
			}
			if en.Entry != "" {
				if got := ledger.LeafHash([]byte(en.Entry)); !bytes.Equal(got, en.LeafHash) {
					return fmt.Errorf("entry %d does not hash to its leaf hash: it was altered", en.Index)
				}
				if _, err := ledger.DecodeEntry([]byte(en.Entry)); err != nil {
					return fmt.Errorf("entry %d: %w", en.Index, err)
				}
				mine = append(mine, own{en.Index, en.LeafHash})
			}
			if _, err := app.Append(en.LeafHash); err != nil {
				return fmt.Errorf("entry %d: %w", en.Index, err)
			}
			start++
		}
	}
	if !bytes.Equal(app.Root(), cp.Root) {
		return fmt.Errorf("the %d leaf hashes served add up to root %x, not the signed root %x: entries were changed, removed or reordered", cp.Size, app.Root(), cp.Root)
	}
	v.ok("%d leaf hashes add up to the signed root", cp.Size)

	// This checkpoint must extend the last one verified here.
	var proof [][]byte
	if seen && last.Size > 0 && last.Size < cp.Size {
		if proof, err = v.c.ConsistencyProof(ctx, int64(last.Size), int64(cp.Size)); err != nil {
			return fmt.Errorf("fetching the consistency proof from %d to %d: %w", last.Size, cp.Size, err)
		}
	}
	if _, err := w.Update(note, proof); err != nil {
		var ev *ledger.EvidenceError
		if errors.As(err, &ev) {
			return fmt.Errorf("the ledger was rewritten since the checkpoint kept in %s (%d entries, root %x): %w", w.Path(), last.Size, last.Root, err)
		}
		return err
	}
	if seen {
		v.ok("consistent with the checkpoint verified before (%d entries)", last.Size)
	} else {
		v.ok("first checkpoint kept in %s", w.Path())
	}

	// Our entries since then are in the signed tree.
	checked := 0
	for _, m := range mine {
		if seen && uint64(m.index) < last.Size {
			continue // proved by the consistency of the trees
		}
		p, err := v.c.InclusionProof(ctx, m.index, int64(cp.Size))
		if err != nil {
			return fmt.Errorf("fetching the inclusion proof of entry %d: %w", m.index, err)
		}
		if err := ledger.VerifyInclusion(m.leaf, uint64(m.index), cp.Size, p, cp.Root); err != nil {
			return fmt.Errorf("entry %d: %w", m.index, err)
		}
		checked++
	}
	if older := len(mine) - checked; older > 0 {
		v.ok("%d new entries of yours proved included; %d older ones are covered by the consistency proof", checked, older)
	} else {
		v.ok("%d entries of yours proved included", checked)
	}
	return nil
}

// pinKey returns the verifier key to trust: the one given, checked against
// the one pinned before; else the pinned one; else, on first use, the
// server's, pinned now.
func (v *verifier) pinKey(ctx context.Context, state, given string) (string, error) {
	path := filepath.Join(state, "verifier-key")
	raw, err := os.ReadFile(path)
	pinned := strings.TrimSpace(string(raw))
	switch {
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("reading the pinned key: %w", err)
	case given != "" && pinned != "" && given != pinned:
		return "", fmt.Errorf("--key differs from the key pinned in %s", path)
	case given != "":
		pinned = given
	case pinned == "":
		if pinned, err = v.c.LedgerKey(ctx); err != nil {
			return "", fmt.Errorf("fetching the server's key: %w", err)
		}
		fmt.Fprintf(v.e.stdout, "note: no key given; trusting the server's key on first use: %s\n", pinned)
	}
	if err := os.WriteFile(path, []byte(pinned+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("pinning the key: %w", err)
	}
	return pinned, nil
}
