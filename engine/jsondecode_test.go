package engine

import (
	"os"
	"path/filepath"
	"reflect"
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
