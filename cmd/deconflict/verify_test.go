package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/deconflict/deconflict/ledger"
)

// message sends a hotline message over HTTP, as a party's tool would.
func message(t *testing.T, srv *server, token, to, text string) {
	t.Helper()
	body := fmt.Sprintf(`{"to": [%q], "text": %q}`, to, text)
	req, _ := http.NewRequest("POST", srv.url+"/v1/messages", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("message: %d %s", res.StatusCode, b)
	}
}

func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// TestVerifyCatchesTampering fills a ledger, verifies it as a party, then
// tampers with the database under the stopped server — an entry changed,
// one changed with its leaf hash, one removed, two reordered — and checks
// that `verify`, run against the restarted server with the state it kept,
// fails on each, and passes on the untouched copy.
func TestVerifyCatchesTampering(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	alpha := addParty(t, srv, "alpha")
	bravo := addParty(t, srv, "bravo")
	charlie := addParty(t, srv, "charlie")
	// Enough entries that the early ones lie in stored subtrees (of 16),
	// away from the tree's right edge.
	for i := range 20 {
		message(t, srv, bravo, "alpha", fmt.Sprint("to alpha ", i))
		message(t, srv, charlie, "bravo", fmt.Sprint("to bravo ", i))
	}
	state := t.TempDir()
	env := []string{"DECONFLICT_SERVER=" + srv.url, "DECONFLICT_TOKEN=" + alpha, "DECONFLICT_VERIFY_STATE=" + state}
	if r := cli(t, env, "verify"); r.code != 0 || !strings.Contains(r.stdout, "leaf hashes add up") {
		t.Fatalf("verify of an untouched ledger: %s", r)
	}
	srv.stop(t)

	// Indexes of entries alpha may see (its messages) and may not (bravo's).
	var alphaIdx, otherIdx = -1, -1
	for i, e := range readLedger(t, filepath.Join(data, dbFile)) {
		entry, err := ledger.DecodeEntry([]byte(e.canonical))
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		switch sees := slices.Contains(entry.Audience, "alpha"); {
		case sees && alphaIdx < 0:
			alphaIdx = i
		case !sees && otherIdx < 0:
			otherIdx = i
		}
	}
	if alphaIdx < 0 || otherIdx < 0 {
		t.Fatalf("no entry of alpha's (%d) or of another's (%d)", alphaIdx, otherIdx)
	}

	cases := []struct {
		name   string
		tamper func(es []storedEntry) []storedEntry
	}{
		{"untouched", nil},
		{"an entry of alpha's changed", func(es []storedEntry) []storedEntry {
			es[alphaIdx].canonical = strings.Replace(es[alphaIdx].canonical, `"time":"20`, `"time":"19`, 1)
			return es
		}},
		{"another's entry changed with its leaf hash", func(es []storedEntry) []storedEntry {
			es[otherIdx].canonical = strings.ReplaceAll(es[otherIdx].canonical, "charlie", "charlix")
			es[otherIdx].leaf = make([]byte, 32)
			return es
		}},
		{"an entry removed", func(es []storedEntry) []storedEntry { return slices.Delete(es, otherIdx, otherIdx+1) }},
		{"two entries reordered", func(es []storedEntry) []storedEntry {
			es[alphaIdx].idx, es[otherIdx].idx = es[otherIdx].idx, es[alphaIdx].idx
			return es
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, st := copyDir(t, data), copyDir(t, state)
			if c.tamper != nil {
				path := filepath.Join(d, dbFile)
				writeLedger(t, path, c.tamper(readLedger(t, path)))
			}
			srv := startServer(t, d)
			// The server goes on working after the tampering.
			message(t, srv, bravo, "alpha", "after")
			r := cli(t, []string{"DECONFLICT_SERVER=" + srv.url, "DECONFLICT_TOKEN=" + alpha, "DECONFLICT_VERIFY_STATE=" + st}, "verify")
			if c.tamper == nil {
				if r.code != 0 || !strings.Contains(r.stdout, "consistent with the checkpoint verified before") {
					t.Fatalf("verify of the untouched copy: %s", r)
				}
				return
			}
			if r.code != 1 || !strings.Contains(r.stderr, "FAILED") {
				t.Fatalf("verify did not catch it: %s", r)
			}
			t.Logf("caught: %s", bytes.TrimSpace([]byte(r.stderr)))
		})
	}
	// An entry removed from the tree's right edge leaves a tree that cannot
	// be extended: the server refuses to start rather than sign a lie.
	t.Run("the last entry removed", func(t *testing.T) {
		d := copyDir(t, data)
		path := filepath.Join(d, dbFile)
		es := readLedger(t, path)
		writeLedger(t, path, slices.Delete(es, len(es)-2, len(es)-1))
		r := cli(t, []string{"DECONFLICT_ADMIN_TOKEN=" + testAdminToken}, "serve", "--data", d, "--addr", "127.0.0.1:0")
		if r.code != 1 || !strings.Contains(r.stderr, "the ledger is damaged") {
			t.Fatalf("serve on a ledger cut at its edge: %s", r)
		}
	})
}

// storedEntry is a ledger entry as the database file holds it, for tampering
// with it as someone with the file could.
type storedEntry struct {
	idx       int64
	canonical string
	leaf      []byte
}

// readLedger reads every entry from the ledger's pages (sqlite/ledger.go),
// in index order.
func readLedger(t *testing.T, path string) []storedEntry {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT first_idx, entries, leaf_hashes FROM ledger_page ORDER BY first_idx`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedEntry
	for rows.Next() {
		var (
			first   int64
			entries string
			leaves  []byte
		)
		if err := rows.Scan(&first, &entries, &leaves); err != nil {
			t.Fatal(err)
		}
		var raw []json.RawMessage
		if err := json.Unmarshal([]byte(entries), &raw); err != nil || len(leaves) != 32*len(raw) {
			t.Fatalf("ledger page %d: %v", first, err)
		}
		for i, c := range raw {
			out = append(out, storedEntry{idx: first + int64(i), canonical: string(c), leaf: leaves[32*i : 32*i+32]})
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// writeLedger replaces the ledger's pages with one page per entry of es,
// each at its own index (so that an entry may go missing or move).
func writeLedger(t *testing.T, path string, es []storedEntry) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM ledger_page`); err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if _, err := db.Exec(`INSERT INTO ledger_page (first_idx, entries, leaf_hashes) VALUES (?, ?, ?)`, e.idx, "["+e.canonical+"]", e.leaf); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWebhookResumesAfterRestart: events committed while the receiver is
// down and the server is then stopped reach the receiver, in order, once
// both are back.
func TestWebhookResumesAfterRestart(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	alpha := addParty(t, srv, "alpha")
	bravo := addParty(t, srv, "bravo")
	var (
		mu   sync.Mutex
		got  []string
		up   atomic.Bool
		recv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !up.Load() {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			var e struct {
				ID   int64
				Data struct{ Text string }
			}
			json.NewDecoder(r.Body).Decode(&e)
			mu.Lock()
			if n := len(got); n == 0 || got[n-1] != e.Data.Text {
				got = append(got, e.Data.Text)
			}
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}))
	)
	defer recv.Close()
	req, _ := http.NewRequest("PUT", srv.url+"/v1/webhooks/ops", strings.NewReader(
		fmt.Sprintf(`{"url": %q, "kinds": ["message"], "secret": "0123456789abcdef0123"}`, recv.URL)))
	req.Header.Set("Authorization", "Bearer "+alpha)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("webhook: %v %v", res.StatusCode, err)
	}
	var want []string
	for i := range 5 {
		want = append(want, fmt.Sprint("before ", i))
		message(t, srv, bravo, "alpha", want[i])
	}
	srv.stop(t)
	up.Store(true)
	srv = startServer(t, data)
	for i := range 3 {
		want = append(want, fmt.Sprint("after ", i))
		message(t, srv, bravo, "alpha", want[len(want)-1])
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		done := slices.Equal(got, want)
		snapshot := slices.Clone(got)
		mu.Unlock()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("received %q, want %q", snapshot, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
