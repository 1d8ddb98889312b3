package delivery

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

var t0 = time.Date(2026, 11, 24, 7, 20, 0, 0, time.UTC)

// The header is exactly what the package documentation tells a receiver to
// compute, by hand.
func TestSignMatchesDocumentedScheme(t *testing.T) {
	body := []byte(`{"id":42,"kind":"message"}`)
	h := hmac.New(sha256.New, []byte("secret"))
	h.Write([]byte(strconv.FormatInt(t0.Unix(), 10) + "." + string(body)))
	want := "t=" + strconv.FormatInt(t0.Unix(), 10) + ",v1=" + hex.EncodeToString(h.Sum(nil))
	if got := Sign([]byte("secret"), t0, body); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

func TestVerifySignature(t *testing.T) {
	secret := []byte("whsec-alpha")
	body := []byte(`{"id":7,"kind":"alert.raised","data":{}}`)
	good := Sign(secret, t0, body)
	other := Sign([]byte("rotated"), t0, body)
	_, v1, _ := strings.Cut(good, ",")
	ts := "t=" + strconv.FormatInt(t0.Unix(), 10)
	cases := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		tol    time.Duration
		want   error
	}{
		{"good", secret, good, body, t0, 0, nil},
		{"good within tolerance", secret, good, body, t0.Add(4 * time.Minute), 0, nil},
		{"receiver clock behind", secret, good, body, t0.Add(-4 * time.Minute), 0, nil},
		{"spaces and unknown keys", secret, " " + ts + " , v0=zz , " + v1 + " ", body, t0, 0, nil},
		{"one of two v1 (secret rotation)", secret, other + "," + v1, body, t0, 0, nil},
		{"changed body", secret, good, append(bytes.Clone(body), ' '), t0, 0, ErrSignatureMismatch},
		{"wrong secret", []byte("whsec-bravo"), good, body, t0, 0, ErrSignatureMismatch},
		{"old timestamp", secret, good, body, t0.Add(6 * time.Minute), 0, ErrSignatureTimestamp},
		{"old for a tight tolerance", secret, good, body, t0.Add(31 * time.Second), 30 * time.Second, ErrSignatureTimestamp},
		{"from the future", secret, good, body, t0.Add(-6 * time.Minute), 0, ErrSignatureTimestamp},
		{"timestamp changed to look fresh", secret, "t=" + strconv.FormatInt(t0.Unix()+600, 10) + "," + v1, body, t0.Add(10 * time.Minute), 0, ErrSignatureMismatch},
		{"empty", secret, "", body, t0, 0, ErrSignatureFormat},
		{"no t", secret, v1, body, t0, 0, ErrSignatureFormat},
		{"no v1", secret, ts, body, t0, 0, ErrSignatureFormat},
		{"two t", secret, ts + "," + good, body, t0, 0, ErrSignatureFormat},
		{"t not a number", secret, "t=soon," + v1, body, t0, 0, ErrSignatureFormat},
		{"t with a sign", secret, "t=+" + strconv.FormatInt(t0.Unix(), 10) + "," + v1, body, t0, 0, ErrSignatureFormat},
		{"v1 not hex", secret, ts + ",v1=" + strings.Repeat("g", 64), body, t0, 0, ErrSignatureFormat},
		{"v1 short", secret, ts + ",v1=abcd", body, t0, 0, ErrSignatureFormat},
		{"part without =", secret, good + ",junk", body, t0, 0, ErrSignatureFormat},
		{"huge t", secret, "t=-9223372036854775808," + v1, body, t0, 0, ErrSignatureMismatch},
		{"too long", secret, good + strings.Repeat(",x=y", 3000), body, t0, 0, ErrSignatureFormat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := VerifySignature(c.secret, c.header, c.body, c.now, c.tol)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("VerifySignature = %v, want %v", err, c.want)
			}
		})
	}
}

// Whatever the secret, body and time, a signature verifies, and verifies
// nothing else.
func TestSignVerifyProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		secret := rapid.SliceOf(rapid.Byte()).Draw(t, "secret")
		body := rapid.SliceOf(rapid.Byte()).Draw(t, "body")
		at := time.Unix(rapid.Int64Range(0, 1<<40).Draw(t, "t"), 0)
		skew := time.Duration(rapid.Int64Range(-299, 299).Draw(t, "skew")) * time.Second
		h := Sign(secret, at, body)
		if err := VerifySignature(secret, h, body, at.Add(skew), 0); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
		flip := rapid.IntRange(0, len(body)).Draw(t, "flip")
		changed := bytes.Clone(body)
		if flip == len(body) {
			changed = append(changed, 0)
		} else {
			changed[flip] ^= 1 << rapid.IntRange(0, 7).Draw(t, "bit")
		}
		if err := VerifySignature(secret, h, changed, at, 0); !errors.Is(err, ErrSignatureMismatch) {
			t.Fatalf("changed body: %v", err)
		}
	})
}

// FuzzVerifySignature feeds arbitrary headers: never a panic, every error is
// one of the three kinds, and acceptance means the header really carries the
// HMAC of its own timestamp and the body.
func FuzzVerifySignature(f *testing.F) {
	secret := []byte("fuzz-secret")
	body := []byte(`{"id":1}`)
	now := t0
	f.Add(Sign(secret, now, body), body)
	f.Add(Sign(secret, now, body)+","+Sign(secret, now, body), body)
	f.Add("t=1,v1=00", []byte(""))
	f.Add("t=,v1=", []byte("x"))
	f.Add("t=99999999999999999999,v1="+strings.Repeat("a", 64), body)
	f.Add(",,,==,t==1", body)
	f.Add("v1="+strings.Repeat("0", 64)+",t=1795000000", body)
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := VerifySignature(secret, header, body, now, time.Hour)
		if err != nil {
			if !errors.Is(err, ErrSignatureFormat) && !errors.Is(err, ErrSignatureMismatch) && !errors.Is(err, ErrSignatureTimestamp) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		var ts string
		for part := range strings.SplitSeq(header, ",") {
			if k, v, _ := strings.Cut(strings.TrimSpace(part), "="); k == "t" {
				ts = v
			}
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			t.Fatalf("accepted with t=%q", ts)
		}
		if !strings.Contains(strings.ToLower(header), "v1="+hex.EncodeToString(mac(secret, ts, body))) {
			t.Fatalf("accepted %q without the right v1", header)
		}
		if d := now.Sub(time.Unix(sec, 0)); d > time.Hour || d < -time.Hour {
			t.Fatalf("accepted a signature from %s", time.Unix(sec, 0))
		}
	})
}
