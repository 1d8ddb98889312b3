package ledger

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// Errors of offline verification. The functions wrap them with what failed,
// so test them with errors.Is.
var (
	// ErrInvalidProof: a proof does not lead from what it proves to the
	// checkpoint's root (or is malformed).
	ErrInvalidProof = errors.New("proof does not verify")
	// ErrSignature: a checkpoint is not signed by the expected key.
	ErrSignature = errors.New("checkpoint not signed by the ledger key")
	// ErrFork: two checkpoints signed by the ledger key cannot both be views
	// of one append-only log (same size and different roots, or a larger
	// checkpoint that no valid consistency proof links to the smaller).
	ErrFork = errors.New("ledger forked")
	// ErrRollback: a checkpoint is smaller than one already verified.
	ErrRollback = errors.New("ledger rolled back")
)

// VerifyInclusion checks that leafHash is entry index of the tree of size
// leaves whose root is root, using proof from InclusionProof. Its error wraps
// ErrInvalidProof and says what failed.
func VerifyInclusion(leafHash []byte, index, size uint64, p [][]byte, root []byte) error {
	if index >= size {
		return fmt.Errorf("%w: index %d is not below size %d", ErrInvalidProof, index, size)
	}
	if err := checkHashes(leafHash, root, p); err != nil {
		return err
	}
	got, err := proof.RootFromInclusionProof(rfc6962.DefaultHasher, index, size, leafHash, p)
	if err != nil {
		return fmt.Errorf("%w: inclusion of entry %d in %d entries: %v", ErrInvalidProof, index, size, err)
	}
	if !bytes.Equal(got, root) {
		return fmt.Errorf("%w: entry %d with this leaf hash is not in the tree of %d entries: the proof leads to root %x, the checkpoint says %x",
			ErrInvalidProof, index, size, got, root)
	}
	return nil
}

// VerifyConsistency checks that the tree of size1 leaves with root root1 is a
// prefix of the tree of size2 leaves with root root2, using proof from
// ConsistencyProof. Its error wraps ErrInvalidProof and says what failed.
func VerifyConsistency(size1, size2 uint64, p [][]byte, root1, root2 []byte) error {
	if size1 > size2 {
		return fmt.Errorf("%w: size %d is larger than size %d", ErrInvalidProof, size1, size2)
	}
	if err := checkHashes(root1, root2, p); err != nil {
		return err
	}
	if size1 == 0 && !bytes.Equal(root1, EmptyRoot()) {
		return fmt.Errorf("%w: the root of the empty tree is %x, not %x", ErrInvalidProof, EmptyRoot(), root1)
	}
	if size1 == size2 && !bytes.Equal(root1, root2) {
		return fmt.Errorf("%w: two different roots for the same size %d: %x and %x", ErrInvalidProof, size1, root1, root2)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, size1, size2, p, root1, root2); err != nil {
		var mismatch proof.RootMismatchError
		if errors.As(err, &mismatch) {
			which, size := "older", size1
			if !bytes.Equal(mismatch.ExpectedRoot, root1) {
				which, size = "newer", size2
			}
			return fmt.Errorf("%w: the tree of %d entries (root %x) is not shown to be a prefix of the tree of %d entries (root %x): the proof gives %x for the %s root of %d entries",
				ErrInvalidProof, size1, root1, size2, root2, mismatch.CalculatedRoot, which, size)
		}
		return fmt.Errorf("%w: consistency from %d to %d entries: %v", ErrInvalidProof, size1, size2, err)
	}
	return nil
}

func checkHashes(a, b []byte, p [][]byte) error {
	if len(a) != HashSize || len(b) != HashSize {
		return fmt.Errorf("%w: hashes are %d bytes, got %d and %d", ErrInvalidProof, HashSize, len(a), len(b))
	}
	for i, h := range p {
		if len(h) != HashSize {
			return fmt.Errorf("%w: proof hash %d is %d bytes, want %d", ErrInvalidProof, i, len(h), HashSize)
		}
	}
	return nil
}
