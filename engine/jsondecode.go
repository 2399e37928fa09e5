package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/bytedance/sonic"
)

// fastJSON decodes payloads into interfaces faster than encoding/json
// (decoding was the largest share of the accept path's CPU; the figures are
// in docs/performance.md), with whole numbers as int64.
// ValidateString makes it refuse what encoding/json would not take as is:
// control characters inside strings and invalid UTF-8 (which encoding/json
// replaces with U+FFFD). Where it cannot run (other architectures, Go
// versions it does not know) sonic is encoding/json itself.
var fastJSON = sonic.Config{UseInt64: true, ValidateString: true}.Froze()

// decodeJSON decodes a JSON document the way expressions want it: whole
// numbers as int (so `payload.n % 2` works and ids above 2^53 stay exact),
// other numbers as float64, objects as map[string]any. A number beyond
// float64's range is refused with a *NumberRangeError. A document fastJSON
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
	if !numbers(&v) {
		return nil, rangeError(v, nil)
	}
	return v, nil
}

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

// numbers replaces the json.Number values under *v with int or float64, in
// place. It reports false, leaving the rest as it is, at a number beyond
// float64's range: encoding/json would read it as ±Inf, which no JSON
// encoder writes, so a run holding one could not be recorded nor its event
// shown (sonic refuses such numbers itself, so decodeJSON comes here).
func numbers(v *any) bool {
	switch x := (*v).(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			*v = int(i)
			return true
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return false
		}
		*v = f
	case map[string]any:
		for k, e := range x {
			ok := numbers(&e)
			x[k] = e
			if !ok {
				return false
			}
		}
	case []any:
		for i := range x {
			if !numbers(&x[i]) {
				return false
			}
		}
	}
	return true
}

// NumberRangeError is a JSON document refused for a number beyond the range
// of a 64-bit float (such as 1e400).
type NumberRangeError struct {
	// Path is where the number sits, as an expression on the document
	// would reach it: "" for the document itself, else like `.a.b[2]` or
	// `["a b"]`.
	Path   string
	Number string
}

func (e *NumberRangeError) Error() string { return e.At("$") }

// At is the error's message with the document named root, as in
// "payload.a[2]: the number 1e400 is beyond the range of a 64-bit float".
func (e *NumberRangeError) At(root string) string {
	n := e.Number
	if len(n) > 40 {
		n = n[:40] + "..."
	}
	return root + e.Path + ": the number " + n + " is beyond the range of a 64-bit float"
}

// rangeError finds a number numbers refused under v and says where it is.
// Object keys are taken in sorted order, so a document with several such
// numbers names the same one each time.
func rangeError(v any, path []string) *NumberRangeError {
	switch x := v.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(string(x), 64); err != nil {
			return &NumberRangeError{Path: strings.Join(path, ""), Number: string(x)}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if err := rangeError(x[k], append(path, keyPath(k))); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := rangeError(e, append(path, "["+strconv.Itoa(i)+"]")); err != nil {
				return err
			}
		}
	}
	return nil
}

// keyPath is the path step to an object's key: .key for a name an
// expression can write so, ["key"] for any other.
func keyPath(k string) string {
	if identifier(k) {
		return "." + k
	}
	return "[" + strconv.Quote(k) + "]"
}

func identifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}
