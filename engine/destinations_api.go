package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hookflow/hookflow/store"
)

// Destination is a destination's state as the editor and the API show it.
type Destination struct {
	store.Destination
	// RunsWaiting counts the runs waiting on the destination while it is
	// paused.
	RunsWaiting int
}

// Destinations returns the stored destinations, with the runs waiting on
// each, ordered by key.
func (e *Engine) Destinations(ctx context.Context) ([]Destination, error) {
	all, err := e.store.DestinationList(ctx)
	if err != nil {
		return nil, err
	}
	runs, err := e.store.RunRetryingWithError(ctx, pausedReason)
	if err != nil {
		return nil, fmt.Errorf("count runs waiting on destinations: %w", err)
	}
	waiting := map[string]int{}
	for _, r := range runs {
		if i := strings.LastIndex(r.Error, pausedReason); i >= 0 {
			waiting[r.Error[i+len(pausedReason):]]++
		}
	}
	out := make([]Destination, len(all))
	for i, d := range all {
		out[i] = Destination{Destination: d, RunsWaiting: waiting[d.Key]}
	}
	return out, nil
}

// ResumeDestination opens a paused destination now, as a successful probe
// would, and makes the runs waiting on it due, oldest first. It returns the
// destination and how many runs were made due; store.ErrNotFound where no
// such destination is stored.
func (e *Engine) ResumeDestination(ctx context.Context, key string) (Destination, int, error) {
	all, err := e.store.DestinationList(ctx)
	if err != nil {
		return Destination{}, 0, err
	}
	found := false
	for _, d := range all {
		found = found || d.Key == key
	}
	if !found {
		return Destination{}, 0, fmt.Errorf("destination %s: %w", key, store.ErrNotFound)
	}
	now := e.now()
	got, err := e.store.DestinationChange(ctx, key, func(s *store.Destination) error {
		s.State, s.ConsecutiveFailures, s.PausedUntil, s.Cooldown, s.UpdatedAt = store.DestinationOpen, 0, time.Time{}, 0, now
		return nil
	})
	if err != nil {
		return Destination{}, 0, err
	}
	e.dests.set(got)
	n, err := e.resumeDestinationRuns(ctx, key)
	if err != nil && !errors.Is(err, context.Canceled) {
		return Destination{Destination: got}, 0, err
	}
	e.log.Info("destination resumed by hand", "destination", key, "runs", n)
	return Destination{Destination: got}, n, nil
}

// PausedUntil is when calls to a destination may be made again as this
// engine knows it (its view is read from the store every
// DestinationsRefresh): zero where they may be made now.
func (e *Engine) PausedUntil(key string) time.Time {
	e.dests.mu.RLock()
	d, ok := e.dests.unhealthy[key]
	e.dests.mu.RUnlock()
	if !ok || d.State == store.DestinationOpen {
		return time.Time{}
	}
	return d.PausedUntil
}
