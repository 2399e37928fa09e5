package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/bytedance/sonic"
)

// fastJSON decodes payloads into interfaces faster than encoding/json
// (measured on the 1 KB bench payload: 6.4 µs against 14 µs; decoding was
// the largest share of the accept path's CPU), with whole numbers as int64.
// ValidateString makes it refuse what encoding/json would not take as is:
// control characters inside strings and invalid UTF-8 (which encoding/json
// replaces with U+FFFD). Where it cannot run (other architectures, Go
// versions it does not know) sonic is encoding/json itself.
var fastJSON = sonic.Config{UseInt64: true, ValidateString: true}.Froze()

// decodeJSON decodes a JSON document the way expressions want it: whole
// numbers as int (so `payload.n % 2` works and ids above 2^53 stay exact),
// other numbers as float64, objects as map[string]any. A document fastJSON
// refuses goes through encoding/json, so the result and any syntax error's
// wording are encoding/json's either way (FuzzDecodeJSON holds the two to
// that).
func decodeJSON(data []byte) (any, error) {
	var v any
	if err := fastJSON.Unmarshal(data, &v); err == nil {
		return ints(v), nil
	}
	return decodeStd(data)
}

// decodeStd is decodeJSON on encoding/json alone.
func decodeStd(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errTrailingData
	}
	return numbers(v), nil
}

// validJSON reports whether decodeJSON would take data, without decoding
// it: half the time of decoding the 1 KB bench payload, and nothing
// allocated. (sonic's validator, faster still, takes strings JSON does
// not: bad escapes, control characters, a missing closing quote.)
// FuzzDecodeJSON holds the answer to decodeJSON's.
func validJSON(data []byte) bool { return json.Valid(data) }

var errTrailingData = errors.New("unexpected data after the JSON value")

// ints replaces int64 values with int, in place. A map entry is written
// only where it holds an int64: assigning every value again costs more
// than the walk itself.
func ints(v any) any {
	switch x := v.(type) {
	case int64:
		return int(x)
	case map[string]any:
		for k, e := range x {
			switch y := e.(type) {
			case int64:
				x[k] = int(y)
			case map[string]any, []any:
				ints(y)
			}
		}
	case []any:
		for i, e := range x {
			x[i] = ints(e)
		}
	}
	return v
}

// numbers replaces json.Number values in place.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return int(i)
		}
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}
