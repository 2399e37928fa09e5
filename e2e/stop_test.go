package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGracefulStop: SIGTERM while idle exits 0 promptly.
func TestGracefulStop(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverOptions{})
	srv.signal(syscall.SIGTERM)
	start := time.Now()
	code := srv.wait(10 * time.Second)
	if code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("an idle server took %v to stop after SIGTERM, want under 5s", d)
	}
	if out := srv.output(); strings.Contains(out, "panic") || strings.Contains(out, "level=ERROR") {
		t.Errorf("stopping printed an error:\n%s", out)
	}
}
