package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestMemProfile: with HOOKFLOW_MEMPROFILE set, a heap profile (gzipped,
// as pprof writes it) is in the file once profiling stops; without it,
// nothing is written.
func TestMemProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heap.pprof")
	t.Setenv("HOOKFLOW_MEMPROFILE", path)
	stop, err := startMemProfile(context.Background(), slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		sink = make([]byte, 1<<20)
		runtime.GC()
	}
	stop()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Fatalf("the heap profile is not a gzipped pprof file: % x", b[:min(len(b), 8)])
	}

	t.Setenv("HOOKFLOW_MEMPROFILE", "")
	stop, err = startMemProfile(context.Background(), slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	stop()

	t.Setenv("HOOKFLOW_MEMPROFILE", filepath.Join(t.TempDir(), "missing", "heap.pprof"))
	if _, err := startMemProfile(context.Background(), slog.Default()); err == nil {
		t.Error("a profile in a missing directory: no error")
	}
}
