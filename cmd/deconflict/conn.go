package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/deconflict/deconflict/client"
)

// Default address of a server, for client commands and bench.
const defaultServer = "http://127.0.0.1:8080"

// connFlags are the flags of every command that talks to a server.
type connFlags struct {
	server *string
	token  *string
	admin  *string // admin commands only
	caCert *string
	json   *bool
}

// addConn adds --server, --token (or --admin-token for admin commands),
// --ca-cert and --json.
func addConn(f *flags, admin bool) *connFlags {
	c := &connFlags{
		server: f.String("server", "DECONFLICT_SERVER", defaultServer, "URL of the server"),
		caCert: f.String("ca-cert", "DECONFLICT_CA_CERT", "", "PEM file of the CA that signed the server's certificate (https with a private CA)"),
		json:   f.Bool("json", "", false, "print the server's JSON instead of text"),
	}
	if admin {
		c.admin = f.String("admin-token", "DECONFLICT_ADMIN_TOKEN", "", "the admin token")
		c.token = f.String("token", "DECONFLICT_TOKEN", "", "the admin token, when --admin-token is not set")
	} else {
		c.token = f.String("token", "DECONFLICT_TOKEN", "", "the party's bearer token")
	}
	return c
}

// client builds the API client; a missing token is a usage error.
func (c *connFlags) client(admin bool) (*client.Client, error) {
	u, err := url.Parse(*c.server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--server %q: want a URL such as %s", *c.server, defaultServer)
	}
	token := strings.TrimSpace(*c.token)
	if admin && strings.TrimSpace(*c.admin) != "" {
		token = strings.TrimSpace(*c.admin)
	}
	if token == "" {
		if admin {
			return nil, usagef("this command needs the admin token: --admin-token or DECONFLICT_ADMIN_TOKEN")
		}
		return nil, usagef("this command needs a party token: --token or DECONFLICT_TOKEN")
	}
	cl := client.New(*c.server, token)
	if *c.caCert != "" {
		pem, err := os.ReadFile(*c.caCert)
		if err != nil {
			return nil, fmt.Errorf("reading --ca-cert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-cert %s holds no PEM certificate", *c.caCert)
		}
		tr := client.NewTransport()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		cl.HTTP.Transport = tr
	}
	return cl, nil
}

// report prints a refusal of the server (a *client.Problem) in full, as text
// on stderr or, with --json, as the problem document on stdout, and returns
// errReported so that the command exits 1 without repeating it. Other
// errors are returned as they are.
func (c *connFlags) report(e *env, err error) error {
	var p *client.Problem
	if !errors.As(err, &p) {
		return err
	}
	if *c.json {
		_ = printJSON(e.stdout, p)
	} else {
		printProblem(e.stderr, p)
	}
	return errReported
}
