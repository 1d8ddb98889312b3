package jsonenc

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/deconflict/deconflict"
)

// gen draws the values of conflicts: as the exchange makes them, and
// strings, numbers and times that encoding/json treats specially.
type gen struct{ t *rapid.T }

func (g gen) str(label string) string {
	return rapid.OneOf(rapid.StringMatching(`[A-Za-z0-9._-]{1,20}`), rapid.String(),
		rapid.StringOf(rapid.SampledFrom([]rune("<>&\u2028\"\\\x00é a_1")))).Draw(g.t, label)
}

func (g gen) num(label string) float64 {
	return rapid.OneOf(rapid.Float64(), rapid.Float64Range(-1e-5, 1e-5), rapid.Float64Range(0, 1e7),
		rapid.SampledFrom([]float64{0, math.Copysign(0, -1), 1e21, 1e-7, 123456789012345678901234.0, -1e-300})).Draw(g.t, label)
}

func (g gen) time(label string) time.Time {
	at := time.UnixMicro(rapid.Int64Range(-1e16, 253402300799999999).Draw(g.t, label)).UTC()
	if rapid.Bool().Draw(g.t, label+" zone") {
		at = at.In(time.FixedZone("x", rapid.IntRange(-14*3600, 14*3600).Draw(g.t, label+" offset")))
	}
	return at
}

func (g gen) ref(label string) deconflict.ObjectRef {
	return deconflict.ObjectRef{Kind: deconflict.ObjectKind(g.str(label + " kind")), Party: g.str(label + " party"),
		ID: g.str(label + " id"), Version: rapid.Int64().Draw(g.t, label+" version")}
}

// TestConflictIsMarshal holds Conflict and AppendConflict to json.Marshal.
func TestConflictIsMarshal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := gen{t}
		c := deconflict.Conflict{ID: g.str("id"), State: deconflict.ConflictState(g.str("state")), Policy: deconflict.Policy(g.str("policy")),
			Ref: g.str("ref"), Window: deconflict.Window{Start: g.time("start"), End: g.time("end")}}
		if rapid.Bool().Draw(t, "visible") {
			w := g.ref("with")
			c.With = &w
			d := g.num("distance")
			c.MinDistanceM = &d
		}
		for i := range c.Region {
			c.Region[i] = g.num("region")
		}
		want, wantErr := json.Marshal(c)
		got, err := Conflict(c)
		if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Fatalf("Conflict:\n%s (%v)\njson.Marshal:\n%s (%v)", got, err, want, wantErr)
		}
		if wantErr == nil {
			prefix := []byte(`{"conflicts":[`)
			got, err := AppendConflict(bytes.Clone(prefix), c)
			if err != nil || !bytes.Equal(got, append(prefix, want...)) {
				t.Fatalf("AppendConflict after a prefix:\n%s (%v)", got, err)
			}
		}
	})
}

// TestConflictRecordIsMarshal holds ConflictRecord to json.Marshal.
func TestConflictRecordIsMarshal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := gen{t}
		c := deconflict.ConflictRecord{ID: g.str("id"), State: deconflict.ConflictState(g.str("state")), Policy: deconflict.Policy(g.str("policy")),
			A: g.ref("a"), B: g.ref("b"), Window: deconflict.Window{Start: g.time("start"), End: g.time("end")},
			MinDistanceM: g.num("distance"), OpenedAt: g.time("opened"), UpdatedAt: g.time("updated")}
		if rapid.Bool().Draw(t, "closed") {
			c.ClosedReason = g.str("reason")
		}
		for i := range c.Region {
			c.Region[i] = g.num("region")
		}
		want, wantErr := json.Marshal(c)
		got, err := ConflictRecord(c)
		if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Fatalf("ConflictRecord:\n%s (%v)\njson.Marshal:\n%s (%v)", got, err, want, wantErr)
		}
	})
}
