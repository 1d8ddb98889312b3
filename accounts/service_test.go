package accounts_test

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/accounts"
	"github.com/deconflict/deconflict/sqlite"
)

var admin = deconflict.Caller{Admin: true}

func open(t *testing.T) (*accounts.Service, *sqlite.Store) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return accounts.New(st), st
}

func code(t *testing.T, err error, want string) {
	t.Helper()
	if got := deconflict.ErrorCode(err); got != want {
		t.Fatalf("error code %q (%v), want %q", got, err, want)
	}
}

var tokenShape = regexp.MustCompile(`^dc_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$`)

func TestEnsureAdminGeneratesOnceThenKeeps(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	tok, err := s.EnsureAdmin(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if !tokenShape.MatchString(tok) {
		t.Fatalf("admin token %q does not have the dc_<prefix>_<secret> shape", tok)
	}
	again, err := s.EnsureAdmin(ctx, "")
	if err != nil || again != "" {
		t.Fatalf("second start printed a token again: %q, %v", again, err)
	}
	c, err := s.Authenticate(ctx, tok)
	if err != nil || !c.Admin || c.Party != "" {
		t.Fatalf("admin token authenticates as %+v, %v", c, err)
	}
}

func TestEnsureAdminFromEnvironmentReplacesOthers(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	generated, err := s.EnsureAdmin(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	const chosen = "operator-chosen-admin-secret"
	if got, err := s.EnsureAdmin(ctx, chosen); err != nil || got != "" {
		t.Fatalf("EnsureAdmin(chosen) = %q, %v", got, err)
	}
	if c, err := s.Authenticate(ctx, chosen); err != nil || !c.Admin {
		t.Fatalf("chosen admin token: %+v, %v", c, err)
	}
	_, err = s.Authenticate(ctx, generated)
	code(t, err, deconflict.EUNAUTHORIZED)

	// The same token again (every restart with the variable set) is a no-op.
	if _, err := s.EnsureAdmin(ctx, chosen); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Authenticate(ctx, chosen); err != nil || !c.Admin {
		t.Fatalf("chosen admin token after restart: %+v, %v", c, err)
	}
	// A second chosen token replaces the first; the first, once revoked,
	// cannot come back.
	const other = "another-operator-admin-secret"
	if _, err := s.EnsureAdmin(ctx, other); err != nil {
		t.Fatal(err)
	}
	_, err = s.Authenticate(ctx, chosen)
	code(t, err, deconflict.EUNAUTHORIZED)
	_, err = s.EnsureAdmin(ctx, chosen)
	code(t, err, deconflict.EINVALID)
	if c, err := s.Authenticate(ctx, other); err != nil || !c.Admin {
		t.Fatalf("refusing a revoked token lost the current one: %+v, %v", c, err)
	}
	// Nothing is generated while an admin token exists.
	if got, err := s.EnsureAdmin(ctx, ""); err != nil || got != "" {
		t.Fatalf("EnsureAdmin(\"\") with a chosen admin = %q, %v", got, err)
	}
}

func TestEnsureAdminRefusesWeakOrPartyToken(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	_, err := s.EnsureAdmin(ctx, "short")
	code(t, err, deconflict.EINVALID)
	_, tok, err := s.CreateParty(ctx, admin, deconflict.Party{ID: "usaf", Name: "US Air Force"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.EnsureAdmin(ctx, tok)
	code(t, err, deconflict.EINVALID)
}

func TestCreatePartyAndAuthenticate(t *testing.T) {
	ctx := context.Background()
	s, st := open(t)
	p, tok, err := s.CreateParty(ctx, admin, deconflict.Party{ID: "ruaf", Name: "Russian Aerospace Forces", Groups: []string{"csto"}, Roles: []string{"surveillance"}})
	if err != nil {
		t.Fatal(err)
	}
	if !tokenShape.MatchString(tok) || p.CreatedAt.IsZero() {
		t.Fatalf("party %+v, token %q", p, tok)
	}
	c, err := s.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.Party != "ruaf" || c.Admin || !c.HasRole(deconflict.RoleSurveillance) {
		t.Fatalf("caller %+v", c)
	}
	stored, err := st.Party(ctx, "ruaf")
	if err != nil || !slices.Contains(stored.Groups, "csto") {
		t.Fatalf("stored party %+v, %v", stored, err)
	}

	_, _, err = s.CreateParty(ctx, admin, deconflict.Party{ID: "ruaf"})
	code(t, err, deconflict.ECONFLICT)
	_, _, err = s.CreateParty(ctx, admin, deconflict.Party{ID: "bad id!"})
	code(t, err, deconflict.EINVALID)
	_, _, err = s.CreateParty(ctx, admin, deconflict.Party{ID: "x", Roles: []string{"god"}})
	code(t, err, deconflict.EINVALID)
	_, _, err = s.CreateParty(ctx, c, deconflict.Party{ID: "y"})
	code(t, err, deconflict.EFORBIDDEN)
}

func TestTokensAreStoredHashedAndRevocable(t *testing.T) {
	ctx := context.Background()
	s, st := open(t)
	_, first, err := s.CreateParty(ctx, admin, deconflict.Party{ID: "un-ocha"})
	if err != nil {
		t.Fatal(err)
	}
	tok, second, err := s.CreateToken(ctx, admin, "un-ocha")
	if err != nil {
		t.Fatal(err)
	}
	if second == first || !tokenShape.MatchString(second) || second[3:11] != tok.Prefix {
		t.Fatalf("second token %q, prefix %q", second, tok.Prefix)
	}
	if string(tok.Hash) == second || len(tok.Hash) != 32 {
		t.Fatalf("token hash is not a SHA-256: %x", tok.Hash)
	}
	if _, err := st.TokenByHash(ctx, []byte(second)); deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
		t.Fatalf("the clear token finds a stored token: %v", err)
	}
	for _, tk := range []string{first, second} {
		if c, err := s.Authenticate(ctx, tk); err != nil || c.Party != "un-ocha" {
			t.Fatalf("token %q: %+v, %v", tk, c, err)
		}
	}
	if err := s.RevokeToken(ctx, admin, tok.Prefix); err != nil {
		t.Fatal(err)
	}
	_, err = s.Authenticate(ctx, second)
	code(t, err, deconflict.EUNAUTHORIZED)
	if _, err := s.Authenticate(ctx, first); err != nil {
		t.Fatalf("revoking one token revoked another: %v", err)
	}

	_, _, err = s.CreateToken(ctx, admin, "nobody")
	code(t, err, deconflict.ENOTFOUND)
	_, _, err = s.CreateToken(ctx, deconflict.Caller{Party: "un-ocha"}, "un-ocha")
	code(t, err, deconflict.EFORBIDDEN)
	code(t, s.RevokeToken(ctx, deconflict.Caller{Party: "un-ocha"}, tok.Prefix), deconflict.EFORBIDDEN)
	code(t, s.RevokeToken(ctx, admin, "zzzzzzzz"), deconflict.ENOTFOUND)
}

func TestAdminTokenCannotBeRevoked(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	tok, err := s.EnsureAdmin(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	code(t, s.RevokeToken(ctx, admin, tok[3:11]), deconflict.EINVALID)
	if _, err := s.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
}

func TestAuthenticateRefusesUnknown(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	for _, tok := range []string{"", "dc_abcdefgh_nope", string(make([]byte, 10_000))} {
		_, err := s.Authenticate(ctx, tok)
		code(t, err, deconflict.EUNAUTHORIZED)
	}
}

func TestPutGroupNeedsExistingMembers(t *testing.T) {
	ctx := context.Background()
	s, st := open(t)
	for _, id := range []string{"usaf", "raf"} {
		if _, _, err := s.CreateParty(ctx, admin, deconflict.Party{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.PutGroup(ctx, admin, deconflict.Group{Name: "coalition", Members: []string{"usaf", "ghost", "raf", "phantom"}})
	code(t, err, deconflict.EINVALID)
	var e *deconflict.Error = err.(*deconflict.Error)
	if len(e.Fields) != 2 || e.Fields[0].Field != "members[1]" || e.Fields[1].Field != "members[3]" {
		t.Fatalf("fields %+v, want members[1] and members[3]", e.Fields)
	}
	if _, err := st.Group(ctx, "coalition"); deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
		t.Fatalf("a refused group was stored: %v", err)
	}

	g, err := s.PutGroup(ctx, admin, deconflict.Group{Name: "coalition", Members: []string{"usaf", "raf", "usaf"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Members) != 2 {
		t.Fatalf("members %v", g.Members)
	}
	p, err := st.Party(ctx, "raf")
	if err != nil || !slices.Contains(p.Groups, "coalition") {
		t.Fatalf("raf's groups after PutGroup: %+v, %v", p, err)
	}
	if _, err := s.PutGroup(ctx, admin, deconflict.Group{Name: "coalition", Members: []string{"usaf"}}); err != nil {
		t.Fatal(err)
	}
	p, _ = st.Party(ctx, "raf")
	if slices.Contains(p.Groups, "coalition") {
		t.Fatalf("raf still in coalition after removal: %v", p.Groups)
	}
	_, err = s.PutGroup(ctx, deconflict.Caller{Party: "usaf"}, deconflict.Group{Name: "x"})
	code(t, err, deconflict.EFORBIDDEN)
}
