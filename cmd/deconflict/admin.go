package main

import (
	"context"
	"fmt"

	"github.com/deconflict/deconflict"
)

func runParty(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "party", args, map[string]func(context.Context, *env, []string) error{"add": partyAdd})
}

func runGroup(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "group", args, map[string]func(context.Context, *env, []string) error{"set": groupSet})
}

func runToken(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "token", args, map[string]func(context.Context, *env, []string) error{
		"add": tokenAdd, "revoke": tokenRevoke,
	})
}

// partyAdd creates a party and prints its token, which is shown only now.
func partyAdd(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "party add", "ID")
	conn := addConn(f, true)
	name := f.String("name", "", "", "display name")
	groups := f.String("groups", "", "", "comma-separated groups to join (created if missing)")
	roles := f.String("roles", "", "", "comma-separated roles: surveillance")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	c, err := conn.client(true)
	if err != nil {
		return err
	}
	p, token, err := c.CreateParty(ctx, deconflict.Party{ID: pos[0], Name: *name, Groups: list(*groups), Roles: list(*roles)})
	if err != nil {
		return conn.report(e, err)
	}
	if *conn.json {
		return printJSON(e.stdout, map[string]any{"party": p, "token": token})
	}
	fmt.Fprintf(e.stdout, "party %s (%s) groups %s roles %s\n", p.ID, p.Name, orDash(p.Groups), orDash(p.Roles))
	fmt.Fprintf(e.stdout, "token (shown once): %s\n", token)
	return nil
}

func groupSet(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "group set", "NAME")
	conn := addConn(f, true)
	members := f.String("members", "", "", "comma-separated party ids (replaces the members)")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	c, err := conn.client(true)
	if err != nil {
		return err
	}
	g, err := c.PutGroup(ctx, pos[0], list(*members))
	if err != nil {
		return conn.report(e, err)
	}
	if *conn.json {
		return printJSON(e.stdout, map[string]any{"group": g})
	}
	fmt.Fprintf(e.stdout, "group %s members %s\n", g.Name, orDash(g.Members))
	return nil
}

func tokenAdd(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "token add", "PARTY")
	conn := addConn(f, true)
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	c, err := conn.client(true)
	if err != nil {
		return err
	}
	token, prefix, err := c.CreateToken(ctx, pos[0])
	if err != nil {
		return conn.report(e, err)
	}
	if *conn.json {
		return printJSON(e.stdout, map[string]any{"token": token, "prefix": prefix})
	}
	fmt.Fprintf(e.stdout, "token of %s, prefix %s (revoke with: deconflict token revoke %s)\n", pos[0], prefix, prefix)
	fmt.Fprintf(e.stdout, "token (shown once): %s\n", token)
	return nil
}

func tokenRevoke(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "token revoke", "PREFIX")
	conn := addConn(f, true)
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	c, err := conn.client(true)
	if err != nil {
		return err
	}
	if err := c.RevokeToken(ctx, pos[0]); err != nil {
		return conn.report(e, err)
	}
	if !*conn.json {
		fmt.Fprintf(e.stdout, "token %s revoked\n", pos[0])
	}
	return nil
}
