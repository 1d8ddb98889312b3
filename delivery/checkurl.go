package delivery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/deconflict/deconflict"
)

// MaxURLLength is the longest webhook URL accepted, in bytes.
const MaxURLLength = 2048

// DefaultDialTimeout bounds the reachability check of CheckURL.
const DefaultDialTimeout = 2 * time.Second

// URLChecker checks a webhook URL before it is stored: its form, and that
// something answers TCP at its host and port now. The zero value dials for
// real; tests of other packages set Dial to a stub.
type URLChecker struct {
	// Dial opens the connection that proves the address reachable (it also
	// resolves the host). nil: a net.Dialer. A stub may return (nil, nil) to
	// count every well-formed URL as reachable.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Timeout bounds resolving and connecting; 0 means DefaultDialTimeout.
	Timeout time.Duration
}

// CheckURL checks raw as the url of PUT /v1/webhooks/{id} with a real dial;
// see URLChecker.Check.
func CheckURL(ctx context.Context, raw string) error {
	return URLChecker{}.Check(ctx, raw)
}

// Check returns an EINVALID *deconflict.Error with a FieldError on "url"
// saying what to fix when raw is malformed, not http or https, carries user
// info or a fragment, is longer than MaxURLLength, or names a host and port
// that cannot be resolved and connected to within the timeout. When ctx ends
// first it returns ctx's error, which is not the URL's fault.
func (c URLChecker) Check(ctx context.Context, raw string) error {
	u, msg := parseWebhookURL(raw)
	if msg != "" {
		return urlError(msg)
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	dial := c.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := dial(dctx, "tcp", addr)
	if conn != nil {
		conn.Close()
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && !dnsErr.IsTimeout:
		return urlError(fmt.Sprintf("host %q does not resolve (%s); check the host name", u.Hostname(), dnsErr.Err))
	case dctx.Err() != nil || isTimeout(err):
		return urlError(fmt.Sprintf("nothing answered at %s within %s; check that the receiver is running and reachable from the exchange", addr, timeout))
	case errors.Is(err, syscall.ECONNREFUSED):
		return urlError(fmt.Sprintf("connection to %s was refused; check the port and that the receiver is listening", addr))
	default:
		return urlError(fmt.Sprintf("cannot connect to %s (%s); check that the receiver is reachable from the exchange", addr, dialCause(err)))
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// dialCause keeps the innermost reason of a dial error: the outer layers
// repeat the address the message already names.
func dialCause(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

func urlError(msg string) error {
	var f deconflict.FieldErrors
	f.Add("url", "%s", msg)
	return f.Err()
}

// parseWebhookURL checks the form of a webhook URL without touching the
// network; msg says what is wrong, "" when nothing is.
func parseWebhookURL(raw string) (u *url.URL, msg string) {
	if raw == "" {
		return nil, "is required: the http:// or https:// address that receives the events"
	}
	if len(raw) > MaxURLLength {
		return nil, fmt.Sprintf("must be at most %d bytes (got %d)", MaxURLLength, len(raw))
	}
	// The raw text is checked because url.Parse drops an empty fragment ("x#").
	if strings.IndexByte(raw, '#') >= 0 {
		return nil, "must not have a fragment (#...): it is never sent to the receiver; remove it"
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Sprintf("is not a valid URL (%v); give an absolute http:// or https:// URL", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" {
			return nil, "must be absolute, starting with http:// or https://"
		}
		return nil, fmt.Sprintf("must use http or https (got %q)", clip(u.Scheme))
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, "must name a host after http:// or https://"
	}
	if u.User != nil {
		return nil, "must not contain user info (user:password@); the receiver authenticates the exchange by the Deconflict-Signature header"
	}
	if u.Hostname() == "" {
		return nil, "must name a host after http:// or https://"
	}
	if !validHost(u.Hostname()) {
		return nil, fmt.Sprintf("host %q is neither a host name nor an IP address", clip(u.Hostname()))
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Sprintf("port must be from 1 to 65535 (got %s)", clip(p))
		}
	}
	return u, ""
}

// validHost accepts IP literals and names made of letters (any script, as
// the HTTP client converts them to punycode), digits, '.', '-' and '_'.
// url.Parse lets through hosts such as "]" that no resolver would take.
func validHost(h string) bool {
	if strings.Contains(h, ":") {
		_, err := netip.ParseAddr(h)
		return err == nil
	}
	if len(h) > 253 || strings.HasPrefix(h, ".") || strings.Contains(h, "..") {
		return false
	}
	for _, r := range h {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != '-' && r != '_' {
			return false
		}
	}
	return true
}
