package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/note"
)

// Witness remembers the last checkpoint a verifier accepted from one ledger
// (one verifier key), in a file of a state folder, and accepts a newer one
// only with a consistency proof from it. It is what makes `deconflict
// verify` notice a ledger that rewrites its past: the server would have to
// sign two checkpoints that no proof can link, and the witness keeps the
// older one as evidence. It is meant for one process at a time.
type Witness struct {
	vkey string
	path string
}

// EvidenceError is Update's refusal of a checkpoint that cannot follow the
// last one. Both notes are signed by the ledger key, so together (with the
// proof, for a bad consistency proof) they show the misbehaviour to anyone.
// errors.Is matches it against ErrFork or ErrRollback, and ErrInvalidProof
// when the proof failed.
type EvidenceError struct {
	Err              error // ErrFork or ErrRollback
	Reason           string
	Old, New         Checkpoint
	OldNote, NewNote []byte
	ProofErr         error // set when a consistency proof failed to verify
}

// Error says what is wrong and shows both checkpoints.
func (e *EvidenceError) Error() string {
	if e.ProofErr != nil {
		// The proof error already shows both roots.
		return fmt.Sprintf("%v: %s: %v", e.Err, e.Reason, e.ProofErr)
	}
	return fmt.Sprintf("%v: %s (last verified: %d entries, root %x; new: %d entries, root %x)",
		e.Err, e.Reason, e.Old.Size, e.Old.Root, e.New.Size, e.New.Root)
}

// Unwrap lets errors.Is see the kind and the proof failure.
func (e *EvidenceError) Unwrap() []error {
	if e.ProofErr != nil {
		return []error{e.Err, e.ProofErr}
	}
	return []error{e.Err}
}

// OpenWitness returns the witness of the ledger with verifierKey, keeping its
// state in dir (created 0700 if absent). Each verifier key has its own file,
// so one folder can follow several ledgers.
func OpenWitness(dir, verifierKey string) (*Witness, error) {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return nil, fmt.Errorf("ledger: verifier key %q: %w", clip(verifierKey), err)
	}
	if err := checkOrigin(v.Name()); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ledger: create witness folder: %w", err)
	}
	sum := sha256.Sum256([]byte(verifierKey))
	return &Witness{vkey: verifierKey, path: filepath.Join(dir, "checkpoint-"+hex.EncodeToString(sum[:8]))}, nil
}

// Path returns the file that holds the last verified checkpoint.
func (w *Witness) Path() string { return w.path }

// Latest returns the last verified checkpoint and its signed note, with ok
// false when there is none yet. The stored note is verified again, so a
// damaged state file is an error, never trusted.
func (w *Witness) Latest() (c Checkpoint, signed []byte, ok bool, err error) {
	b, err := os.ReadFile(w.path)
	if errors.Is(err, fs.ErrNotExist) {
		return Checkpoint{}, nil, false, nil
	}
	if err != nil {
		return Checkpoint{}, nil, false, fmt.Errorf("ledger: read witness state: %w", err)
	}
	c, err = OpenCheckpoint(b, w.vkey)
	if err != nil {
		return Checkpoint{}, nil, false, fmt.Errorf("ledger: witness state %s is damaged: %w", w.path, err)
	}
	return c, b, true, nil
}

// Update verifies noteText with the witness's key and checks it against the
// last verified checkpoint: it is accepted and stored when it is the first
// one, when it has the same size and root, or when consistency (from
// ConsistencyProof, from the last size to the new one) shows the last tree is
// a prefix of the new one. Otherwise it returns an *EvidenceError (ErrRollback
// for a smaller size, ErrFork for the same size with another root or a proof
// that fails) and keeps the last checkpoint. It returns the checkpoint that
// is now the last verified one.
func (w *Witness) Update(noteText []byte, consistency [][]byte) (Checkpoint, error) {
	nc, err := OpenCheckpoint(noteText, w.vkey)
	if err != nil {
		return Checkpoint{}, err
	}
	old, oldNote, ok, err := w.Latest()
	if err != nil {
		return Checkpoint{}, err
	}
	if ok {
		evidence := func(kind error, proofErr error, format string, args ...any) error {
			return &EvidenceError{Err: kind, Reason: fmt.Sprintf(format, args...), Old: old, New: nc,
				OldNote: oldNote, NewNote: bytes.Clone(noteText), ProofErr: proofErr}
		}
		switch {
		case nc.Size < old.Size:
			return old, evidence(ErrRollback, nil, "the new checkpoint has %d entries, fewer than the %d already verified", nc.Size, old.Size)
		case nc.Size == old.Size && !bytes.Equal(nc.Root, old.Root):
			return old, evidence(ErrFork, nil, "two checkpoints of %d entries with different roots", nc.Size)
		case nc.Size == old.Size:
			return old, nil
		}
		if err := VerifyConsistency(old.Size, nc.Size, consistency, old.Root, nc.Root); err != nil {
			return old, evidence(ErrFork, err, "no valid consistency proof from the %d entries already verified to the new %d", old.Size, nc.Size)
		}
	}
	if err := w.store(noteText); err != nil {
		return Checkpoint{}, err
	}
	return nc, nil
}

// store replaces the state file atomically: a crash leaves the old or the
// new checkpoint, never a mix.
func (w *Witness) store(noteText []byte) error {
	dir := filepath.Dir(w.path)
	tmp, err := os.CreateTemp(dir, ".tmp-checkpoint-*")
	if err != nil {
		return fmt.Errorf("ledger: write witness state: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(noteText)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), w.path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("ledger: write witness state: %w", err)
	}
	return nil
}
