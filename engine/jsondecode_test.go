package engine

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/bench"
)

// decodeCorpus holds documents decodeJSON must decode as encoding/json
// does: numbers of every kind, escapes, invalid UTF-8, duplicate keys,
// trailing data and broken documents.
var decodeCorpus = []string{
	`{"a":1}`, `{"n":9223372036854775807}`, `{"n":9223372036854775808}`, `{"n":-9223372036854775808}`,
	`{"n":1e3}`, `{"n":1.5}`, `{"n":-0}`, `{"n":0.1e-2}`, `123456789012345678901234567890`,
	`{"a":1} x`, `{"a":1} `, `{"a":1} ]`, `{"a":1}{}`, `1 2`, "{\"a\":\"\t\"}", "\"\x01\"", "{\"a\":\"\xff\"}", `{"a":1,"a":2}`, `[1,2`, `{"a":"\ud800"}`, ` `, ``,
	`{"s":"\u00e9\n\"\\\/"}`, `[[[[[]]]]]`, `{"a":[1,{"b":[true,false,null]}]}`, `"x"`, `null`, `{"a":01}`,
	`{"a":1e400}`, `-1e999`, `[1,2,1.8e308]`, `{"a":1.7976931348623157e308}`, `{"a":1e-400}`, `{"x y":[0,{"z":-2E+308}]}`,
	`{"a":1e400,"b":1e400,"c":[1e999]}`, `{"":1e700,"":0}`, `{"a":0,"a":1e700}`, `[{"a":1e400,"a":1}]`, `1` + strings.Repeat("0", 400), `0.` + strings.Repeat("0", 400) + `1`,
	`{"a":"\u12"}`, `{"a":"\u12g4"}`, `{"a":1.}`, `{"a":-}`, `{"a":.5}`, `{"a":1e}`, `{"a":1e+}`, `[1,]`, `{"a":1,}`, `{,}`, `tru`, `nul`, `truex`,
	strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth),
	strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1),
	strings.Repeat(`{"a":`, maxJSONDepth) + "1" + strings.Repeat("}", maxJSONDepth),
	strings.Repeat(`{"a":`, maxJSONDepth+1) + "1" + strings.Repeat("}", maxJSONDepth+1),
}

func TestDecodeJSONAsEncodingJSON(t *testing.T) {
	t.Parallel()
	corpus := append([]string{string(bench.DefaultPayload)}, decodeCorpus...)
	if examples, err := filepath.Glob(filepath.Join("..", "workflows", "examples", "*.json")); err == nil {
		for _, f := range examples {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			corpus = append(corpus, string(b))
		}
	}
	for _, in := range corpus {
		checkDecode(t, []byte(in))
	}
}

func checkDecode(t *testing.T, in []byte) {
	t.Helper()
	got, gotErr := decodeJSON(in)
	want, wantErr := decodeStd(in)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("decodeJSON(%q) error %v; encoding/json: %v", in, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeJSON(%q) = %#v; encoding/json: %#v", in, got, want)
	}
	if valid := validJSON(in); valid != (gotErr == nil) {
		t.Fatalf("validJSON(%q) = %v; decodeJSON's error: %v", in, valid, gotErr)
	}
}

// FuzzDecodeJSON checks the fast decoder against encoding/json.
func FuzzDecodeJSON(f *testing.F) {
	f.Add(bench.DefaultPayload)
	for _, in := range decodeCorpus {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkDecode(t, in) })
}

// A number beyond float64's range is refused, with where it is; one that
// only underflows is zero, as encoding/json has it.
func TestDecodeJSONNumberRange(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"a":{"b":[0,1,1e400]}}`:                   `$.a.b[2]: the number 1e400 is beyond the range of a 64-bit float`,
		`[{"x y":-1E+999}]`:                         `$[0]["x y"]: the number -1E+999 is beyond the range of a 64-bit float`,
		`{"b":[1e400],"a":{"z":1e999}}`:             `$.a.z: the number 1e999 is beyond the range of a 64-bit float`,
		`2e308`:                                     `$: the number 2e308 is beyond the range of a 64-bit float`,
		`{"_n1":9` + strings.Repeat("9", 400) + `}`: `$._n1: the number 9999999999999999999999999999999999999999... is beyond the range of a 64-bit float`,
	} {
		_, err := decodeJSON([]byte(in))
		var re *NumberRangeError
		if !errors.As(err, &re) || err.Error() != want {
			t.Errorf("decodeJSON(%.40q) error = %v; want %s", in, err, want)
		}
		ev := jsonEvent("")
		ev.Body = []byte(in)
		for name, p := range map[string]Payload{"DecodePayload": DecodePayload(&ev), "LazyPayload": LazyPayload(&ev)} {
			if !p.BadJSON || !errors.As(p.Err, &re) {
				t.Errorf("%s(%.40q) = %+v; want BadJSON with the range error", name, in, p)
			}
		}
	}
	v, err := decodeJSON([]byte(`{"tiny":1e-400}`))
	if err != nil || !reflect.DeepEqual(v, map[string]any{"tiny": 0.0}) {
		t.Errorf("decodeJSON(1e-400) = %v, %v; want 0", v, err)
	}
}
