package strategic_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deconflict/deconflict"
	"github.com/deconflict/deconflict/accounts"
	"github.com/deconflict/deconflict/sqlite"
	"github.com/deconflict/deconflict/strategic"
)

// t0 is when the test operations fly; the clock starts an hour before.
var t0 = time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)

// clock is a controllable Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type env struct {
	t     *testing.T
	ctx   context.Context
	store *sqlite.Store
	svc   *strategic.Service
	clock *clock
}

// newEnv opens a real store with parties alpha, bravo and charlie; alpha and
// charlie form group "coalition".
func newEnv(t *testing.T, settings deconflict.Settings) *env {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	acc := accounts.New(st)
	admin := deconflict.Caller{Admin: true}
	for _, id := range []string{"alpha", "bravo", "charlie"} {
		if _, _, err := acc.CreateParty(ctx, admin, deconflict.Party{ID: id, Name: strings.ToUpper(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := acc.PutGroup(ctx, admin, deconflict.Group{Name: "coalition", Members: []string{"alpha", "charlie"}}); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: t0.Add(-time.Hour)}
	svc, err := strategic.New(ctx, st, strategic.Config{Settings: settings, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, store: st, svc: svc, clock: clk}
}

func party(id string) deconflict.Caller { return deconflict.Caller{Party: id} }

func geometry(typ string, coords any) deconflict.Geometry {
	raw, err := json.Marshal(coords)
	if err != nil {
		panic(err)
	}
	return deconflict.Geometry{Type: typ, Coordinates: raw}
}

// square is a polygon of side 2·half degrees centred on lon, lat.
func square(lon, lat, half float64) deconflict.Geometry {
	return geometry("Polygon", [][][2]float64{{
		{lon - half, lat - half}, {lon + half, lat - half}, {lon + half, lat + half}, {lon - half, lat + half}, {lon - half, lat - half},
	}})
}

func point(lon, lat float64) deconflict.Geometry { return geometry("Point", [2]float64{lon, lat}) }

// vol is a volume from t0+startMin to t0+endMin minutes, 5,000 to 6,000 m.
func vol(g deconflict.Geometry, startMin, endMin int) deconflict.Volume {
	s, e := t0.Add(time.Duration(startMin)*time.Minute), t0.Add(time.Duration(endMin)*time.Minute)
	return deconflict.Volume{Geometry: g, AltLowerM: 5000, AltUpperM: 6000, Start: &s, End: &e}
}

func op(id string, vols ...deconflict.Volume) deconflict.Operation {
	return deconflict.Operation{ID: id, Volumes: vols}
}

func (e *env) put(caller string, o deconflict.Operation, ifMatch int64) (deconflict.PutOperationResult, error) {
	return e.svc.PutOperation(e.ctx, party(caller), o, ifMatch)
}

func (e *env) mustPut(caller string, o deconflict.Operation, ifMatch int64) deconflict.PutOperationResult {
	e.t.Helper()
	res, err := e.put(caller, o, ifMatch)
	if err != nil {
		e.t.Fatalf("%s puts %s: %v", caller, o.ID, err)
	}
	return res
}

func (e *env) conflicts(caller string, state deconflict.ConflictState) []deconflict.Conflict {
	e.t.Helper()
	cs, err := e.svc.Conflicts(e.ctx, party(caller), state)
	if err != nil {
		e.t.Fatal(err)
	}
	return cs
}

// records returns every stored conflict.
func (e *env) records() []deconflict.ConflictRecord {
	e.t.Helper()
	rs, err := e.store.Conflicts(e.ctx, deconflict.ConflictFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

// blocked asserts err is a 409 and returns what blocks.
func blocked(t *testing.T, err error) []deconflict.Blocking {
	t.Helper()
	var de *deconflict.Error
	if !errors.As(err, &de) || de.Code != deconflict.ECONFLICT || len(de.Blocking) == 0 {
		t.Fatalf("want ECONFLICT with blocking conflicts, got %v", err)
	}
	return de.Blocking
}

func wantCode(t *testing.T, err error, code string) *deconflict.Error {
	t.Helper()
	if got := deconflict.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	var de *deconflict.Error
	errors.As(err, &de)
	return de
}

// assertHidden checks that a conflict reveals nothing of its other side but
// when and roughly where, and that no text of it names a secret.
func assertHidden(t *testing.T, c deconflict.Conflict, secrets ...string) {
	t.Helper()
	if c.With != nil || c.MinDistanceM != nil {
		t.Fatalf("hidden conflict shows with=%v distance=%v", c.With, c.MinDistanceM)
	}
	if !strings.HasPrefix(c.Ref, "r_") || len(c.Ref) != 2+22 {
		t.Fatalf("ref %q is not an opaque ref", c.Ref)
	}
	for _, x := range c.Region {
		if d := math.Abs(x*10 - math.Round(x*10)); d > 1e-9 {
			t.Fatalf("hidden region %v is not rounded to 0.1°", c.Region)
		}
	}
	// The id and ref are random text (an id's hex, a ref's MAC in base64),
	// in which a short secret may turn up by chance: every other field is
	// searched.
	opaque := c
	opaque.ID, opaque.Ref = "", ""
	js, _ := json.Marshal(opaque)
	for _, s := range secrets {
		if strings.Contains(string(js), s) {
			t.Fatalf("hidden conflict %s leaks %q", js, s)
		}
	}
}

func awareRef(ref string) deconflict.AwareOf { return deconflict.AwareOf{Ref: ref} }

func awareOf(party, id string, version int64) deconflict.AwareOf {
	return deconflict.AwareOf{Party: party, ID: id, Version: version}
}

func describe(c deconflict.Conflict) string {
	js, _ := json.Marshal(c)
	return fmt.Sprint(string(js))
}

// TestMain removes the benchmark's pre-filled store after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchTmp != "" {
		os.RemoveAll(benchTmp)
	}
	os.Exit(code)
}
