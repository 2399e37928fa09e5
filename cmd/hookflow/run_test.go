package main

import (
	"strings"
	"testing"
)

// TestReadPayload: --payload takes JSON as the server does, refusing what
// a trigger would refuse with where it is.
func TestReadPayload(t *testing.T) {
	t.Parallel()
	if data, err := readPayload(`{"a": [1, 2.5e300]}`, nil); err != nil || string(data) != `{"a": [1, 2.5e300]}` {
		t.Errorf("in range: %q, %v", data, err)
	}
	for in, want := range map[string]string{
		`{"a": [1, 1e400]}`: "--payload: payload.a[1]: the number 1e400 is beyond the range",
		`{"a": 1`:           "--payload: not valid JSON",
		`-1e999`:            "--payload: payload: the number -1e999",
	} {
		if _, err := readPayload(in, nil); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("readPayload(%s) = %v, want %q...", in, err, want)
		}
	}
}
