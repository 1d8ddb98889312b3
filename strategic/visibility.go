package strategic

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"

	"github.com/deconflict/deconflict"
)

// audienceOf returns what party may see: its own objects and those shared
// with it or with one of its groups.
func audienceOf(ctx context.Context, r deconflict.Reader, party string) (deconflict.Audience, error) {
	p, err := r.Party(ctx, party)
	if err != nil {
		return deconflict.Audience{}, fmt.Errorf("strategic: load caller's party: %w", err)
	}
	return deconflict.Audience{Party: party, Groups: p.Groups}, nil
}

// canSee reports whether aud may see an object of owner shared as shareWith.
func canSee(aud deconflict.Audience, owner string, shareWith []string) bool {
	if owner == aud.Party {
		return true
	}
	for _, t := range shareWith {
		if t == deconflict.ShareAll || t == aud.Party {
			return true
		}
		if g, ok := strings.CutPrefix(t, deconflict.GroupPrefix); ok && slices.Contains(aud.Groups, g) {
			return true
		}
	}
	return false
}

// ref returns the opaque reference of one version of an object: it lets a
// party name a hidden object in aware_of, and reveals nothing of it.
func (s *Service) ref(o deconflict.ObjectRef) string {
	m, _ := s.refMACs.Get().(*refMAC)
	if m == nil {
		m = &refMAC{h: hmac.New(sha256.New, s.refKey)}
	}
	m.h.Reset()
	b := append(m.buf[:0], o.Kind...)
	b = append(append(append(b, '|'), o.Party...), '|')
	b = strconv.AppendInt(append(append(b, o.ID...), '|'), o.Version, 10)
	m.h.Write(b)
	sum := m.h.Sum(m.sum[:0])
	out := make([]byte, 2+base64.RawURLEncoding.EncodedLen(16))
	copy(out, "r_")
	base64.RawURLEncoding.Encode(out[2:], sum[:16])
	s.refMACs.Put(m)
	return string(out)
}

// refMAC is a reusable HMAC under the ref key, with room for its input and
// sum, so that a ref costs no allocation but its string.
type refMAC struct {
	h   hash.Hash
	buf [160]byte
	sum [sha256.Size]byte
}

// view returns c as party viewer sees it; visible says whether viewer may see
// the other side. A hidden other side shows only when and roughly where.
func (s *Service) view(c deconflict.ConflictRecord, viewer string, visible bool) deconflict.Conflict {
	other, _ := c.Other(viewer)
	return viewAs(c, other, s.ref(other), visible)
}

// viewAs is view with the other side and its ref already known.
func viewAs(c deconflict.ConflictRecord, other deconflict.ObjectRef, ref string, visible bool) deconflict.Conflict {
	v := deconflict.Conflict{
		ID:     c.ID,
		State:  c.State,
		Policy: c.Policy,
		Ref:    ref,
		Window: c.Window,
	}
	if visible {
		d := c.MinDistanceM
		v.With, v.MinDistanceM, v.Region = &other, &d, c.Region
	} else {
		v.Region = roundOut(c.Region)
	}
	return v
}

// views returns the findings as viewer sees them.
func (s *Service) views(fs []finding, aud deconflict.Audience) []deconflict.Conflict {
	out := make([]deconflict.Conflict, len(fs))
	for i, f := range fs {
		out[i] = s.view(f.rec, aud.Party, canSee(aud, f.other.ref.Party, f.other.shareWith))
	}
	return out
}

// sharedWith returns the share_with of the object r names, from the cache
// when it holds that version, else from the object's current version; ok is
// false when the object no longer exists.
func (s *Service) sharedWith(ctx context.Context, rd deconflict.Reader, r deconflict.ObjectRef) (shareWith []string, ok bool, err error) {
	if o, hit := s.cache.Get(keyOf(r)); hit {
		return o.shareWith, true, nil
	}
	switch r.Kind {
	case deconflict.KindOperation:
		op, err := rd.Operation(ctx, r.Party, r.ID)
		if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
			return nil, false, nil
		}
		return op.ShareWith, err == nil, err
	default:
		z, err := rd.Zone(ctx, r.Party, r.ID)
		if deconflict.ErrorCode(err) == deconflict.ENOTFOUND {
			return nil, false, nil
		}
		return z.ShareWith, err == nil, err
	}
}

// checkShareTargets refuses sharing targets that do not exist.
func checkShareTargets(ctx context.Context, r deconflict.Reader, targets []string) error {
	var f deconflict.FieldErrors
	for i, t := range targets {
		if t == deconflict.ShareAll {
			continue
		}
		var err error
		if g, ok := strings.CutPrefix(t, deconflict.GroupPrefix); ok {
			_, err = r.Group(ctx, g)
		} else {
			_, err = r.Party(ctx, t)
		}
		switch deconflict.ErrorCode(err) {
		case "":
		case deconflict.ENOTFOUND:
			f.Add(deconflict.Path("share_with", i), "%q is not a party, an existing group:NAME or all", t)
		default:
			return err
		}
	}
	return f.Err()
}
