package strategic_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/deconflict/deconflict"
)

// A resubmission after a 409 reuses the refused request's compiled volumes
// and findings, and still sees every write committed in between: an object
// changed since, and a new one.
func TestResubmissionSeesWritesSinceItsRefusal(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	a := op("a1", vol(square(35.8, 35.0, 0.05), 0, 60))
	a.ShareWith = []string{"all"}
	e.mustPut("alpha", a, 0)

	b := op("b1", vol(square(36.0, 35.0, 0.3), 10, 50))
	_, err := e.put("bravo", b, 0)
	if got := withIDs(blocked(t, err)); !slices.Equal(got, []string{"alpha/a1@1"}) {
		t.Fatalf("first refusal names %v", got)
	}
	if n := e.svc.RefusalsKept(); n != 1 {
		t.Fatalf("%d refusals kept, want 1", n)
	}

	// Written after the refusal: a1 moves (version 2, still in b1's way) and
	// charlie files c1 in b1's way too, about 27 km from a1.
	a.Volumes = []deconflict.Volume{vol(square(35.81, 35.0, 0.05), 0, 60)}
	e.mustPut("alpha", a, 1)
	c := op("c1", vol(square(36.2, 35.0, 0.05), 0, 60))
	c.ShareWith = []string{"all"}
	e.mustPut("charlie", c, 0)

	b.AwareOf = []deconflict.AwareOf{awareOf("alpha", "a1", 1)}
	_, err = e.put("bravo", b, 0)
	if got := withIDs(blocked(t, err)); !slices.Equal(got, []string{"alpha/a1@2", "charlie/c1@1"}) {
		t.Fatalf("second refusal names %v, want a1 at its new version and c1", got)
	}
	if n := e.svc.RefusalsKept(); n != 1 {
		t.Fatalf("%d refusals kept after the second refusal, want 1", n)
	}

	// charlie cancels c1: the last resubmission no longer needs to name it.
	if _, err := e.svc.CancelOperation(e.ctx, party("charlie"), "c1", 0); err != nil {
		t.Fatal(err)
	}
	b.AwareOf = []deconflict.AwareOf{awareOf("alpha", "a1", 2)}
	res := e.mustPut("bravo", b, 0)
	if len(res.Conflicts) != 1 || res.Conflicts[0].With == nil || res.Conflicts[0].With.ID != "a1" {
		t.Fatalf("accepted with conflicts %v, want a1 alone", res.Conflicts)
	}
	if n := e.svc.RefusalsKept(); n != 0 {
		t.Fatalf("%d refusals kept after the acceptance, want 0", n)
	}
}

// A resubmission with other volumes is searched afresh, not from the
// refusal's findings.
func TestResubmissionWithOtherVolumesIsSearchedAgain(t *testing.T) {
	e := newEnv(t, deconflict.Settings{})
	a := op("a1", vol(square(35.8, 35.0, 0.05), 0, 60))
	a.ShareWith = []string{"all"}
	e.mustPut("alpha", a, 0)
	c := op("c1", vol(square(36.6, 35.0, 0.05), 0, 60))
	c.ShareWith = []string{"all"}
	e.mustPut("charlie", c, 0)

	b := op("b1", vol(square(36.0, 35.0, 0.3), 10, 50))
	_, err := e.put("bravo", b, 0)
	if got := withIDs(blocked(t, err)); !slices.Equal(got, []string{"alpha/a1@1"}) {
		t.Fatalf("first refusal names %v", got)
	}
	// Moved east, away from a1 and onto c1; a1 acknowledged all the same.
	b.Volumes = []deconflict.Volume{vol(square(36.4, 35.0, 0.3), 10, 50)}
	b.AwareOf = []deconflict.AwareOf{awareOf("alpha", "a1", 1)}
	_, err = e.put("bravo", b, 0)
	if got := withIDs(blocked(t, err)); !slices.Equal(got, []string{"charlie/c1@1"}) {
		t.Fatalf("refusal of the moved operation names %v, want c1 alone", got)
	}
}

// withIDs names the other side of each blocking conflict as party/id@version.
func withIDs(bs []deconflict.Blocking) []string {
	var out []string
	for _, b := range bs {
		if b.With == nil {
			out = append(out, "hidden:"+b.Ref)
			continue
		}
		out = append(out, b.With.Party+"/"+b.With.ID+"@"+strconv.FormatInt(b.With.Version, 10))
	}
	slices.Sort(out)
	return out
}
