package main

import (
	"strings"
	"testing"
	"time"
)

// TestPauseFlags: serve's pause settings refuse what means nothing, and
// --pause-after 0 (never) reaches the engine as its "never".
func TestPauseFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		after    int
		cooldown time.Duration
		err      string
	}{
		{after: 20, cooldown: time.Minute},
		{after: 0, cooldown: time.Second},
		{after: -1, cooldown: time.Minute, err: "--pause-after"},
		{after: 20, cooldown: 0, err: "--pause-cooldown"},
		{after: 20, cooldown: 2 * time.Hour, err: "--pause-cooldown"},
	} {
		c := config{PauseAfter: tc.after, PauseCooldown: tc.cooldown}
		err := c.checkPauseFlags()
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("checkPauseFlags(%d, %s) = %v, want %q", tc.after, tc.cooldown, err, tc.err)
		}
	}
	if got := (&config{PauseAfter: 0}).pauseAfter(); got >= 0 {
		t.Errorf("pauseAfter(0) = %d, want negative (never)", got)
	}
	if got := (&config{PauseAfter: 7}).pauseAfter(); got != 7 {
		t.Errorf("pauseAfter(7) = %d", got)
	}
}
