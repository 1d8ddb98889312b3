package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Tokens read dc_<prefix>_<secret>: the prefix names the token for
// revocation without revealing it, the secret carries the 256 bits of entropy.
const (
	tokenScheme    = "dc_"
	prefixLen      = 8
	prefixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	secretBytes    = 32
)

// newToken returns a fresh token and its prefix.
func newToken() (token, prefix string) {
	prefix = randomPrefix()
	secret := make([]byte, secretBytes)
	rand.Read(secret) // crypto/rand.Read never fails (Go 1.24+)
	return tokenScheme + prefix + "_" + base64.RawURLEncoding.EncodeToString(secret), prefix
}

// randomPrefix draws prefixLen characters uniformly from prefixAlphabet
// (rejection sampling, so no character is likelier than another).
func randomPrefix() string {
	var b strings.Builder
	buf := make([]byte, 1)
	for b.Len() < prefixLen {
		rand.Read(buf)
		if int(buf[0]) < 256-256%len(prefixAlphabet) {
			b.WriteByte(prefixAlphabet[int(buf[0])%len(prefixAlphabet)])
		}
	}
	return b.String()
}

// hashToken is what the store keeps of a token.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// tokenPrefix returns the prefix of a token of our format, or "" when the
// token is not one (an admin token chosen by the operator may be anything).
func tokenPrefix(token string) string {
	rest, ok := strings.CutPrefix(token, tokenScheme)
	if !ok || len(rest) < prefixLen+1 || rest[prefixLen] != '_' {
		return ""
	}
	p := rest[:prefixLen]
	for i := 0; i < len(p); i++ {
		if !strings.ContainsRune(prefixAlphabet, rune(p[i])) {
			return ""
		}
	}
	return p
}
