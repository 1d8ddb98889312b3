// Command deconflict is the Deconflict exchange in one binary: `serve` runs
// the server on the embedded SQLite store, the client commands (party,
// group, token, ops, zones, conflicts) talk to a running server through
// package client, and `bench` loads a server on loopback and reports
// throughput and latency.
//
// This package only wires: flags and environment, logging, output. It
// decides nothing about conflicts and writes no SQL; the packages it starts
// do that.
//
// Exit codes: 0 success, 1 failure (including a refusal by the server), 2
// usage (unknown command or flag, missing argument).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes of SPEC §8.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// command is one subcommand: run gets the arguments after its name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a command runs with; tests build one around buffers.
type env struct {
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

func commands() []command {
	return []command{
		{"serve", "run the exchange (embedded SQLite store)", runServe},
		{"party", "party add ID --name N --groups a,b --roles surveillance (admin)", runParty},
		{"group", "group set NAME --members a,b (admin)", runGroup},
		{"token", "token add PARTY | token revoke PREFIX (admin)", runToken},
		{"ops", "ops put FILE | get ID | list | cancel ID", runOps},
		{"zones", "zones import FILE.geojson | put FILE | get ID | list | delete ID", runZones},
		{"conflicts", "conflicts check FILE | list [--state open]", runConflicts},
		{"tracks", "tracks replay FILE [--speed N] [--format F]: feed a recording into a server", runTracks},
		{"verify", "verify the server's ledger: signature, consistency, your entries", runVerify},
		{"bench", "load generator against a server on loopback", runBench},
		{"help", "list the commands, or explain one: help COMMAND", nil},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns its exit code.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && name == "help" {
			return run(ctx, e, []string{args[1], "-h"})
		}
		usage(e.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return exitCode(e, c.run(ctx, e, args[1:]))
		}
	}
	fmt.Fprintf(e.stderr, "deconflict: unknown command %q\n\n", name)
	usage(e.stderr)
	return exitUsage
}

// exitCode reports err and maps it to the exit code.
func exitCode(e *env, err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "deconflict: %v\n", err)
		return exitUsage
	case errors.Is(err, errReported):
		return exitFailure
	default:
		fmt.Fprintf(e.stderr, "deconflict: %v\n", err)
		return exitFailure
	}
}

// errReported is a failure whose message the command has printed already.
var errReported = errors.New("failed")

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: deconflict COMMAND [ARGS] [FLAGS]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Every flag can also be set by an environment variable, shown in each command's")
	fmt.Fprintln(w, "help (deconflict help COMMAND). Exit codes: 0 ok, 1 failure, 2 usage.")
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// subcommand dispatches "ops put ..." style commands to their verbs.
func subcommand(ctx context.Context, e *env, group string, args []string, verbs map[string]func(context.Context, *env, []string) error) error {
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 {
		return usagef("%s needs a verb: %s", group, strings.Join(names, ", "))
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(e.stdout, "usage: deconflict %s {%s} ... (deconflict %s VERB -h for its flags)\n", group, strings.Join(names, "|"), group)
		return errHelp
	}
	fn, ok := verbs[args[0]]
	if !ok {
		return usagef("unknown %s verb %q (want one of %s)", group, args[0], strings.Join(names, ", "))
	}
	return fn(ctx, e, args[1:])
}
