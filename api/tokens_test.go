package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

// tokenSeeds are texts for the differential fuzz test: valid bodies and
// every kind of fault a token reader meets.
var tokenSeeds = []string{
	`{"callsign": "RUS101", "volumes": [` + goodVolume + `], "share_with": ["all"], "aware_of": [{"party": "usa", "id": "op1", "version": 2}]}`,
	`[1, -0.5e+3, 0, true, false, null, "x", {"a": [], "b": {}}]`,
	` { "a" : [ 1 , [ [ ] ] ] , "b" : "\u00e9\ud83d\ude00\n\"" } `,
	`01`, `[01]`, `truex`, `[truex]`, `nul`, `1.`, `-`, `1e`, `1e+`, `.5`, `+1`, `"a`, `"\x"`, `"\u12"`, "\"a\x01\"",
	"\"\xff\xfe\"", `"\ud800"`, `{"a" 1}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a":1 "b":2}`, `[1 2]`, `{1:2}`,
	`]`, `}`, `:`, `,`, `{"a":}`, `[}`, `{]`, `{} {}`, `{} x`, `[[[[[[[[[[`, `"` + strings.Repeat(`\\`, 20) + `"`,
	``, ` `, "\t\r\n", `{"a":NaN}`, `[Infinity]`, `{"a":1e400}`, `{"a":-}`, `["\/"]`,
}

// FuzzTokenReader holds tokenReader to encoding/json's Decoder (with
// UseNumber): for any text and any sequence of calls — Token, More, and Raw
// against Decode into a json.RawMessage — both give the same tokens, the
// same answers to More and the same raw values, and fail at the same call.
// Only the wording of syntax errors may differ; running out of text is an
// io.EOF or io.ErrUnexpectedEOF in both.
func FuzzTokenReader(f *testing.F) {
	for i, s := range tokenSeeds {
		f.Add([]byte(s), []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
		f.Add([]byte(s), []byte{1, 0, 2, 1, 0, 2, 2, 1, 0, byte(i)})
	}
	f.Fuzz(func(t *testing.T, data, calls []byte) {
		if len(calls) > 200 {
			calls = calls[:200]
		}
		want := json.NewDecoder(bytes.NewReader(data))
		want.UseNumber()
		got := newTokenReader(data)
		for n := 0; n < len(calls)+64; n++ {
			call := byte(0) // Token once the calls run out, to the end
			if n < len(calls) {
				call = calls[n] % 3
			}
			what := fmt.Sprintf("call %d on %q", n, data)
			switch call {
			case 0:
				wt, werr := want.Token()
				gt, gerr := got.Token()
				if sameOutcome(t, what+", Token", wt, gt, werr, gerr, func() bool { return reflect.DeepEqual(wt, gt) }) {
					return
				}
			case 1:
				if w, g := want.More(), got.More(); w != g {
					t.Fatalf("%s, More: encoding/json %v, tokenReader %v", what, w, g)
				}
			case 2:
				var wr json.RawMessage
				werr := want.Decode(&wr)
				gr, gerr := got.Raw()
				// encoding/json refuses nesting past 10,000 levels in Decode,
				// which the strict decoder refuses past 32.
				if werr != nil && gerr == nil && strings.Contains(werr.Error(), "exceeded max depth") {
					return
				}
				if sameOutcome(t, what+", Raw", string(wr), string(gr), werr, gerr, func() bool { return bytes.Equal(wr, gr) }) {
					return
				}
			}
		}
	})
}

// sameOutcome fails t unless both readers failed alike (running out of text,
// an io.EOF or io.ErrUnexpectedEOF, in both or in neither) or both gave
// equal values; it reports whether they failed, which ends the comparison.
func sameOutcome(t *testing.T, what string, w, g any, werr, gerr error, equal func() bool) bool {
	t.Helper()
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%s: encoding/json %#v, %v; tokenReader %#v, %v", what, w, werr, g, gerr)
	}
	if werr != nil {
		end := func(err error) bool { return err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) }
		if end(werr) != end(gerr) {
			t.Fatalf("%s: encoding/json fails with %v, tokenReader with %v", what, werr, gerr)
		}
		return true
	}
	if !equal() {
		t.Fatalf("%s: encoding/json %#v, tokenReader %#v", what, w, g)
	}
	return false
}

// TestSyntaxFaultsSayWhere: a syntax fault names what is wrong and where.
func TestSyntaxFaultsSayWhere(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"volumes": [1 2]}`, "is not valid JSON: invalid character '2' after array element (at byte 16)"},
		{`{"callsign" "x"}`, `is not valid JSON: invalid character '"' after object key (at byte 13)`},
		{`{"volumes": [`, "the JSON text ends too early"},
		{`{"buffer_m": -x}`, "is not valid JSON: invalid character 'x' in numeric literal (at byte 15)"},
	} {
		var b struct {
			Callsign string            `json:"callsign"`
			Volumes  []json.RawMessage `json:"volumes"`
			BufferM  float64           `json:"buffer_m"`
		}
		err := decodeStrict([]byte(c.body), "", &b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.body, err, c.want)
		}
	}
}
