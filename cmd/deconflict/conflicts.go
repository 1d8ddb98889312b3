package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/deconflict/deconflict"
)

func runConflicts(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "conflicts", args, map[string]func(context.Context, *env, []string) error{
		"check": conflictsCheck, "list": conflictsList,
	})
}

// conflictsCheck asks what conflicts the volumes of a file would have. The
// file holds {"volumes": [...], "share_with": [...]} or a whole operation,
// of which only those two fields count.
func conflictsCheck(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "conflicts check", "FILE")
	conn := addConn(f, false)
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	_, body, err := objectFile(pos[0], "operation")
	if err != nil {
		return err
	}
	if _, ok := body["volumes"]; !ok {
		return fmt.Errorf("%s: no \"volumes\" to check", pos[0])
	}
	check := map[string]json.RawMessage{"volumes": body["volumes"]}
	if sw, ok := body["share_with"]; ok {
		check["share_with"] = sw
	}
	raw, err := json.Marshal(check)
	if err != nil {
		return err
	}
	c, err := conn.client(false)
	if err != nil {
		return err
	}
	cs, err := c.CheckConflictsJSON(ctx, raw)
	if err != nil {
		return conn.report(e, err)
	}
	if *conn.json {
		if cs == nil {
			cs = []deconflict.Conflict{}
		}
		return printJSON(e.stdout, map[string]any{"conflicts": cs})
	}
	printConflicts(e.stdout, cs)
	if n := countPolicy(cs, deconflict.PolicyAcknowledge); n > 0 {
		fmt.Fprintf(e.stdout, "%d must be named in aware_of before ops put accepts these volumes\n", n)
	}
	if n := countPolicy(cs, deconflict.PolicyDeny); n > 0 {
		fmt.Fprintf(e.stdout, "%d denied by a zone: ops put will refuse these volumes whatever aware_of says\n", n)
	}
	return nil
}

func countPolicy(cs []deconflict.Conflict, p deconflict.Policy) int {
	n := 0
	for _, c := range cs {
		if c.Policy == p {
			n++
		}
	}
	return n
}

func conflictsList(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "conflicts list", "")
	conn := addConn(f, false)
	state := f.String("state", "", "", "only in this state: open, closed (default: all)")
	if _, err := f.parse(e, args, 0); err != nil {
		return err
	}
	switch deconflict.ConflictState(*state) {
	case "", deconflict.ConflictOpen, deconflict.ConflictClosed:
	default:
		return usagef("--state %q: want open or closed", *state)
	}
	c, err := conn.client(false)
	if err != nil {
		return err
	}
	cs, err := c.ListConflicts(ctx, deconflict.ConflictState(*state))
	if err != nil {
		return conn.report(e, err)
	}
	if *conn.json {
		if cs == nil {
			cs = []deconflict.Conflict{}
		}
		return printJSON(e.stdout, map[string]any{"conflicts": cs})
	}
	printConflicts(e.stdout, cs)
	return nil
}
