package strategic

import (
	"fmt"

	"github.com/deconflict/deconflict"
)

// blocking returns the findings that stop an operation from being accepted,
// as its party sees them: every conflict with a denying zone, and every
// acknowledge-conflict whose other object, at its current version, the
// operation does not name in aware_of. The rule is stateless: each request
// names all of them, so an aware_of of an older version blocks.
func (s *Service) blocking(fs []finding, awareOf []deconflict.AwareOf, aud deconflict.Audience) []deconflict.Blocking {
	var out []deconflict.Blocking
	for _, f := range fs {
		visible := canSee(aud, f.other.ref.Party, f.other.shareWith)
		var reason string
		switch f.rec.Policy {
		case deconflict.PolicyDeny:
			reason = deconflict.ReasonDenied
		case deconflict.PolicyAcknowledge:
			if !s.names(awareOf, f.other.ref, visible) {
				reason = deconflict.ReasonNotAcknowledged
			}
		}
		if reason != "" {
			out = append(out, deconflict.Blocking{Conflict: s.view(f.rec, aud.Party, visible), Reason: reason})
		}
	}
	return out
}

// names reports whether awareOf names o at its version. A hidden object can
// only be named by its ref: accepting a guessed party, id and version would
// let a party probe for objects it may not see.
func (s *Service) names(awareOf []deconflict.AwareOf, o deconflict.ObjectRef, visible bool) bool {
	var ref string
	for _, a := range awareOf {
		if a.Ref != "" {
			if ref == "" {
				ref = s.ref(o)
			}
			if a.Ref == ref {
				return true
			}
			continue
		}
		if visible && a.Party == o.Party && a.ID == o.ID && a.Version == o.Version && (a.Kind == "" || a.Kind == o.Kind) {
			return true
		}
	}
	return false
}

// conflictError is the 409 of a blocked submission.
func conflictError(blocks []deconflict.Blocking) error {
	denied, missing := 0, 0
	for _, b := range blocks {
		if b.Reason == deconflict.ReasonDenied {
			denied++
		} else {
			missing++
		}
	}
	var msg string
	switch {
	case denied > 0 && missing > 0:
		msg = fmt.Sprintf("%d zone conflict(s) are denied and %d conflict(s) are not acknowledged; move the operation clear of denying zones and name the others in aware_of", denied, missing)
	case denied > 0:
		msg = fmt.Sprintf("%d zone conflict(s) are denied: the operation must keep clear of those zones", denied)
	default:
		msg = fmt.Sprintf("%d conflict(s) are not acknowledged: name each other object in aware_of, by party, id and version or by the ref shown", missing)
	}
	return &deconflict.Error{Code: deconflict.ECONFLICT, Message: msg, Blocking: blocks}
}
