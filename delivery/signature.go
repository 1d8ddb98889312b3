package delivery

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers of a webhook request besides Content-Type.
const (
	HeaderEventID   = "Deconflict-Event-Id"
	HeaderEventKind = "Deconflict-Event-Kind"
	HeaderWebhookID = "Deconflict-Webhook-Id"
	HeaderSignature = "Deconflict-Signature"
)

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock when VerifySignature is given no tolerance: long enough for
// clock skew and a slow network, short enough that a captured request cannot
// be replayed much later.
const DefaultTolerance = 5 * time.Minute

// Errors of VerifySignature, to be told apart with errors.Is.
var (
	ErrSignatureFormat    = errors.New("malformed signature header")
	ErrSignatureMismatch  = errors.New("signature does not match")
	ErrSignatureTimestamp = errors.New("signature timestamp outside tolerance")
)

// maxSignatureHeader bounds the work a receiver does on a hostile header.
const maxSignatureHeader = 8 << 10

// Sign returns the Deconflict-Signature header value for body sent at t
// (whole seconds are signed).
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// VerifySignature checks a Deconflict-Signature header against body and the
// webhook's secret, as the package documentation describes: one of its v1
// values must be the HMAC of "<t>." + body, and t must be within tolerance
// of now (tolerance <= 0 means DefaultTolerance). The error wraps
// ErrSignatureFormat, ErrSignatureMismatch or ErrSignatureTimestamp.
func VerifySignature(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if len(header) > maxSignatureHeader {
		return fmt.Errorf("%w: longer than %d bytes", ErrSignatureFormat, maxSignatureHeader)
	}
	var ts string
	var sigs [][]byte
	haveT := false
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: part %q is not key=value", ErrSignatureFormat, clip(part))
		}
		switch k {
		case "t":
			if haveT {
				return fmt.Errorf("%w: more than one t", ErrSignatureFormat)
			}
			if _, err := strconv.ParseInt(v, 10, 64); err != nil || v == "" || v[0] == '+' {
				return fmt.Errorf("%w: t=%q is not Unix seconds", ErrSignatureFormat, clip(v))
			}
			ts, haveT = v, true
		case "v1":
			s, err := hex.DecodeString(v)
			if err != nil || len(s) != sha256.Size {
				return fmt.Errorf("%w: v1 is not %d hex digits", ErrSignatureFormat, 2*sha256.Size)
			}
			sigs = append(sigs, s)
		}
	}
	if !haveT {
		return fmt.Errorf("%w: no t=", ErrSignatureFormat)
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%w: no v1=", ErrSignatureFormat)
	}
	want := mac(secret, ts, body)
	match := false
	for _, s := range sigs {
		// Every value is compared so that the time taken does not tell which one matched.
		if hmac.Equal(s, want) {
			match = true
		}
	}
	if !match {
		return ErrSignatureMismatch
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	t, _ := strconv.ParseInt(ts, 10, 64)
	tol := int64((tolerance + time.Second - 1) / time.Second)
	n := now.Unix()
	// t is the sender's to choose, so it is compared against bounds that cannot
	// overflow (n and tol are both far from the int64 limits) rather than
	// subtracted.
	if t < n-tol || t > n+tol {
		return fmt.Errorf("%w: signed at %d, now %d, tolerance %s", ErrSignatureTimestamp, t, n, tolerance)
	}
	return nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
