package client_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/accounts"
	"github.com/deconflict/deconflict/api"
	"github.com/deconflict/deconflict/client"
	"github.com/deconflict/deconflict/sqlite"
	"github.com/deconflict/deconflict/strategic"
)

const adminToken = "client-test-admin-token-0123456789"

// newServer stands up the real exchange (SQLite file, services, HTTP API)
// on loopback and returns an admin client of it.
func newServer(t *testing.T) *client.Client {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	acc := accounts.New(store)
	if _, err := acc.EnsureAdmin(ctx, adminToken); err != nil {
		t.Fatal(err)
	}
	settings := deconflict.DefaultSettings()
	strat, err := strategic.New(ctx, store, strategic.Config{Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewServer(api.Config{
		Accounts: acc, Operations: strat, Zones: strat, Conflicts: strat, Ready: store.Ping, Settings: settings,
	}))
	t.Cleanup(srv.Close)
	return client.New(srv.URL, adminToken)
}

// party creates a party and returns a client acting as it.
func party(t *testing.T, admin *client.Client, id string, groups ...string) *client.Client {
	t.Helper()
	p, token, err := admin.CreateParty(context.Background(), deconflict.Party{ID: id, Name: "Party " + id, Groups: groups})
	if err != nil {
		t.Fatalf("create party %s: %v", id, err)
	}
	if p.ID != id || token == "" {
		t.Fatalf("create party %s: got party %+v, token %q", id, p, token)
	}
	return admin.WithToken(token)
}
