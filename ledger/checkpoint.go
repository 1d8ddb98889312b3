package ledger

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// KeyFile is the name of the signing key's file in the data folder.
const KeyFile = "ledger.key"

// MaxCheckpointBytes bounds a checkpoint note that OpenCheckpoint reads: a
// real one is a few hundred bytes, even with cosignatures.
const MaxCheckpointBytes = 64 << 10

// MaxOriginLen bounds the origin (the key's name).
const MaxOriginLen = 255

// Checkpoint is a signed statement of the ledger's size and root: "the log
// named Origin had Size entries with this Root".
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
}

// Text returns the checkpoint's note text (the signed body).
func (c Checkpoint) Text() string {
	return c.Origin + "\n" + strconv.FormatUint(c.Size, 10) + "\n" + base64.StdEncoding.EncodeToString(c.Root) + "\n"
}

// Signer signs checkpoints with the ledger's Ed25519 key.
type Signer struct {
	signer note.Signer
	vkey   string
}

// GenerateKey makes a new ledger key for origin and returns the signer key
// (secret: "PRIVATE+KEY+origin+hash+key") and the verifier key to publish
// ("origin+hash+key"). Use it where the key must live in a shared store
// rather than a file; LoadOrCreateKey does this for the file.
func GenerateKey(origin string) (skey, vkey string, err error) {
	if err := checkOrigin(origin); err != nil {
		return "", "", err
	}
	return note.GenerateKey(rand.Reader, origin)
}

// NewSigner returns the Signer of a signer key as GenerateKey makes it.
func NewSigner(skey string) (*Signer, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("ledger: signer key: %w", err)
	}
	if err := checkOrigin(s.Name()); err != nil {
		return nil, err
	}
	vkey, err := verifierKey(skey)
	if err != nil {
		return nil, err
	}
	// Prove the derived verifier key belongs to this signer before anyone
	// is told to trust it.
	probe, err := note.Sign(&note.Note{Text: "ledger key check\n"}, s)
	if err != nil {
		return nil, fmt.Errorf("ledger: signer key: %w", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("ledger: signer key: derived verifier key: %w", err)
	}
	if _, err := note.Open(probe, note.VerifierList(v)); err != nil {
		return nil, fmt.Errorf("ledger: signer key does not match its derived verifier key: %w", err)
	}
	return &Signer{signer: s, vkey: vkey}, nil
}

// verifierKey derives the verifier key from a signer key, whose encoding is
// "PRIVATE+KEY+<name>+<hash>+<base64(0x01 || Ed25519 seed)>" (note package).
func verifierKey(skey string) (string, error) {
	rest, ok := strings.CutPrefix(skey, "PRIVATE+KEY+")
	parts := strings.SplitN(rest, "+", 3) // base64 may hold "+"; name and hash do not
	if !ok || len(parts) != 3 {
		return "", errors.New("ledger: signer key is not PRIVATE+KEY+name+hash+key")
	}
	key, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 1 {
		return "", errors.New("ledger: signer key is not an Ed25519 note key")
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[0], pub)
}

// LoadOrCreateKey returns the Signer kept in dir/ledger.key and its verifier
// key, creating dir (0700) and the key (file mode 0600) on first start. The
// key's name is origin; a key file made for another origin is an error rather
// than replaced, since every checkpoint already handed out depends on it.
func LoadOrCreateKey(dir, origin string) (*Signer, string, error) {
	if err := checkOrigin(origin); err != nil {
		return nil, "", err
	}
	path := filepath.Join(dir, KeyFile)
	s, err := readKey(path, origin)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return s, vkeyOf(s), err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("ledger: create key folder: %w", err)
	}
	skey, _, err := GenerateKey(origin)
	if err != nil {
		return nil, "", err
	}
	if err := writeNew(dir, path, []byte(skey+"\n"), 0o600); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return nil, "", fmt.Errorf("ledger: write key: %w", err)
		}
		// Another process made the key first; use that one.
	}
	s, err = readKey(path, origin)
	return s, vkeyOf(s), err
}

func vkeyOf(s *Signer) string {
	if s == nil {
		return ""
	}
	return s.vkey
}

func readKey(path, origin string) (*Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := NewSigner(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.Origin() != origin {
		return nil, fmt.Errorf("ledger: the key in %s is for origin %q, not %q; move it away to start a new ledger, or keep the origin", path, s.Origin(), origin)
	}
	return s, nil
}

// writeNew writes data to path only if path does not exist, so that a crash
// never leaves a partial file under the final name: a temporary file is
// written and synced, then linked into place (which fails if path exists).
func writeNew(dir, path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Origin returns the name of the key, which is the first line of every
// checkpoint it signs.
func (s *Signer) Origin() string { return s.signer.Name() }

// VerifierKey returns the public verifier key ("origin+hash+key") that
// parties give to OpenCheckpoint and `deconflict verify`.
func (s *Signer) VerifierKey() string { return s.vkey }

// Sign returns the signed checkpoint note for a tree of size leaves with
// root hash root.
func (s *Signer) Sign(size uint64, root []byte) ([]byte, error) {
	if len(root) != HashSize {
		return nil, fmt.Errorf("ledger: sign checkpoint: root is %d bytes, want %d", len(root), HashSize)
	}
	c := Checkpoint{Origin: s.Origin(), Size: size, Root: root}
	return note.Sign(&note.Note{Text: c.Text()}, s.signer)
}

// OpenCheckpoint checks that noteText is a checkpoint signed by verifierKey
// and returns it. A signature that is missing or wrong wraps ErrSignature;
// anything else that is not exactly the three-line body of the package
// documentation, with the key's name as origin, is refused too. Other
// signatures on the note (cosigners) are allowed and ignored.
func OpenCheckpoint(noteText []byte, verifierKey string) (Checkpoint, error) {
	if len(noteText) > MaxCheckpointBytes {
		return Checkpoint{}, fmt.Errorf("ledger: checkpoint is %d bytes; the limit is %d", len(noteText), MaxCheckpointBytes)
	}
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("ledger: verifier key %q: %w", clip(verifierKey), err)
	}
	n, err := note.Open(noteText, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return Checkpoint{}, fmt.Errorf("%w: no signature by %s+%08x on the checkpoint", ErrSignature, v.Name(), v.KeyHash())
		case errors.As(err, &invalid):
			return Checkpoint{}, fmt.Errorf("%w: the signature by %s+%08x does not match the checkpoint text", ErrSignature, v.Name(), v.KeyHash())
		}
		return Checkpoint{}, fmt.Errorf("ledger: checkpoint is not a signed note: %w", err)
	}
	c, err := parseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("ledger: checkpoint origin %q is not the key's name %q", clip(c.Origin), v.Name())
	}
	return c, nil
}

// parseCheckpoint reads a checkpoint body, refusing any spelling but the one
// Checkpoint.Text writes.
func parseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.Split(text, "\n")
	if len(lines) != 4 || lines[3] != "" {
		return Checkpoint{}, fmt.Errorf("ledger: checkpoint text has %d lines, want 3 (origin, size, root)", strings.Count(text, "\n"))
	}
	var c Checkpoint
	c.Origin = lines[0]
	if err := checkOrigin(c.Origin); err != nil {
		return Checkpoint{}, err
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("ledger: checkpoint size %q is not a decimal number", clip(lines[1]))
	}
	c.Size = size
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != HashSize {
		return Checkpoint{}, fmt.Errorf("ledger: checkpoint root %q is not %d bytes in standard base64", clip(lines[2]), HashSize)
	}
	c.Root = root
	if c.Text() != text {
		return Checkpoint{}, errors.New("ledger: checkpoint text is not in canonical form")
	}
	return c, nil
}

// checkOrigin keeps origins to printable ASCII without spaces or "+", which
// the note format needs for key names and a one-line body needs for the rest.
func checkOrigin(origin string) error {
	if len(origin) == 0 || len(origin) > MaxOriginLen {
		return fmt.Errorf("ledger: origin must be 1 to %d characters (got %d)", MaxOriginLen, len(origin))
	}
	for i := 0; i < len(origin); i++ {
		if c := origin[i]; c <= ' ' || c > '~' || c == '+' {
			return fmt.Errorf("ledger: origin %q must be printable ASCII without spaces or '+'", clip(origin))
		}
	}
	return nil
}
