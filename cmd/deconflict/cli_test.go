package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestUsageErrorsExit2(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no command", nil, "usage: deconflict"},
		{"unknown command", []string{"fly"}, `unknown command "fly"`},
		{"unknown verb", []string{"ops", "launch"}, `unknown ops verb "launch"`},
		{"missing verb", []string{"zones"}, "zones needs a verb"},
		{"unknown flag", []string{"ops", "list", "--bogus"}, "flag provided but not defined: -bogus"},
		{"missing file", []string{"ops", "put", "--token", "x"}, "missing argument"},
		{"extra argument", []string{"ops", "get", "a", "b", "--token", "x"}, `unexpected argument "b"`},
		{"no token", []string{"ops", "list"}, "needs a party token"},
		{"no admin token", []string{"party", "add", "alpha"}, "needs the admin token"},
		{"bad flag value", []string{"serve", "--lateral-min-m", "wide"}, "invalid value"},
		{"non-loopback bench", []string{"bench", "--server", "http://192.0.2.1:8080", "--admin-token", "x"}, "loopback"},
		{"bad state", []string{"conflicts", "list", "--state", "ajar", "--token", "x"}, "want open or closed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := cli(t, nil, c.args...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("want exit 2 and %q on stderr, got %s", c.want, r)
			}
		})
	}
}

func TestBadEnvironmentIsUsageError(t *testing.T) {
	r := cli(t, []string{"DECONFLICT_LATERAL_MIN_M=five"}, "serve")
	if r.code != 2 || !strings.Contains(r.stderr, "DECONFLICT_LATERAL_MIN_M") {
		t.Errorf("want exit 2 naming the variable, got %s", r)
	}
}

func TestHelp(t *testing.T) {
	r := cli(t, nil, "help")
	if r.code != 0 {
		t.Fatalf("help: %s", r)
	}
	for _, cmd := range []string{"serve", "party", "group", "token", "ops", "zones", "conflicts", "bench"} {
		if !strings.Contains(r.stdout, "\n  "+cmd+" ") {
			t.Errorf("help does not list %s:\n%s", cmd, r.stdout)
		}
	}
	r = cli(t, nil, "ops", "put", "-h")
	if r.code != 0 || !strings.Contains(r.stdout, "-if-match") || !strings.Contains(r.stdout, "DECONFLICT_TOKEN") {
		t.Errorf("ops put -h should list its flags and their variables: %s", r)
	}
	r = cli(t, nil, "help", "serve")
	if r.code != 0 || !strings.Contains(r.stdout, "DECONFLICT_ADDR") || !strings.Contains(r.stdout, "-vertical-min-m") {
		t.Errorf("help serve: %s", r)
	}
}

var tokenLine = regexp.MustCompile(`token \(shown once\): (\S+)`)

// addParty runs `party add` and returns the party's token.
func addParty(t *testing.T, srv *server, id string, extra ...string) string {
	t.Helper()
	r := cli(t, []string{"DECONFLICT_SERVER=" + srv.url, "DECONFLICT_ADMIN_TOKEN=" + testAdminToken}, append([]string{"party", "add", id}, extra...)...)
	m := tokenLine.FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("party add %s: %s", id, r)
	}
	return m[1]
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const alphaOp = `{"id": "strike-1", "callsign": "ALPHA1", "share_with": ["all"],
 "volumes": [{"geometry": {"type": "LineString", "coordinates": [[35.95, 35.80], [36.10, 35.95]]},
  "buffer_m": 2000, "alt_lower_m": 5500, "alt_upper_m": 6500,
  "start": "2031-11-24T07:20:00Z", "end": "2031-11-24T07:40:00Z"}]}`

// bravoOp crosses alpha's route at the same time and height.
const bravoOp = `{"id": "recce-7", "callsign": "BRAVO7", AWARE
 "volumes": [{"geometry": {"type": "LineString", "coordinates": [[35.95, 35.95], [36.10, 35.80]]},
  "buffer_m": 1000, "alt_lower_m": 6000, "alt_upper_m": 7000,
  "start": "2031-11-24T07:30:00Z", "end": "2031-11-24T08:00:00Z"}]}`

func TestCLIAwarenessFlow(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alpha := []string{"DECONFLICT_SERVER=" + srv.url, "DECONFLICT_TOKEN=" + addParty(t, srv, "alpha", "--name", "Alpha Air Force", "--groups", "coalition")}
	bravo := []string{"DECONFLICT_SERVER=" + srv.url, "DECONFLICT_TOKEN=" + addParty(t, srv, "bravo")}

	r := cli(t, []string{"DECONFLICT_SERVER=" + srv.url, "DECONFLICT_ADMIN_TOKEN=" + testAdminToken}, "group", "set", "coalition", "--members", "alpha,bravo")
	if r.code != 0 || !strings.Contains(r.stdout, "group coalition members alpha,bravo") {
		t.Fatalf("group set: %s", r)
	}

	r = cli(t, alpha, "ops", "put", writeFile(t, "alpha.json", alphaOp))
	if r.code != 0 || !strings.Contains(r.stdout, "created operation alpha/strike-1 version 1, planned") || !strings.Contains(r.stdout, "no conflicts") {
		t.Fatalf("alpha ops put: %s", r)
	}

	// bravo is refused, told what blocks and what to add.
	bravoFile := writeFile(t, "bravo.json", strings.Replace(bravoOp, "AWARE", "", 1))
	r = cli(t, bravo, "ops", "put", bravoFile)
	entry := `{"kind":"operation","party":"alpha","id":"strike-1","version":1}`
	if r.code != 1 || !strings.Contains(r.stderr, "refused: 409") || !strings.Contains(r.stderr, "not_acknowledged") ||
		!strings.Contains(r.stderr, "add to aware_of: "+entry) || !strings.Contains(r.stderr, "operation alpha/strike-1 v1") {
		t.Fatalf("bravo ops put without aware_of: %s", r)
	}

	// with the entry it names, accepted, with the conflict.
	acked := writeFile(t, "bravo-acked.json", strings.Replace(bravoOp, "AWARE", `"aware_of": [`+entry+`],`, 1))
	r = cli(t, bravo, "ops", "put", acked)
	if r.code != 0 || !strings.Contains(r.stdout, "created operation bravo/recce-7 version 1") || !strings.Contains(r.stdout, "1 conflict:") ||
		!strings.Contains(r.stdout, "acknowledge with operation alpha/strike-1 v1") {
		t.Fatalf("bravo ops put with aware_of: %s", r)
	}

	// replacing: 428 says which --if-match to pass; with it, version 2.
	r = cli(t, bravo, "ops", "put", acked)
	if r.code != 1 || !strings.Contains(r.stderr, "428") || !strings.Contains(r.stderr, "pass --if-match 1") {
		t.Fatalf("replace without --if-match: %s", r)
	}
	r = cli(t, bravo, "ops", "put", acked, "--if-match", "3")
	if r.code != 1 || !strings.Contains(r.stderr, "412") || !strings.Contains(r.stderr, "is at version 1, not 3") {
		t.Fatalf("replace with a stale --if-match: %s", r)
	}
	r = cli(t, bravo, "ops", "put", acked, "--if-match", "1")
	if r.code != 0 || !strings.Contains(r.stdout, "replaced operation bravo/recce-7 version 2") {
		t.Fatalf("replace with --if-match 1: %s", r)
	}

	// get --json round-trips into put (server fields are dropped).
	r = cli(t, bravo, "ops", "get", "recce-7", "--json")
	var got struct {
		Operation struct {
			Version int64 `json:"version"`
			Party   string
		} `json:"operation"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &got) != nil || got.Operation.Version != 2 || got.Operation.Party != "bravo" {
		t.Fatalf("ops get --json: %s", r)
	}
	r = cli(t, bravo, "ops", "put", writeFile(t, "roundtrip.json", r.stdout), "--if-match", "2")
	if r.code != 0 || !strings.Contains(r.stdout, "version 3") {
		t.Fatalf("ops put of ops get --json: %s", r)
	}

	// alpha sees the conflict, but not bravo's operation.
	r = cli(t, alpha, "conflicts", "list", "--state", "open")
	if r.code != 0 || !strings.Contains(r.stdout, "1 conflict:") || !strings.Contains(r.stdout, "a hidden object (ref ") || strings.Contains(r.stdout, "recce-7") {
		t.Fatalf("alpha conflicts list: %s", r)
	}
	// what-if for a third route: conflicts with both, nothing stored.
	// (the admin token may also come as DECONFLICT_TOKEN, as the README does it)
	r = cli(t, []string{"DECONFLICT_SERVER=" + srv.url, "DECONFLICT_TOKEN=" + testAdminToken}, "party", "add", "charlie")
	m := tokenLine.FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("party add with the admin token in DECONFLICT_TOKEN: %s", r)
	}
	r = cli(t, []string{"DECONFLICT_SERVER=" + srv.url, "DECONFLICT_TOKEN=" + m[1]}, "conflicts", "check", writeFile(t, "c.json", alphaOp))
	if r.code != 0 || !strings.Contains(r.stdout, "2 conflicts:") || !strings.Contains(r.stdout, "2 must be named in aware_of") {
		t.Fatalf("charlie conflicts check: %s", r)
	}

	r = cli(t, bravo, "ops", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "2 operations") {
		t.Fatalf("bravo ops list: %s", r)
	}
	r = cli(t, bravo, "ops", "cancel", "recce-7")
	if r.code != 0 || !strings.Contains(r.stdout, "cancelled operation bravo/recce-7 version 4, cancelled") {
		t.Fatalf("ops cancel: %s", r)
	}
	r = cli(t, alpha, "conflicts", "list", "--state", "open")
	if r.code != 0 || !strings.Contains(r.stdout, "no conflicts") {
		t.Fatalf("open conflicts after cancel: %s", r)
	}

	// a validation fault names the field.
	r = cli(t, alpha, "ops", "put", writeFile(t, "bad.json", strings.Replace(alphaOp, `"alt_lower_m": 5500`, `"alt_lower_m": 9000`, 1)))
	if r.code != 1 || !strings.Contains(r.stderr, "400") || !strings.Contains(r.stderr, "volumes[0].alt_lower_m") {
		t.Fatalf("invalid operation: %s", r)
	}
	// an unknown field is the server's to refuse, not silently dropped.
	r = cli(t, alpha, "ops", "put", writeFile(t, "typo.json", strings.Replace(alphaOp, `"callsign"`, `"callsing"`, 1)), "--if-match", "1")
	if r.code != 1 || !strings.Contains(r.stderr, "callsing") {
		t.Fatalf("unknown field: %s", r)
	}
}

// dataDir finds the shared test data: ../shared/data from the repository root.
func dataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root (go.mod) not found")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "data")
	if _, err := os.Stat(d); err != nil {
		t.Skipf("shared test data not found at %s (../shared/data from the repository root): %v", d, err)
	}
	return d
}

func TestZonesImportSyria(t *testing.T) {
	syr := filepath.Join(dataDir(t), "naturalearth", "ne_10m_SYR.geojson")
	srv := startServer(t, t.TempDir())
	syria := []string{"DECONFLICT_SERVER=" + srv.url, "DECONFLICT_TOKEN=" + addParty(t, srv, "syria")}
	alpha := []string{"DECONFLICT_SERVER=" + srv.url, "DECONFLICT_TOKEN=" + addParty(t, srv, "alpha")}

	r := cli(t, syria, "zones", "import", syr, "--kind", "airspace")
	if r.code != 0 || !strings.Contains(r.stdout, "imported 1 zone") || !strings.Contains(r.stdout, `zone syria/ne_10m_SYR "Syria" version 1, airspace, policy acknowledge`) {
		t.Fatalf("zones import: %s", r)
	}
	r = cli(t, syria, "zones", "list", "--kind", "airspace")
	if r.code != 0 || !strings.Contains(r.stdout, "1 zone\n") {
		t.Fatalf("zones list: %s", r)
	}

	// a circle of 5 km round Damascus, inside Syria: the airspace conflicts.
	over := `{"id": "over-damascus", "volumes": [{"geometry": {"type": "Point", "coordinates": [36.29, 33.51]},
	  "buffer_m": 5000, "alt_lower_m": 3000, "alt_upper_m": 4000,
	  "start": "2031-11-24T07:00:00Z", "end": "2031-11-24T08:00:00Z"}]}`
	file := writeFile(t, "over.json", over)
	r = cli(t, alpha, "conflicts", "check", file)
	if r.code != 0 || !strings.Contains(r.stdout, "1 conflict:") || !strings.Contains(r.stdout, "acknowledge with a hidden object (ref ") {
		t.Fatalf("conflicts check over Syria: %s", r)
	}
	r = cli(t, alpha, "ops", "put", file)
	if r.code != 1 || !strings.Contains(r.stderr, "refused: 409") || !strings.Contains(r.stderr, `add to aware_of: {"ref":"`) {
		t.Fatalf("ops put over Syria: %s", r)
	}
	// a circle over Cyprus, outside Syria: nothing.
	r = cli(t, alpha, "conflicts", "check", writeFile(t, "cyprus.json", strings.Replace(over, "[36.29, 33.51]", "[33.36, 35.17]", 1)))
	if r.code != 0 || !strings.Contains(r.stdout, "no conflicts") {
		t.Fatalf("conflicts check over Cyprus: %s", r)
	}

	// an import that fails names the feature and imports nothing.
	r = cli(t, syria, "zones", "import", syr, "--kind", "stratosphere")
	if r.code != 1 || !strings.Contains(r.stderr, "kind") {
		t.Fatalf("zones import with a bad kind: %s", r)
	}
}
