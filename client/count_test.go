package client

import (
	"encoding/json"
	"testing"
)

// countByDecoding is countMembers the slow way, by encoding/json.
func countByDecoding(doc []byte, key string) (int, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(doc, &m) != nil {
		return 0, false
	}
	raw, ok := m[key]
	if !ok {
		return 0, false
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) != nil {
		return 0, false
	}
	return len(arr), true
}

var countSeeds = []string{
	`{"conflicts":[]}`,
	`{"conflicts":[{"id":"c_1","with":null,"region":[1,2,3,4]}]}` + "\n",
	` { "other" : {"a":[1,{"b":"x\"]}"}]}, "conflicts" : [ {"x":"\\"} , [] , "s" , 1e-9 , true , null ] } `,
	`{"conflicts":[{"ref":"r_\u00e9\"","window":{"start":"2026-11-27T00:00:00Z"}},{}]}`,
	`{"other":1}`,
	`{"conflicts":[1],"conflicts":[1,2]}`,
	`{"conflicts":[1]} x`,
	`{"confl\u0069cts":[1,2,3]}`,
	`{"conflicts":{}}`,
	`{"conflicts":[1,]}`,
	`{"conflicts":[1 2]}`,
	`[1,2]`,
	`{"conflicts":[`,
	`{"conflicts":["\`,
	``,
}

// TestCountMembersAgreesWithDecoding: the answers a server writes are
// counted as encoding/json decodes them, and a document without the array
// is refused.
func TestCountMembersAgreesWithDecoding(t *testing.T) {
	for _, doc := range countSeeds {
		want, ok := countByDecoding([]byte(doc), "conflicts")
		got, err := countMembers([]byte(doc), "conflicts")
		if ok && (err != nil || got != want) {
			t.Errorf("%q: counted %d (%v), decoding finds %d", doc, got, err, want)
		}
		if !ok && err == nil {
			t.Errorf("%q: counted %d, but it holds no conflicts array", doc, got)
		}
	}
}

// FuzzCountMembers: any input is counted or refused without a panic, and
// what is counted is what encoding/json decodes. (The scan is stricter than
// encoding/json, which takes invalid UTF-8 and lone surrogates; those it
// refuses.)
func FuzzCountMembers(f *testing.F) {
	for _, s := range countSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, err := countMembers(doc, "conflicts")
		if err != nil {
			return
		}
		if want, ok := countByDecoding(doc, "conflicts"); !ok || got != want {
			t.Fatalf("%q: counted %d, decoding finds %d (%v)", doc, got, want, ok)
		}
	})
}
