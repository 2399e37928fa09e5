package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestMaxInflightBytesFlag: the budget of bytes in flight defaults to
// DefaultMaxInflightBytes, takes HOOKFLOW_MAX_INFLIGHT_BYTES, and refuses a
// negative or malformed value before serve starts anything.
func TestMaxInflightBytesFlag(t *testing.T) {
	if got := newServeCmd().Flags().Lookup("max-inflight-bytes").DefValue; got != strconv.Itoa(DefaultMaxInflightBytes) {
		t.Errorf("default %s, want %d", got, DefaultMaxInflightBytes)
	}
	t.Setenv("HOOKFLOW_MAX_INFLIGHT_BYTES", "1048576")
	if got := newServeCmd().Flags().Lookup("max-inflight-bytes").DefValue; got != "1048576" {
		t.Errorf("with HOOKFLOW_MAX_INFLIGHT_BYTES=1048576 the default is %s", got)
	}
	db := filepath.Join(t.TempDir(), "hookflow.db")
	for _, c := range []struct{ value, want string }{
		{"-1", "--max-inflight-bytes must be 0 (no bound) or positive, got -1"},
		{"64MB", `invalid argument "64MB" for "--max-inflight-bytes"`},
	} {
		_, _, err := hookflow(t, "", "serve", "--addr", "127.0.0.1:0", "--db", db, "--max-inflight-bytes", c.value)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--max-inflight-bytes %s: %v; want an error containing %q", c.value, err, c.want)
		}
	}
}
