package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/sqlite"
)

// TestKillKeepsAcknowledgedWrites runs a writer in a child process, kills it
// with SIGKILL in the middle of its writes, and checks that every write it
// had seen committed (Transact returned nil) is in the file after reopening.
func TestKillKeepsAcknowledgedWrites(t *testing.T) {
	if os.Getenv("DECONFLICT_CRASH_CHILD") != "" {
		crashChild()
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillKeepsAcknowledgedWrites$")
	cmd.Env = append(os.Environ(), "DECONFLICT_CRASH_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() // never leave the child running, whatever happens
	acked := []string{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if k, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked = append(acked, k)
			if len(acked) == 300 {
				cmd.Process.Kill() // SIGKILL: no deferred Close, no flush
				break
			}
		}
	}
	for sc.Scan() { // the pipe may still hold acknowledgements
		if k, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked = append(acked, k)
		}
	}
	cmd.Wait()
	if len(acked) < 300 {
		t.Fatalf("the child acknowledged only %d writes before it ended", len(acked))
	}
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, k := range acked {
		if _, err := s.Meta(ctx, k); err != nil {
			t.Fatalf("acknowledged write %s lost after kill -9: %v", k, err)
		}
	}
	t.Logf("%d acknowledged writes all survived", len(acked))
}

// crashChild writes from 8 goroutines until killed, printing each write
// once Transact has returned nil.
func crashChild() {
	s, err := sqlite.Open(os.Getenv("DECONFLICT_CRASH_CHILD"))
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	ctx := context.Background()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				k := "k" + strconv.Itoa(g) + "-" + strconv.Itoa(i)
				err := s.Transact(ctx, func(tx deconflict.Tx) error { return tx.SetMeta(ctx, k, []byte(time.Now().String())) })
				if err != nil {
					fmt.Println("error:", err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Println("ack " + k)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}
