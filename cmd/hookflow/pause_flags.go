package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookflow/hookflow/engine"
)

// addPauseFlags adds serve's settings of paused destinations.
func (c *config) addPauseFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.IntVar(&c.PauseAfter, "pause-after", int(envInt("PAUSE_AFTER", engine.DefaultPauseAfter)),
		"pause calls to a destination after this many failed attempts in a row, 0 never; a step's pause_after overrides it (env HOOKFLOW_PAUSE_AFTER)")
	f.DurationVar(&c.PauseCooldown, "pause-cooldown", envDuration("PAUSE_COOLDOWN", engine.DefaultPauseCooldown),
		"first pause of a paused destination before one call probes it; doubles on each failed probe, up to 1h (env HOOKFLOW_PAUSE_COOLDOWN)")
}

// checkPauseFlags refuses settings of paused destinations that mean
// nothing.
func (c *config) checkPauseFlags() error {
	if c.PauseAfter < 0 {
		return fmt.Errorf("--pause-after must be 0 (never pause) or positive, got %d", c.PauseAfter)
	}
	if c.PauseCooldown <= 0 || c.PauseCooldown > engine.DefaultMaxPauseCooldown {
		return fmt.Errorf("--pause-cooldown must be positive and at most %s, got %s", engine.DefaultMaxPauseCooldown, c.PauseCooldown)
	}
	return nil
}

// pauseAfter is --pause-after as the engine takes it: its "never" is
// negative.
func (c *config) pauseAfter() int {
	if c.PauseAfter == 0 {
		return -1
	}
	return c.PauseAfter
}

// pauseCooldown is --pause-cooldown as the engine takes it.
func (c *config) pauseCooldown() time.Duration { return c.PauseCooldown }
