package store

import (
	"context"
	"time"
)

// States of a destination (see Destination).
const (
	// DestinationOpen: calls to the destination go through (the breaker
	// is closed).
	DestinationOpen = "open"
	// DestinationPaused: the destination failed too often in a row; no
	// call is made to it until PausedUntil.
	DestinationPaused = "paused"
	// DestinationProbing: one call (the probe) is under way; the others
	// wait for its answer, or for PausedUntil should its maker be gone.
	DestinationProbing = "probing"
)

// Destination is what is known of one destination of outbound calls
// (scheme://host:port): whether calls to it are paused after failing too
// often in a row, and why.
type Destination struct {
	// Key is the destination, "https://api.example.com:443".
	Key   string
	State string
	// ConsecutiveFailures counts the failed attempts since the last
	// success.
	ConsecutiveFailures int
	// PausedUntil is when a paused destination may be probed, or when a
	// probe in flight is given up on.
	PausedUntil time.Time
	// Cooldown is the pause that ended at PausedUntil: it doubles on each
	// failed probe, up to a limit.
	Cooldown      time.Duration
	LastError     string
	LastFailureAt time.Time
	UpdatedAt     time.Time
}

// DestinationStore keeps the state of the destinations of outbound calls,
// so that a pause made by one replica is honoured by all.
type DestinationStore interface {
	// DestinationList returns every stored destination, ordered by key.
	DestinationList(ctx context.Context) ([]Destination, error)
	// DestinationChange reads a destination (a new open one, with no
	// failures, where none is stored), lets change alter it, and stores the
	// result, in one transaction: replicas changing one destination at
	// once do so one after the other. Where change returns an error,
	// nothing is stored and the error is returned as it is.
	DestinationChange(ctx context.Context, key string, change func(d *Destination) error) (Destination, error)
	// RunRetryingWithError returns the retrying runs whose error contains
	// text (without their lease), oldest first.
	RunRetryingWithError(ctx context.Context, text string) ([]Run, error)
	// RunRetryAt moves retrying runs' next attempt: each of p's runs that
	// is still retrying is made due at its At. It returns how many were.
	RunRetryAt(ctx context.Context, p []RunRetryAtParams) (int, error)
}

// RunRetryAtParams moves one retrying run's next attempt.
type RunRetryAtParams struct {
	ID string
	At time.Time
}
