package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

const testOrigin = "deconflict.test/ledger"

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, vkey, err := LoadOrCreateKey(dir, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(vkey, testOrigin+"+") || s.VerifierKey() != vkey || s.Origin() != testOrigin {
		t.Fatalf("verifier key %q for origin %q", vkey, s.Origin())
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(filepath.Join(dir, KeyFile))
	if !strings.HasPrefix(string(raw), "PRIVATE+KEY+"+testOrigin+"+") {
		t.Errorf("key file does not hold a note signer key")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	// A restart reads the same key.
	s2, vkey2, err := LoadOrCreateKey(dir, testOrigin)
	if err != nil || vkey2 != vkey {
		t.Fatalf("second start: %q, %v; want the same key %q", vkey2, err, vkey)
	}
	root := sha256.Sum256([]byte("root"))
	signed, err := s2.Sign(42, root[:])
	if err != nil {
		t.Fatal(err)
	}
	c, err := OpenCheckpoint(signed, vkey)
	if err != nil {
		t.Fatal(err)
	}
	if c.Origin != testOrigin || c.Size != 42 || !bytes.Equal(c.Root, root[:]) {
		t.Fatalf("opened %+v", c)
	}
	// The exact text, as an independent verifier reads it.
	wantText := testOrigin + "\n42\n" + base64.StdEncoding.EncodeToString(root[:]) + "\n\n— " + testOrigin + " "
	if !strings.HasPrefix(string(signed), wantText) {
		t.Fatalf("checkpoint note:\n%s", signed)
	}

	// Another origin is refused, not silently given a new key.
	if _, _, err := LoadOrCreateKey(dir, "other.example/ledger"); err == nil {
		t.Error("the key of one origin was used for another")
	}
	// A damaged key file is refused.
	os.WriteFile(filepath.Join(dir, KeyFile), []byte("PRIVATE+KEY+garbage\n"), 0o600)
	if _, _, err := LoadOrCreateKey(dir, testOrigin); err == nil {
		t.Error("accepted a damaged key file")
	}
	for _, bad := range []string{"", "has space", "a+b", "tab\there", strings.Repeat("o", MaxOriginLen+1)} {
		if _, _, err := LoadOrCreateKey(t.TempDir(), bad); err == nil {
			t.Errorf("accepted origin %q", bad)
		}
	}
}

func TestSignRefusesBadRoot(t *testing.T) {
	s := testSigner(t)
	if _, err := s.Sign(1, []byte("short")); err == nil {
		t.Fatal("signed a 5-byte root")
	}
}

// testSigner returns a signer for testOrigin from a fixed seed, so that fuzz
// seeds built with it stay valid across runs.
func testSigner(t testing.TB) *Signer {
	t.Helper()
	skey, _, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOpenCheckpointRefusals(t *testing.T) {
	s := testSigner(t)
	root := sha256.Sum256([]byte("root"))
	good, err := s.Sign(10, root[:])
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := LoadOrCreateKey(t.TempDir(), testOrigin) // same name, other key

	// signBody signs arbitrary text with the test key, as a server that
	// wrote a malformed body would.
	signBody := func(text string) []byte {
		skey, _, _ := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), testOrigin)
		ns, _ := note.NewSigner(skey)
		b, err := note.Sign(&note.Note{Text: text}, ns)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b64 := base64.StdEncoding.EncodeToString(root[:])
	cases := []struct {
		name    string
		note    []byte
		vkey    string
		wantSig bool
	}{
		{"other key", good, other.VerifierKey(), true},
		{"size changed", bytes.Replace(good, []byte("\n10\n"), []byte("\n11\n"), 1), s.VerifierKey(), true},
		{"unsigned", good[:bytes.Index(good, []byte("\n\n"))+2], s.VerifierKey(), false},
		{"bad verifier key", good, "not a key", false},
		{"extension line", signBody(testOrigin + "\n10\n" + b64 + "\nextra\n"), s.VerifierKey(), false},
		{"two lines", signBody(testOrigin + "\n10\n"), s.VerifierKey(), false},
		{"leading zero", signBody(testOrigin + "\n010\n" + b64 + "\n"), s.VerifierKey(), false},
		{"plus sign", signBody(testOrigin + "\n+10\n" + b64 + "\n"), s.VerifierKey(), false},
		{"negative", signBody(testOrigin + "\n-1\n" + b64 + "\n"), s.VerifierKey(), false},
		{"overflow", signBody(testOrigin + "\n18446744073709551616\n" + b64 + "\n"), s.VerifierKey(), false},
		{"short root", signBody(testOrigin + "\n10\n" + base64.StdEncoding.EncodeToString(root[:31]) + "\n"), s.VerifierKey(), false},
		{"unpadded root", signBody(testOrigin + "\n10\n" + strings.TrimRight(b64, "=") + "\n"), s.VerifierKey(), false},
		{"url base64 root", signBody(testOrigin + "\n10\n" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 32)) + "\n"), s.VerifierKey(), false},
		{"origin not the key name", signBody("elsewhere\n10\n" + b64 + "\n"), s.VerifierKey(), false},
		{"oversized", append(bytes.Repeat([]byte("x"), MaxCheckpointBytes), good...), s.VerifierKey(), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := OpenCheckpoint(c.note, c.vkey)
			if err == nil {
				t.Fatal("accepted")
			}
			if got := errors.Is(err, ErrSignature); got != c.wantSig {
				t.Errorf("errors.Is(ErrSignature) = %v, want %v: %v", got, c.wantSig, err)
			}
		})
	}

	// A cosigned checkpoint (a witness added its signature) still opens.
	wskey, _, _ := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{9}, 64)), "witness.example")
	ws, _ := note.NewSigner(wskey)
	n, err := note.Open(good, note.VerifierList(mustVerifier(t, s.VerifierKey())))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, err := note.Sign(n, ws)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := OpenCheckpoint(cosigned, s.VerifierKey()); err != nil || c.Size != 10 {
		t.Errorf("cosigned checkpoint: %+v, %v", c, err)
	}
}

func mustVerifier(t testing.TB, vkey string) note.Verifier {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestNewSignerAnyKey derives verifier keys from many random signer keys;
// base64 key material often holds "+", the note format's separator.
func TestNewSignerAnyKey(t *testing.T) {
	for range 64 {
		skey, vkey, err := GenerateKey(testOrigin)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSigner(skey)
		if err != nil {
			t.Fatalf("NewSigner(%q): %v", skey, err)
		}
		if s.VerifierKey() != vkey {
			t.Fatalf("derived verifier key %q, GenerateKey said %q", s.VerifierKey(), vkey)
		}
	}
	if _, err := NewSigner("PRIVATE+KEY+x+00000000+AAAA"); err == nil {
		t.Error("accepted a malformed signer key")
	}
}
