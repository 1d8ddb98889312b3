package delivery

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
)

// reachable is the stub a test of another package would use: every
// well-formed URL counts as reachable.
func reachable(context.Context, string, string) (net.Conn, error) { return nil, nil }

// wantURLError checks that err is what the API shows: EINVALID, one fault on
// "url" whose message contains each of want.
func wantURLError(t *testing.T, err error, want ...string) {
	t.Helper()
	var e *deconflict.Error
	if !errors.As(err, &e) || e.Code != deconflict.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "url" {
		t.Fatalf("error = %#v, want EINVALID with one fault on url", err)
	}
	for _, w := range want {
		if !strings.Contains(e.Fields[0].Message, w) {
			t.Errorf("message %q does not say %q", e.Fields[0].Message, w)
		}
	}
}

func TestCheckURLRefusesBadForms(t *testing.T) {
	long := "https://example.org/" + strings.Repeat("a", MaxURLLength)
	cases := []struct{ raw, want string }{
		{"", "is required"},
		{long, "at most 2048 bytes (got 2068)"},
		{"ftp://example.org/in", `must use http or https (got "ftp")`},
		{"javascript:alert(1)", "must use http or https"},
		{"example.org/hook", "must be absolute"},
		{"//example.org/hook", "must be absolute"},
		{"http:example.org", "must name a host"},
		{"https://", "must name a host"},
		{"http://:8080/hook", "must name a host"},
		{"https://user:pw@example.org/hook", "must not contain user info"},
		{"https://@example.org/hook", "must not contain user info"},
		{"https://example.org/hook#frag", "must not have a fragment"},
		{"https://example.org/hook#", "must not have a fragment"},
		{"https://example.org:0/", "port must be from 1 to 65535 (got 0)"},
		{"https://example.org:65536/", "port must be from 1 to 65535 (got 65536)"},
		{"https://example.org:http/", "is not a valid URL"},
		{"https://exa mple.org/", "is not a valid URL"},
		{"https://example.org/\x00", "is not a valid URL"},
		{" https://example.org/", "is not a valid URL"},
		{"https://[::1/", "is not a valid URL"},
		{"http://]", `host "]" is neither a host name nor an IP address`},
		{"http://a..b/", "is neither a host name nor an IP address"},
		{"http://[1.2.3]/", "is not a valid URL"},
		{"http://a!b/", `host "a!b" is neither a host name nor an IP address`},
	}
	c := URLChecker{Dial: func(context.Context, string, string) (net.Conn, error) {
		t.Error("dialled a malformed URL")
		return nil, nil
	}}
	for _, tc := range cases {
		t.Run(tc.raw[:min(len(tc.raw), 40)], func(t *testing.T) {
			wantURLError(t, c.Check(t.Context(), tc.raw), tc.want)
		})
	}
}

func TestCheckURLAcceptsWellFormed(t *testing.T) {
	cases := map[string]string{
		"http://example.org":                  "example.org:80",
		"https://example.org/hooks?k=v&x=%20": "example.org:443",
		"HTTPS://Example.org:8443/a/b":        "Example.org:8443",
		"http://[2001:db8::1]:9000/hook":      "[2001:db8::1]:9000",
		"http://192.0.2.7/":                   "192.0.2.7:80",
	}
	for raw, addr := range cases {
		var dialled string
		c := URLChecker{Dial: func(_ context.Context, network, a string) (net.Conn, error) {
			dialled = network + " " + a
			return nil, nil
		}}
		if err := c.Check(t.Context(), raw); err != nil {
			t.Errorf("%s: %v", raw, err)
		}
		if dialled != "tcp "+addr {
			t.Errorf("%s: dialled %q, want tcp %s", raw, dialled, addr)
		}
	}
}

func TestCheckURLReachability(t *testing.T) {
	live := httptest.NewServer(http.NotFoundHandler())
	defer live.Close()
	if err := CheckURL(t.Context(), live.URL+"/hook"); err != nil {
		t.Errorf("live server refused: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	wantURLError(t, CheckURL(t.Context(), "http://127.0.0.1:"+strconv.Itoa(port)+"/hook"),
		"connection to 127.0.0.1:"+strconv.Itoa(port)+" was refused", "check the port")

	noHost := URLChecker{Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "hooks.invalid", IsNotFound: true}}
	}}
	wantURLError(t, noHost.Check(t.Context(), "https://hooks.invalid/x"), `host "hooks.invalid" does not resolve (no such host)`)

	silent := URLChecker{Timeout: 30 * time.Millisecond, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	t0 := time.Now()
	wantURLError(t, silent.Check(t.Context(), "https://slow.example/x"), "nothing answered at slow.example:443 within 30ms")
	if took := time.Since(t0); took > time.Second {
		t.Errorf("the check took %s with a 30ms timeout", took)
	}

	// The caller giving up is not the URL's fault.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := silent.Check(ctx, "https://slow.example/x"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled check = %v, want context.Canceled", err)
	}
}

// FuzzCheckURL feeds arbitrary text to the parsing part (the dial is
// stubbed): never a panic, a refusal is always EINVALID on "url", and an
// accepted URL is one the dispatcher can send to.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"https://example.org/hook", "http://[::1]:8080/", "http://a:65535", "http://a:99999", "ftp://x",
		"http://u@h/", "http://h/#", "http://%41/", "http://h:/p", "http://[fe80::1%25en0]/", "\x7f", "",
		"http://h/" + strings.Repeat("p", MaxURLLength),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var addr string
		c := URLChecker{Dial: func(_ context.Context, _, a string) (net.Conn, error) {
			addr = a
			return nil, nil
		}}
		err := c.Check(context.Background(), raw)
		if err != nil {
			var e *deconflict.Error
			if !errors.As(err, &e) || e.Code != deconflict.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "url" || e.Fields[0].Message == "" {
				t.Fatalf("%q: error %#v", raw, err)
			}
			return
		}
		if len(raw) > MaxURLLength || strings.Contains(raw, "#") {
			t.Fatalf("accepted %q", raw)
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host == "" {
			t.Fatalf("%q: dialled %q", raw, addr)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			t.Fatalf("%q: dialled port %q", raw, port)
		}
		req, err := http.NewRequest(http.MethodPost, raw, nil)
		if err != nil {
			t.Fatalf("accepted %q but a request cannot be made: %v", raw, err)
		}
		if req.URL.User != nil || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
			t.Fatalf("accepted %q", raw)
		}
	})
}
