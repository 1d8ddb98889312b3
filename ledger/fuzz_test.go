package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// FuzzDecodeEntry: whatever the bytes, DecodeEntry never panics, and what it
// accepts is a valid entry whose canonical bytes are exactly the input.
func FuzzDecodeEntry(f *testing.F) {
	f.Add([]byte(goldenCanonical))
	f.Add([]byte(strings.Replace(goldenCanonical, `"kind":`, `"kind": `, 1)))
	f.Add([]byte(strings.Replace(goldenCanonical, `["group:coalition","partyA"]`, `[]`, 1)))
	f.Add([]byte(strings.Replace(goldenCanonical, `["group:coalition","partyA"]`, `["all"]`, 1)))
	f.Add([]byte(strings.Replace(goldenCanonical, `08.300000Z`, `08.3Z`, 1)))
	f.Add([]byte(`{"kind":"a","time":"1970-01-01T00:00:00.000000Z","actor":"a","audience":[],"object":"a","payload_sha256":"` + strings.Repeat("0", 64) + `"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"kind":"\u00e9"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		aud, audErr := AudienceOf(b) // must never panic, whatever b is
		e, err := DecodeEntry(b)
		if err != nil {
			return
		}
		if audErr != nil || !slices.Equal(aud, e.Audience) {
			t.Fatalf("%q: AudienceOf gives %q, %v; DecodeEntry %q", b, aud, audErr, e.Audience)
		}
		js, jsErr := AudienceJSON(b)
		if want, _ := json.Marshal(e.Audience); jsErr != nil || !bytes.Equal(js, want) {
			t.Fatalf("%q: AudienceJSON gives %s, %v; want %s", b, js, jsErr, want)
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("accepted an invalid entry: %v", err)
		}
		c, err := e.Canonical()
		if err != nil || !bytes.Equal(c, b) {
			t.Fatalf("accepted %q, whose canonical form is %q", b, c)
		}
	})
}

// FuzzEntryUnmarshalJSON: the lenient JSON path never panics and accepts only
// entries that re-encode to a canonical form DecodeEntry also accepts.
func FuzzEntryUnmarshalJSON(f *testing.F) {
	f.Add([]byte(goldenCanonical))
	f.Add([]byte(strings.ReplaceAll(goldenCanonical, `,"`, ",\n  \"")))
	f.Add([]byte(`{"kind" : "x"}`))
	f.Add([]byte(`"string"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var e Entry
		if err := json.Unmarshal(b, &e); err != nil {
			return
		}
		c, err := e.Canonical()
		if err != nil {
			t.Fatalf("accepted an invalid entry: %v", err)
		}
		d, err := DecodeEntry(c)
		if err != nil || !entriesEqual(d, e) {
			t.Fatalf("accepted entry does not round trip: %v", err)
		}
	})
}

// FuzzOpenCheckpoint: a note from anywhere never panics OpenCheckpoint, and
// what it accepts carries a 32-byte root under the key's origin and re-signs
// to the same text.
func FuzzOpenCheckpoint(f *testing.F) {
	s := testSigner(f)
	root := sha256.Sum256([]byte("root"))
	good, err := s.Sign(10, root[:])
	if err != nil {
		f.Fatal(err)
	}
	empty, _ := s.Sign(0, EmptyRoot())
	f.Add(good)
	f.Add(empty)
	f.Add(bytes.Replace(good, []byte("\n10\n"), []byte("\n11\n"), 1))
	f.Add(good[:bytes.Index(good, []byte("\n\n"))+2])
	f.Add([]byte(testOrigin + "\n1\n" + base64.StdEncoding.EncodeToString(root[:]) + "\n\n— x AAAAAAAA\n"))
	f.Add([]byte("\n\n"))
	f.Add([]byte{})
	vkey := s.VerifierKey()
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := OpenCheckpoint(b, vkey)
		if err != nil {
			return
		}
		if c.Origin != testOrigin || len(c.Root) != HashSize {
			t.Fatalf("accepted %+v", c)
		}
		n, err := note.Open(b, note.VerifierList(mustVerifier(t, vkey)))
		if err != nil || n.Text != c.Text() {
			t.Fatalf("accepted a checkpoint whose text is not its canonical form: %v", err)
		}
	})
}

// FuzzVerifyProofs: proofs arrive from the server, so they are outside input
// too. Over a fixed 21-leaf tree, no (index, size, proof) panics the
// verifiers, and the only proofs they accept are the ones the tree serves:
// proofs are unique, so accepting anything else would be a forgery.
func FuzzVerifyProofs(f *testing.F) {
	const n = 21
	ctx := context.Background()
	_, leaves := testLeaves(f, n)
	store, _ := buildTree(f, leaves, rand.New(rand.NewPCG(7, 8)))
	roots := make([][]byte, n+1)
	for i := range roots {
		roots[i], _ = RootAt(ctx, store, n, uint64(i))
	}
	ip, _ := InclusionProof(ctx, store, n, 5, 13)
	cp, _ := ConsistencyProof(ctx, store, n, 6, 19)
	f.Add(uint8(5), uint8(13), bytes.Join(ip, nil), false)
	f.Add(uint8(6), uint8(19), bytes.Join(cp, nil), true)
	f.Add(uint8(0), uint8(1), []byte{}, false)
	f.Add(uint8(0), uint8(21), []byte{}, true)
	f.Add(uint8(200), uint8(3), []byte{1, 2, 3}, true)
	f.Fuzz(func(t *testing.T, a, b uint8, raw []byte, consistency bool) {
		size := uint64(b) % (n + 1)
		var p [][]byte
		for len(raw) >= HashSize {
			p = append(p, raw[:HashSize])
			raw = raw[HashSize:]
		}
		if len(raw) > 0 {
			p = append(p, raw) // a short last hash must be refused, not read past
		}
		if consistency {
			from := uint64(a) % (n + 1)
			root1 := EmptyRoot()
			if from <= size {
				root1 = roots[from]
			}
			if VerifyConsistency(from, size, p, root1, roots[size]) != nil {
				return
			}
			want, err := ConsistencyProof(ctx, store, n, from, size)
			if err != nil || !equalHashes(p, want) {
				t.Fatalf("accepted a consistency proof %d->%d that the tree does not serve", from, size)
			}
			return
		}
		index := uint64(a)
		leaf := EmptyRoot()
		if index < n {
			leaf = leaves[index]
		}
		if VerifyInclusion(leaf, index, size, p, roots[size]) != nil {
			return
		}
		want, err := InclusionProof(ctx, store, n, index, size)
		if err != nil || !equalHashes(p, want) {
			t.Fatalf("accepted an inclusion proof of %d in %d that the tree does not serve", index, size)
		}
	})
}
