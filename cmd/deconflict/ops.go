package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/client"
)

func runOps(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "ops", args, map[string]func(context.Context, *env, []string) error{
		"put": opsPut, "get": opsGet, "list": opsList, "cancel": opsCancel,
	})
}

// readInput reads a file, or stdin for "-".
func readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(name)
}

// serverFields are the fields of an operation or zone that the server sets;
// a file may carry them (the output of `ops get --json`, edited), and they
// are dropped rather than sent, where the server would refuse them.
var serverFields = []string{"id", "party", "version", "created_at", "updated_at"}

// objectFile reads a JSON object from a file, unwraps it from the API's
// envelope ({"operation": {...}}) if need be, and splits off its id and the
// fields the server sets. The rest is sent as written, so the server judges
// every field the user wrote.
func objectFile(name, envelope string) (id string, body map[string]json.RawMessage, err error) {
	data, err := readInput(name)
	if err != nil {
		return "", nil, err
	}
	if err := json.Unmarshal(data, &body); err != nil || body == nil {
		return "", nil, fmt.Errorf("%s: not a JSON object: %v", name, err)
	}
	if inner, ok := body[envelope]; ok && len(body) <= 2 {
		body = nil
		if err := json.Unmarshal(inner, &body); err != nil || body == nil {
			return "", nil, fmt.Errorf("%s: %q is not a JSON object", name, envelope)
		}
	}
	if raw, ok := body["id"]; ok {
		if err := json.Unmarshal(raw, &id); err != nil {
			return "", nil, fmt.Errorf("%s: \"id\" must be a string", name)
		}
	}
	for _, k := range serverFields {
		delete(body, k)
	}
	return id, body, nil
}

func opsPut(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "ops put", "FILE")
	conn := addConn(f, false)
	idFlag := f.String("id", "", "", "operation id (default: the file's \"id\")")
	ifMatch := f.Int64("if-match", "", 0, "version being replaced (needed to replace an existing operation)")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	id, body, err := objectFile(pos[0], "operation")
	if err != nil {
		return err
	}
	if *idFlag != "" {
		id = *idFlag
	}
	if id == "" {
		return usagef("ops put: the file has no \"id\"; give one with --id")
	}
	delete(body, "conflicts") // from an `ops get --json` or put answer
	c, err := conn.client(false)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	res, err := c.PutOperationJSON(ctx, id, raw, *ifMatch)
	if err != nil {
		return explainPut(ctx, e, conn, c, id, *ifMatch, err)
	}
	if *conn.json {
		return printJSON(e.stdout, map[string]any{"operation": res.Operation, "conflicts": res.Conflicts})
	}
	verb := "replaced"
	if res.Created {
		verb = "created"
	}
	fmt.Fprintf(e.stdout, "%s %s\n", verb, fmtOperation(res.Operation))
	printConflicts(e.stdout, res.Conflicts)
	return nil
}

// explainPut reports a refused put, and for 428 and 412 says which
// --if-match to pass.
func explainPut(ctx context.Context, e *env, conn *connFlags, c *client.Client, id string, ifMatch int64, err error) error {
	rerr := conn.report(e, err)
	if *conn.json {
		return rerr
	}
	switch client.StatusOf(err) {
	case http.StatusConflict:
		fmt.Fprintln(e.stderr, "nothing was stored; add the entries above to \"aware_of\" in the file and run ops put again")
	case http.StatusPreconditionRequired, http.StatusPreconditionFailed:
		cur, gerr := c.GetOperation(ctx, "", id)
		switch {
		case gerr != nil:
			fmt.Fprintln(e.stderr, "pass --if-match with the operation's current version (deconflict ops get "+id+")")
		case ifMatch == 0:
			fmt.Fprintf(e.stderr, "operation %s exists at version %d: to replace it, pass --if-match %d\n", id, cur.Version, cur.Version)
		default:
			fmt.Fprintf(e.stderr, "operation %s is at version %d, not %d: check what changed (deconflict ops get %s), then pass --if-match %d\n",
				id, cur.Version, ifMatch, id, cur.Version)
		}
	}
	return rerr
}

func opsGet(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "ops get", "ID")
	conn := addConn(f, false)
	party := f.String("party", "", "", "owner of the operation, when it is another party's shared one")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	c, err := conn.client(false)
	if err != nil {
		return err
	}
	op, err := c.GetOperation(ctx, *party, pos[0])
	if err != nil {
		return conn.report(e, err)
	}
	if *conn.json {
		return printJSON(e.stdout, map[string]any{"operation": op})
	}
	fmt.Fprintln(e.stdout, fmtOperation(op))
	for i, v := range op.Volumes {
		s, en := v.Window()
		fmt.Fprintf(e.stdout, "  volumes[%d]: %s, buffer %g m, %g..%g m, %s..%s\n", i, v.Geometry.Type, v.BufferM, v.AltLowerM, v.AltUpperM, fmtTime(s), fmtTime(en))
	}
	for _, a := range op.AwareOf {
		entry, _ := json.Marshal(a)
		fmt.Fprintf(e.stdout, "  aware of %s\n", entry)
	}
	return nil
}

func opsList(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "ops list", "")
	conn := addConn(f, false)
	state := f.String("state", "", "", "only in this state: planned, active, closed, cancelled")
	bbox := f.String("bbox", "", "", "only within west,south,east,north (degrees)")
	from := f.String("from", "", "", "only with a volume ending after this RFC 3339 time")
	to := f.String("to", "", "", "only with a volume starting before this RFC 3339 time")
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	q := deconflict.OperationQuery{State: deconflict.OperationState(*state)}
	if *bbox != "" {
		parts := strings.Split(*bbox, ",")
		if len(parts) != 4 {
			return usagef("--bbox wants west,south,east,north")
		}
		var b [4]float64
		for i, p := range parts {
			x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return usagef("--bbox: %q is not a number", p)
			}
			b[i] = x
		}
		q.BBox = &b
	}
	for _, t := range []struct {
		name string
		s    string
		dst  *time.Time
	}{{"from", *from, &q.From}, {"to", *to, &q.To}} {
		if t.s == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.s)
		if err != nil {
			return usagef("--%s: want an RFC 3339 time such as 2026-11-24T07:20:00Z", t.name)
		}
		*t.dst = v
	}
	c, err := conn.client(false)
	if err != nil {
		return err
	}
	ops, err := c.ListOperations(ctx, q)
	if err != nil {
		return conn.report(e, err)
	}
	if *conn.json {
		if ops == nil {
			ops = []deconflict.Operation{}
		}
		return printJSON(e.stdout, map[string]any{"operations": ops})
	}
	fmt.Fprintf(e.stdout, "%d operation%s\n", len(ops), plural(len(ops)))
	for _, op := range ops {
		fmt.Fprintf(e.stdout, "  %s\n", fmtOperation(op))
	}
	return nil
}

func opsCancel(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "ops cancel", "ID")
	conn := addConn(f, false)
	ifMatch := f.Int64("if-match", "", 0, "cancel only if the operation is at this version")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	c, err := conn.client(false)
	if err != nil {
		return err
	}
	op, err := c.CancelOperation(ctx, pos[0], *ifMatch)
	if err != nil {
		return conn.report(e, err)
	}
	if *conn.json {
		return printJSON(e.stdout, map[string]any{"operation": op})
	}
	fmt.Fprintf(e.stdout, "cancelled %s\n", fmtOperation(op))
	return nil
}
