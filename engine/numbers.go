package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// decodeJSON decodes a JSON document the way expressions want it: whole
// numbers as int (so `payload.n % 2` works and ids above 2^53 stay exact),
// other numbers as float64, objects as map[string]any.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errTrailingData
	}
	return numbers(v), nil
}

var errTrailingData = errors.New("unexpected data after the JSON value")

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
