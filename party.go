package deconflict

import (
	"time"
)

// Roles a party may hold. Only the admin grants them.
const (
	// RoleSurveillance lets a party report aircraft of other parties
	// (a radar or ADS-B network operator).
	RoleSurveillance = "surveillance"
)

// Party is an organisation with its own credentials: an air force, a coalition
// HQ, a UN office, a drone operator. Every operation and zone has one owner
// party. Only the admin creates parties and changes their groups and roles.
type Party struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Groups    []string  `json:"groups"`
	Roles     []string  `json:"roles"`
	CreatedAt time.Time `json:"created_at"`
}

// Group is a named set of parties. Sharing with "group:NAME" shares with every
// member, present and future. Only the admin sets a group's members.
type Group struct {
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

// Token is a stored credential. Only its SHA-256 hash is kept; the secret is
// shown once, when the token is made. Prefix identifies it for revocation.
type Token struct {
	Prefix    string    `json:"prefix"`
	Party     string    `json:"party"` // "" for the admin token
	Hash      []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// Caller is the authenticated principal of a request.
type Caller struct {
	Party string // "" for the admin
	Admin bool
	Roles []string
}

// HasRole reports whether the caller holds role.
func (c Caller) HasRole(role string) bool {
	for _, r := range c.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// ValidID reports whether s is a valid id of a party, group, operation, zone or
// webhook: 1 to 64 characters from [A-Za-z0-9._-]. (A loop, not a regular
// expression: every request checks several ids, and every ledger entry its
// actor and audience.)
func ValidID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// CheckID records a fault at path if id is not a valid id.
func (f *FieldErrors) CheckID(path, id string) {
	if !ValidID(id) {
		if len(id) > 64 {
			f.Add(path, "must be 1 to 64 characters from A-Z a-z 0-9 . _ - (got %d characters)", len(id))
			return
		}
		f.Add(path, "must be 1 to 64 characters from A-Z a-z 0-9 . _ - (got %q)", id)
	}
}

// Validate checks a party as the admin submits it.
func (p *Party) Validate() error {
	var f FieldErrors
	f.CheckID("id", p.ID)
	if len(p.Name) > 200 {
		f.Add("name", "must be at most 200 characters")
	}
	for i, g := range p.Groups {
		f.CheckID(Path("groups", i), g)
	}
	for i, r := range p.Roles {
		if r != RoleSurveillance {
			f.Add(Path("roles", i), "unknown role %q; the only role is %q", r, RoleSurveillance)
		}
	}
	return f.Err()
}

// Validate checks a group as the admin submits it.
func (g *Group) Validate() error {
	var f FieldErrors
	f.CheckID("name", g.Name)
	for i, m := range g.Members {
		f.CheckID(Path("members", i), m)
	}
	return f.Err()
}
