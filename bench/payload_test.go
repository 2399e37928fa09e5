package bench

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestDefaultPayload holds the embedded payload to what the figures in
// docs/performance.md were measured with: 1 KB of valid JSON, an order over
// 100 USD (the engine benchmarks' filter lets it through).
func TestDefaultPayload(t *testing.T) {
	t.Parallel()
	if len(DefaultPayload) != 1024 || !json.Valid(DefaultPayload) {
		t.Fatalf("the default payload is %d bytes (valid JSON: %v), want 1024 of valid JSON", len(DefaultPayload), json.Valid(DefaultPayload))
	}
	var order struct {
		ID       string  `json:"id"`
		Amount   float64 `json:"amount"`
		Currency string  `json:"currency"`
	}
	if err := json.Unmarshal(DefaultPayload, &order); err != nil || order.ID == "" || order.Amount <= 100 || order.Currency != "USD" {
		t.Errorf("the default payload is %+v (%v), want an order over 100 USD", order, err)
	}
}

func TestPadPayload(t *testing.T) {
	t.Parallel()
	for _, size := range []int{1024 + 10, 16 << 10, 256 << 10} {
		p, err := PadPayload(DefaultPayload, size)
		if err != nil {
			t.Fatalf("PadPayload(%d): %v", size, err)
		}
		var v map[string]any
		if len(p) != size || json.Unmarshal(p, &v) != nil || v["id"] != "ord_0123456789abcdef" || v["pad"] == nil {
			t.Errorf("PadPayload(%d): %d bytes, fields %d; want the order plus a pad", size, len(p), len(v))
		}
	}
	if p, err := PadPayload(DefaultPayload, len(DefaultPayload)); err != nil || !bytes.Equal(p, DefaultPayload) {
		t.Errorf("PadPayload to its own size = %d bytes, %v; want it unchanged", len(p), err)
	}
	if p, err := PadPayload([]byte(` {} `), 20); err != nil || string(p) != `{"pad":"xxxxxxxxxx"}` {
		t.Errorf("PadPayload({}, 20) = %s, %v", p, err)
	}
	for _, bad := range []struct {
		p    string
		size int
	}{{`[1,2]`, 100}, {`"s"`, 100}, {`{"a":1}`, 5}} {
		if _, err := PadPayload([]byte(bad.p), bad.size); err == nil {
			t.Errorf("PadPayload(%s, %d): no error", bad.p, bad.size)
		}
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"1024": 1024, "16k": 16 << 10, "16KB": 16 << 10, "256KiB": 256 << 10, "1MB": 1 << 20, " 2 mb ": 2 << 20, "100b": 100} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-5", "KB", "1.5MB", "lots"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q): no error", bad)
		}
	}
}
