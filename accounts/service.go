package accounts

import (
	"context"
	"time"

	"github.com/deconflict/deconflict"
)

// metaAdminPrefix is the store Meta key naming the prefix of the current
// admin token, so that a new one can replace it (tokens cannot be listed).
const metaAdminPrefix = "admin_token_prefix"

// MinAdminTokenLen is the shortest admin token EnsureAdmin accepts from the
// operator: the admin token can create parties, so a guessable one would hand
// the exchange to whoever guesses it.
const MinAdminTokenLen = 16

// maxTokenLen bounds what Authenticate hashes; no token we make is near it.
const maxTokenLen = 512

// Service implements deconflict.AccountService on a store.
type Service struct {
	store   deconflict.Store
	now     func() time.Time
	callers callerCache
}

var _ deconflict.AccountService = (*Service)(nil)

// New returns the account service of store.
func New(store deconflict.Store) *Service {
	return &Service{store: store, now: time.Now}
}

// EnsureAdmin makes sure an admin token exists. A non-empty token (from
// DECONFLICT_ADMIN_TOKEN) becomes the admin token, replacing any other, and ""
// is returned. With token == "", a new admin token is made and returned only
// if none exists yet, for the CLI to print once; otherwise "" is returned.
func (s *Service) EnsureAdmin(ctx context.Context, token string) (generated string, err error) {
	if token != "" && len(token) < MinAdminTokenLen {
		return "", deconflict.Errorf(deconflict.EINVALID, "the admin token must be at least %d characters", MinAdminTokenLen)
	}
	if token != "" && len(token) > maxTokenLen {
		return "", deconflict.Errorf(deconflict.EINVALID, "the admin token must be at most %d characters", maxTokenLen)
	}
	defer s.callers.clear() // a replaced admin token must stop working here at once
	err = s.store.Transact(ctx, func(tx deconflict.Tx) error {
		generated = ""
		old, err := tx.Meta(ctx, metaAdminPrefix)
		switch {
		case deconflict.ErrorCode(err) == deconflict.ENOTFOUND:
			old = nil
		case err != nil:
			return err
		}
		if token == "" {
			if old != nil {
				return nil
			}
			var prefix string
			generated, prefix = newToken()
			return s.setAdmin(ctx, tx, generated, prefix, "")
		}
		t, err := tx.TokenByHash(ctx, hashToken(token))
		switch {
		case err == nil && t.Party != "":
			return deconflict.Errorf(deconflict.EINVALID, "the admin token given is a party's token; choose another")
		case err == nil && string(old) == t.Prefix:
			return nil
		case err == nil:
			// Known admin token that lost its pointer: point at it again.
			if old != nil {
				if err := revokeIfPresent(ctx, tx, string(old)); err != nil {
					return err
				}
			}
			return tx.SetMeta(ctx, metaAdminPrefix, []byte(t.Prefix))
		case deconflict.ErrorCode(err) != deconflict.ENOTFOUND:
			return err
		}
		// The operator's token may have any shape, and a prefix taken from
		// it could collide with its own revoked earlier use: draw one.
		return s.setAdmin(ctx, tx, token, randomPrefix(), string(old))
	})
	if err != nil {
		return "", err
	}
	return generated, nil
}

// setAdmin stores token under prefix as the admin token and revokes oldPrefix.
func (s *Service) setAdmin(ctx context.Context, tx deconflict.Tx, token, prefix, oldPrefix string) error {
	if oldPrefix != "" {
		if err := revokeIfPresent(ctx, tx, oldPrefix); err != nil {
			return err
		}
	}
	if err := tx.AddToken(ctx, deconflict.Token{Prefix: prefix, Hash: hashToken(token), CreatedAt: s.now().UTC()}); err != nil {
		if deconflict.ErrorCode(err) == deconflict.ECONFLICT {
			// Revoked tokens keep their hash for the record, and a revoked
			// secret must not come back to life.
			return deconflict.Errorf(deconflict.EINVALID, "this admin token was used before and revoked; choose a new one")
		}
		return err
	}
	return tx.SetMeta(ctx, metaAdminPrefix, []byte(prefix))
}

func revokeIfPresent(ctx context.Context, tx deconflict.Tx, prefix string) error {
	if err := tx.RevokeToken(ctx, prefix); err != nil && deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
		return err
	}
	return nil
}

func requireAdmin(caller deconflict.Caller) error {
	if !caller.Admin {
		return deconflict.Errorf(deconflict.EFORBIDDEN, "only the admin may manage parties, groups and tokens")
	}
	return nil
}

// CreateParty creates a party and its first token in one transaction; the
// token is returned once and never again.
func (s *Service) CreateParty(ctx context.Context, caller deconflict.Caller, p deconflict.Party) (deconflict.Party, string, error) {
	if err := requireAdmin(caller); err != nil {
		return deconflict.Party{}, "", err
	}
	if err := p.Validate(); err != nil {
		return deconflict.Party{}, "", err
	}
	p.Groups = dedupe(p.Groups)
	p.Roles = dedupe(p.Roles)
	p.CreatedAt = s.now().UTC()
	token, prefix := newToken()
	err := s.store.Transact(ctx, func(tx deconflict.Tx) error {
		if err := tx.CreateParty(ctx, p); err != nil {
			if deconflict.ErrorCode(err) == deconflict.ECONFLICT {
				return deconflict.Errorf(deconflict.ECONFLICT, "party %q already exists", p.ID)
			}
			return err
		}
		return tx.AddToken(ctx, deconflict.Token{Prefix: prefix, Party: p.ID, Hash: hashToken(token), CreatedAt: p.CreatedAt})
	})
	if err != nil {
		return deconflict.Party{}, "", err
	}
	return p, token, nil
}

// CreateToken makes another token for an existing party.
func (s *Service) CreateToken(ctx context.Context, caller deconflict.Caller, party string) (deconflict.Token, string, error) {
	if err := requireAdmin(caller); err != nil {
		return deconflict.Token{}, "", err
	}
	token, prefix := newToken()
	t := deconflict.Token{Prefix: prefix, Party: party, Hash: hashToken(token), CreatedAt: s.now().UTC()}
	err := s.store.Transact(ctx, func(tx deconflict.Tx) error {
		if _, err := tx.Party(ctx, party); err != nil {
			if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
				return deconflict.Errorf(deconflict.ENOTFOUND, "party %q not found", party)
			}
			return err
		}
		return tx.AddToken(ctx, t)
	})
	if err != nil {
		return deconflict.Token{}, "", err
	}
	return t, token, nil
}

// RevokeToken revokes a token by its prefix. The admin token cannot be
// revoked this way, since nobody could then manage the exchange: it is
// replaced by restarting with DECONFLICT_ADMIN_TOKEN.
func (s *Service) RevokeToken(ctx context.Context, caller deconflict.Caller, prefix string) error {
	if err := requireAdmin(caller); err != nil {
		return err
	}
	defer s.callers.clear() // after the revocation commits, or fails: either way safe
	return s.store.Transact(ctx, func(tx deconflict.Tx) error {
		admin, err := tx.Meta(ctx, metaAdminPrefix)
		if err != nil && deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
			return err
		}
		if err == nil && string(admin) == prefix {
			return deconflict.Errorf(deconflict.EINVALID, "token %q is the admin token; replace it by restarting the server with DECONFLICT_ADMIN_TOKEN", prefix)
		}
		if err := tx.RevokeToken(ctx, prefix); err != nil {
			if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
				return deconflict.Errorf(deconflict.ENOTFOUND, "token %q not found", prefix)
			}
			return err
		}
		return nil
	})
}

// PutGroup sets a group's members, all of which must be existing parties.
func (s *Service) PutGroup(ctx context.Context, caller deconflict.Caller, g deconflict.Group) (deconflict.Group, error) {
	if err := requireAdmin(caller); err != nil {
		return deconflict.Group{}, err
	}
	if err := g.Validate(); err != nil {
		return deconflict.Group{}, err
	}
	if g.Members == nil {
		g.Members = []string{}
	}
	err := s.store.Transact(ctx, func(tx deconflict.Tx) error {
		var f deconflict.FieldErrors
		for i, m := range g.Members {
			if _, err := tx.Party(ctx, m); err != nil {
				if deconflict.ErrorCode(err) != deconflict.ENOTFOUND {
					return err
				}
				f.Add(deconflict.Path("members", i), "party %q does not exist", m)
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		g.Members = dedupe(g.Members)
		return tx.PutGroup(ctx, g)
	})
	if err != nil {
		return deconflict.Group{}, err
	}
	return g, nil
}

// Authenticate returns the caller a bearer token belongs to.
func (s *Service) Authenticate(ctx context.Context, token string) (deconflict.Caller, error) {
	unauthorized := deconflict.Errorf(deconflict.EUNAUTHORIZED, "unknown or revoked token")
	if token == "" || len(token) > maxTokenLen {
		return deconflict.Caller{}, unauthorized
	}
	hash := [32]byte(hashToken(token))
	now := s.now()
	if c, ok := s.callers.get(hash, now); ok {
		return c, nil
	}
	t, err := s.store.TokenByHash(ctx, hash[:])
	if err != nil {
		if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
			return deconflict.Caller{}, unauthorized
		}
		return deconflict.Caller{}, err
	}
	if t.Party == "" {
		c := deconflict.Caller{Admin: true}
		s.callers.put(hash, c, now)
		return c, nil
	}
	p, err := s.store.Party(ctx, t.Party)
	if err != nil {
		if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
			return deconflict.Caller{}, unauthorized
		}
		return deconflict.Caller{}, err
	}
	c := deconflict.Caller{Party: p.ID, Roles: p.Roles}
	s.callers.put(hash, c, now)
	return c, nil
}

// dedupe drops repeated entries, keeping the first of each in order.
func dedupe(xs []string) []string {
	out := make([]string, 0, len(xs))
	seen := make(map[string]bool, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
