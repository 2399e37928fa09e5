package main

import (
	"context"
	"os"
	"runtime/debug"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, memoryFloor},
		{4 << 20, memoryFloor},
		{20 << 20, memoryFloor},
		{50 << 20, 100 << 20}, // a large live heap raises the limit
	} {
		if got := memoryLimit(c.live); got != c.want {
			t.Errorf("memoryLimit(%d MB) = %d MB, want %d MB", c.live>>20, got>>20, c.want>>20)
		}
	}
}

// TestTuneGC: serve's collector settings apply unless GOGC or GOMEMLIMIT
// is set, which the user's choice then wins.
func TestTuneGC(t *testing.T) {
	restore := debug.SetGCPercent(100)
	restoreLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(restore)
		debug.SetMemoryLimit(restoreLimit)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	t.Setenv("GOGC", "150")
	tuneGC(ctx)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set, GC percent = %d; want it left alone", got)
	}
	os.Unsetenv("GOGC") // t.Setenv restores it at the end
	t.Setenv("GOMEMLIMIT", "1GiB")
	tuneGC(ctx)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOMEMLIMIT set, GC percent = %d; want it left alone", got)
	}
	os.Unsetenv("GOMEMLIMIT")
	tuneGC(ctx)
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GC percent = %d, want %d", got, gcPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != memoryFloor {
		t.Errorf("memory limit = %d, want %d", got, memoryFloor)
	}
}
