package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWarnReadableDB: serve warns about a database file other users can
// read, and says nothing about one they cannot.
func TestWarnReadableDB(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		mode os.FileMode
		warn bool
	}{{0o644, true}, {0o640, true}, {0o600, false}} {
		path := filepath.Join(t.TempDir(), "hookflow.db")
		if err := os.WriteFile(path, nil, c.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, c.mode); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		(&config{DB: path}).warnReadableDB(slog.New(slog.NewTextHandler(&out, nil)))
		if got := strings.Contains(out.String(), "chmod 600"); got != c.warn {
			t.Errorf("database file %04o: warned %v, want %v (%s)", c.mode, got, c.warn, out.String())
		}
	}
}
