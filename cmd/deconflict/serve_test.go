package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/client"
)

var adminLine = regexp.MustCompile(`admin token \(shown once\): (\S+)`)

// TestServeGeneratesAdminTokenOnce: at first start without
// DECONFLICT_ADMIN_TOKEN the server prints a new admin token, which works;
// at the next start on the same data it prints none, and the token still works.
func TestServeGeneratesAdminTokenOnce(t *testing.T) {
	data := t.TempDir()
	srv := startServerEnv(t, data, nil)
	srv.stop(t) // stdout is complete once the process is gone
	m := adminLine.FindStringSubmatch(srv.stdout.String())
	if m == nil {
		t.Fatalf("first start printed no admin token:\n%s\nlogs:\n%s", srv.stdout.String(), srv.logText())
	}
	if strings.Contains(srv.logText(), m[1]) {
		t.Errorf("the admin token must not be logged")
	}

	srv = startServerEnv(t, data, nil)
	ctx := context.Background()
	if _, _, err := client.New(srv.url, m[1]).CreateParty(ctx, deconflict.Party{ID: "alpha"}); err != nil {
		t.Fatalf("the printed admin token does not work after a restart: %v", err)
	}
	srv.stop(t)
	if strings.Contains(srv.stdout.String(), "admin token") {
		t.Errorf("second start printed an admin token again:\n%s", srv.stdout.String())
	}
}

// TestServeGracefulShutdown: SIGTERM stops the server cleanly (exit 0),
// logging that it stopped.
func TestServeGracefulShutdown(t *testing.T) {
	srv := startServer(t, t.TempDir())
	if err := client.New(srv.url, "").Ready(context.Background()); err != nil {
		t.Fatalf("ready: %v", err)
	}
	srv.stop(t)
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGTERM:\n%s", code, srv.logText())
	}
	if !strings.Contains(srv.logText(), "msg=stopped") {
		t.Errorf("no 'stopped' log line:\n%s", srv.logText())
	}
}
