package store

import (
	"encoding/json"
	"fmt"
)

// EncodeMeta is how drivers store an event's Meta: a JSON object, or ""
// when there is none.
func EncodeMeta(m map[string]any) (string, error) {
	if len(m) == 0 {
		return "", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode meta: %w", err)
	}
	return string(b), nil
}

// DecodeMeta reads what EncodeMeta wrote (nil for none).
func DecodeMeta(s string) (map[string]any, error) {
	if s == "" || s == "{}" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode meta: %w", err)
	}
	return m, nil
}
