// Package client is a small typed Go client of the Deconflict HTTP API (SPEC §6):
// the CLI, `deconflict bench` and the tests talk to a server through it.
//
// It only speaks HTTP: it holds no state beyond its base URL, token and
// connection pool, decides nothing, and never retries a request on its own
// (a retried PUT could be applied twice; callers choose).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls one Deconflict server as one principal (a party or the admin).
// It is safe for concurrent use; copies made by WithToken share its
// connection pool.
type Client struct {
	baseURL string
	token   string
	// HTTP is the client requests go through. New sets one whose transport
	// keeps many idle connections per host, so load generators reuse
	// connections instead of exhausting ephemeral ports.
	HTTP *http.Client
}

// New returns a client of the server at baseURL ("http://127.0.0.1:8080")
// that authenticates with token ("" for the unauthenticated routes).
func New(baseURL, token string) *Client {
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), token: token, HTTP: &http.Client{Transport: NewTransport()}}
}

// NewTransport returns an HTTP transport tuned for many concurrent requests
// to one server: a deep idle pool per host (the default of 2 makes a loaded
// client open and close a connection per request) and bounded timeouts.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil, // the exchange is addressed directly; a proxy would distort latency
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   512,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// WithToken returns a client of the same server, sharing the connection
// pool, that authenticates with token.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// BaseURL returns the server address the client calls.
func (c *Client) BaseURL() string { return c.baseURL }

// request is one call: Do fills the response into out (JSON), or returns a
// *Problem for any status of 400 and above.
type request struct {
	method      string
	path        string // already escaped
	query       url.Values
	body        []byte
	contentType string
	ifMatch     int64 // sent as If-Match: "N" when > 0
	out         any   // decoded from a 2xx JSON body when not nil
}

// response is what a call returns besides its decoded body.
type response struct {
	status int
	header http.Header
}

func (c *Client) do(ctx context.Context, r request) (response, error) {
	u := c.baseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	if r.body != nil {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if r.ifMatch > 0 {
		req.Header.Set("If-Match", strconv.Quote(strconv.FormatInt(r.ifMatch, 10)))
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	defer resp.Body.Close()
	// Read the whole body so that the connection goes back to the pool.
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: reading the answer: %w", r.method, r.path, err)
	}
	res := response{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode >= 400 {
		return res, newProblem(resp, data)
	}
	if r.out != nil && resp.StatusCode != http.StatusNoContent {
		if raw, ok := r.out.(*[]byte); ok {
			*raw = data
			return res, nil
		}
		if err := json.Unmarshal(data, r.out); err != nil {
			return res, fmt.Errorf("%s %s: decoding the %d answer: %w", r.method, r.path, resp.StatusCode, err)
		}
	}
	return res, nil
}

// jsonBody encodes v for a request body.
func jsonBody(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding the request: %w", err)
	}
	return b, nil
}

// seg escapes one path segment (ids are restricted, but the client must not
// let a malformed one change which route it calls).
func seg(s string) string { return url.PathEscape(s) }
