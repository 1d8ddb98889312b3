package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/deconflict/deconflict"
)

func testParties(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	want := deconflict.Party{ID: "ru-af", Name: "Russian Aerospace Forces", Groups: []string{"zz-last", "csto"},
		Roles: []string{deconflict.RoleSurveillance}, CreatedAt: at(1, 2).Add(345 * 1000)}
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.CreateParty(ctx, want) })

	got, err := s.Party(ctx, "ru-af")
	if err != nil {
		t.Fatalf("Party: %v", err)
	}
	want.Groups = []string{"csto", "zz-last"} // groups come back in name order
	sameJSON(t, "party as stored", got, want)

	// Its groups were created with it as their member.
	g, err := s.Group(ctx, "csto")
	if err != nil {
		t.Fatalf("Group created with the party: %v", err)
	}
	sameJSON(t, "group created with the party", g, deconflict.Group{Name: "csto", Members: []string{"ru-af"}})

	// A party without groups or roles reads back with empty lists.
	mustParty(t, s, "usaf")
	got, err = s.Party(ctx, "usaf")
	if err != nil {
		t.Fatalf("Party: %v", err)
	}
	if got.Groups == nil || len(got.Groups) != 0 || got.Roles == nil || len(got.Roles) != 0 {
		t.Fatalf("party without groups or roles: groups %#v roles %#v, want empty lists", got.Groups, got.Roles)
	}

	err = writeErr(s, func(ctx context.Context, tx deconflict.Tx) error {
		return tx.CreateParty(ctx, deconflict.Party{ID: "ru-af", Name: "again"})
	})
	wantCode(t, "duplicate party", err, deconflict.ECONFLICT)
	if got, _ := s.Party(ctx, "ru-af"); got.Name != "Russian Aerospace Forces" {
		t.Fatalf("duplicate create changed the party's name to %q", got.Name)
	}

	_, err = s.Party(ctx, "nobody")
	wantCode(t, "missing party", err, deconflict.ENOTFOUND)
}

func testGroups(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	mustParty(t, s, "a", "b", "c")
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		return tx.PutGroup(ctx, deconflict.Group{Name: "coalition", Members: []string{"c", "a"}})
	})
	g, err := s.Group(ctx, "coalition")
	if err != nil {
		t.Fatalf("Group: %v", err)
	}
	sameJSON(t, "group", g, deconflict.Group{Name: "coalition", Members: []string{"a", "c"}})
	if p, _ := s.Party(ctx, "a"); len(p.Groups) != 1 || p.Groups[0] != "coalition" {
		t.Fatalf("party a groups = %q, want [coalition]", p.Groups)
	}

	// PutGroup replaces the members.
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		return tx.PutGroup(ctx, deconflict.Group{Name: "coalition", Members: []string{"b"}})
	})
	g, _ = s.Group(ctx, "coalition")
	sameJSON(t, "group after replacing members", g, deconflict.Group{Name: "coalition", Members: []string{"b"}})
	if p, _ := s.Party(ctx, "a"); len(p.Groups) != 0 {
		t.Fatalf("party a left the group but still has groups %q", p.Groups)
	}

	// An unknown member is refused, naming it, and nothing changes.
	err = writeErr(s, func(ctx context.Context, tx deconflict.Tx) error {
		return tx.PutGroup(ctx, deconflict.Group{Name: "coalition", Members: []string{"a", "ghost"}})
	})
	wantCode(t, "group with an unknown member", err, deconflict.EINVALID)
	var e *deconflict.Error
	if !errors.As(err, &e) || !strings.Contains(e.Error(), "ghost") {
		t.Fatalf("error %v does not name the unknown member", err)
	}
	g, _ = s.Group(ctx, "coalition")
	sameJSON(t, "group after a refused change", g, deconflict.Group{Name: "coalition", Members: []string{"b"}})

	// A group can be emptied and still exists.
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		return tx.PutGroup(ctx, deconflict.Group{Name: "empty"})
	})
	g, err = s.Group(ctx, "empty")
	if err != nil || len(g.Members) != 0 || g.Members == nil {
		t.Fatalf("empty group: %+v, %v; want no members as an empty list", g, err)
	}

	_, err = s.Group(ctx, "nosuch")
	wantCode(t, "missing group", err, deconflict.ENOTFOUND)
}

func testTokens(t *testing.T, s deconflict.Store) {
	ctx := context.Background()
	mustParty(t, s, "a")
	h1 := sha256.Sum256([]byte("secret-1"))
	h2 := sha256.Sum256([]byte("secret-2"))
	admin := sha256.Sum256([]byte("admin-secret"))
	tok := deconflict.Token{Prefix: "dc_aaaa", Party: "a", Hash: h1[:], CreatedAt: at(3, 0)}
	write(t, s, func(ctx context.Context, tx deconflict.Tx) error {
		if err := tx.AddToken(ctx, tok); err != nil {
			return err
		}
		if err := tx.AddToken(ctx, deconflict.Token{Prefix: "dc_bbbb", Party: "a", Hash: h2[:], CreatedAt: at(3, 1)}); err != nil {
			return err
		}
		return tx.AddToken(ctx, deconflict.Token{Prefix: "dc_admin", Hash: admin[:], CreatedAt: at(0, 0)})
	})

	got, err := s.TokenByHash(ctx, h1[:])
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	if got.Prefix != tok.Prefix || got.Party != "a" || string(got.Hash) != string(h1[:]) || !got.CreatedAt.Equal(tok.CreatedAt) {
		t.Fatalf("token = %+v, want %+v", got, tok)
	}
	if got, err := s.TokenByHash(ctx, admin[:]); err != nil || got.Party != "" || got.Prefix != "dc_admin" {
		t.Fatalf("admin token = %+v, %v; want prefix dc_admin with no party", got, err)
	}
	unknown := sha256.Sum256([]byte("guess"))
	_, err = s.TokenByHash(ctx, unknown[:])
	wantCode(t, "unknown token", err, deconflict.ENOTFOUND)

	write(t, s, func(ctx context.Context, tx deconflict.Tx) error { return tx.RevokeToken(ctx, "dc_aaaa") })
	_, err = s.TokenByHash(ctx, h1[:])
	wantCode(t, "revoked token", err, deconflict.ENOTFOUND)
	if _, err := s.TokenByHash(ctx, h2[:]); err != nil {
		t.Fatalf("revoking one token revoked another: %v", err)
	}
	err = writeErr(s, func(ctx context.Context, tx deconflict.Tx) error { return tx.RevokeToken(ctx, "dc_nope") })
	wantCode(t, "revoking an unknown prefix", err, deconflict.ENOTFOUND)

	h3 := sha256.Sum256([]byte("secret-3"))
	err = writeErr(s, func(ctx context.Context, tx deconflict.Tx) error {
		return tx.AddToken(ctx, deconflict.Token{Prefix: "dc_bbbb", Party: "a", Hash: h3[:], CreatedAt: t0})
	})
	wantCode(t, "duplicate prefix", err, deconflict.ECONFLICT)
	err = writeErr(s, func(ctx context.Context, tx deconflict.Tx) error {
		return tx.AddToken(ctx, deconflict.Token{Prefix: "dc_cccc", Party: "ghost", Hash: h3[:], CreatedAt: t0})
	})
	wantCode(t, "token of an unknown party", err, deconflict.EINVALID, deconflict.ENOTFOUND)
	if _, err := s.TokenByHash(ctx, h3[:]); deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
		t.Fatalf("a refused token was stored: %v", err)
	}
}
