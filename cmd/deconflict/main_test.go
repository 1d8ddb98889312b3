package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the deconflict binary built once for the tests that run it as
// a user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "deconflict-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "deconflict")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the binary:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testAdminToken is the admin token the test servers take from the environment.
const testAdminToken = "test-admin-token-0123456789abcdef"

// cleanEnv is the environment of a child process: this one's without any
// DECONFLICT_ variable (a developer's own settings must not leak in), plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DECONFLICT_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// server is a `deconflict serve` process.
type server struct {
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	logs bytes.Buffer // its stderr, for failure messages
	// stdout is written by the process until it exits; read it after that.
	stdout bytes.Buffer
	done   chan struct{}
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+) url=(\S+)`)

// startServer runs `serve --addr 127.0.0.1:0` on data and waits for the
// address it logs. The process is stopped at the end of the test unless the
// test killed it.
func startServer(t *testing.T, data string, args ...string) *server {
	t.Helper()
	return startServerEnv(t, data, []string{"DECONFLICT_ADMIN_TOKEN=" + testAdminToken}, args...)
}

// startServerEnv is startServer with the given DECONFLICT_ variables.
func startServerEnv(t *testing.T, data string, env []string, args ...string) *server {
	t.Helper()
	s := &server{done: make(chan struct{})}
	s.cmd = exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, args...)...)
	s.cmd.Env = cleanEnv(env...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stdout = &s.stdout
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.logs.WriteString(line + "\n")
			s.mu.Unlock()
			if m := listening.FindStringSubmatch(line); m != nil {
				urlc <- m[2]
			}
		}
		s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() { s.stop(t) })
	select {
	case s.url = <-urlc:
		return s
	case <-s.done:
		t.Fatalf("serve exited before listening:\n%s", s.logText())
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not log its address within 30 s:\n%s", s.logText())
	}
	return nil
}

func (s *server) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

// stop asks the server to shut down (SIGTERM) and waits for it.
func (s *server) stop(t *testing.T) {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		t.Errorf("serve did not stop within 20 s of SIGTERM:\n%s", s.logText())
	}
}

// kill sends SIGKILL, as a crash or a power cut would stop it, and waits.
func (s *server) kill() {
	s.cmd.Process.Kill()
	<-s.done
}

// result is what a CLI run printed and its exit code.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// cli runs the binary with args and the given DECONFLICT_ variables.
func cli(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = cleanEnv(env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", args, err)
	}
	return r
}
