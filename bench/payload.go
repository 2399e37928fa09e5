package bench

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// DefaultPayload is the 1 KB order event the project's performance figures
// are measured with; tests and benchmarks elsewhere use it too, so that all
// of them measure the same bytes.
//
//go:embed payload.json
var DefaultPayload []byte

// PadPayload grows a JSON object to exactly size bytes by adding a "pad"
// string field, so that throughput can be measured against payload size.
// A payload of that size already is returned as it is.
func PadPayload(payload []byte, size int) ([]byte, error) {
	if len(payload) == size {
		return payload, nil // already that size
	}
	p := bytes.TrimSpace(payload)
	if len(p) < 2 || p[0] != '{' || p[len(p)-1] != '}' {
		return nil, fmt.Errorf("only a JSON object can be padded")
	}
	body := bytes.TrimSpace(p[1 : len(p)-1])
	sep := ","
	if len(body) == 0 {
		sep = ""
	}
	// {body,"pad":"xxx"}
	fixed := len(body) + len(sep) + len(`{"pad":""}`)
	if size < fixed {
		return nil, fmt.Errorf("the payload is %d bytes; it cannot be padded to %d", len(p), size)
	}
	out := make([]byte, 0, size)
	out = append(out, '{')
	out = append(out, body...)
	out = append(out, sep...)
	out = append(out, `"pad":"`...)
	out = append(out, strings.Repeat("x", size-fixed)...)
	out = append(out, `"}`...)
	if !json.Valid(out) {
		return nil, fmt.Errorf("the padded payload is not valid JSON")
	}
	return out, nil
}

// ParseSize reads a byte count such as 1024, 16k, 16KB, 16KiB or 1MB
// (k and M are powers of 1024).
func ParseSize(s string) (int, error) {
	t := strings.TrimSpace(s)
	mult := 1
	lower := strings.ToLower(t)
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"k", 1 << 10}, {"m", 1 << 20}, {"b", 1}} {
		if strings.HasSuffix(lower, u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q: want a positive number of bytes, e.g. 1024, 16KB or 1MB", s)
	}
	return n * mult, nil
}
