package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
)

// Paused destinations (a circuit breaker per destination). A destination is
// scheme://host:port of an outbound call. After PauseAfter failed attempts
// in a row to it, across runs, it is paused: runs calling it make no
// attempt, and wait as retrying (their error "destination paused: KEY")
// without using up their retries. Once the cool-down is over one run makes
// the probe: a success opens the destination again and the waiting runs
// are made due oldest first, ResumeRate a second; a failure pauses it
// again for twice as long, up to MaxPauseCooldown.
//
// A failure is an attempt the sender calls retryable (a network error, a
// timeout, 408, 429, 5xx). Any other answer (a 2xx, a 404) shows the
// destination up, and resets its count; a call refused before it is made
// (the egress guard) counts for nothing.
//
// The state lives in the store, so that every replica honours a pause;
// each engine keeps the destinations that are not healthy (failures, or a
// pause) in memory, read again every DestinationsRefresh. A call to a
// healthy destination costs an atomic load while no destination is
// unhealthy, a map lookup under a read lock otherwise, and a success there
// writes nothing.

// Defaults of the destination settings (Config).
const (
	DefaultPauseAfter          = 20
	DefaultPauseCooldown       = time.Minute
	DefaultMaxPauseCooldown    = time.Hour
	DefaultResumeRate          = 50
	DefaultDestinationsRefresh = 2 * time.Second
)

// pausedReason begins the error of a run waiting on a paused destination;
// the destination's key follows it.
const pausedReason = "destination paused: "

// probeMargin is how long past its own timeout a probe is waited for before
// another replica may make one (its maker is presumed gone).
const probeMargin = 30 * time.Second

// resumeAgain is when the runs waiting on a destination that answered
// again are looked for a second time.
const resumeAgain = 2 * time.Second

// errNoChange: a destination's change found nothing to do.
var errNoChange = errors.New("no change")

// destinations is an engine's view of the destinations' states.
type destinations struct {
	e  *Engine
	mu sync.RWMutex
	// unhealthy holds the destinations with failures or a pause, by key;
	// a key not in it is healthy.
	unhealthy map[string]store.Destination
	// count is len(unhealthy), read without the lock on every call.
	count atomic.Int64
	// changes counts this engine's changes to unhealthy: a refresh that
	// read the store while one was made is not applied (it could bring
	// back a state the change had just replaced).
	changes uint64
}

// DestinationKey is the destination of an outbound URL: scheme://host:port,
// lower case, with the scheme's port where the URL has none.
func DestinationKey(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("destination of %q: %w", raw, err)
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname())
	if host == "" || (scheme != "http" && scheme != "https") {
		return "", fmt.Errorf("destination of %q: not an http or https URL", raw)
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if scheme == "https" {
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port), nil
}

// threshold is the number of failures in a row that pause a destination
// for a step whose own setting is pauseAfter (0: the engine's; negative:
// never); 0 where the step is never paused.
func (e *Engine) threshold(pauseAfter int) int {
	switch {
	case pauseAfter > 0:
		return pauseAfter
	case pauseAfter < 0 || e.cfg.PauseAfter < 0:
		return 0
	}
	return e.cfg.PauseAfter
}

// Deliver makes an outbound request unless its destination is paused (see
// kinds.Runtime).
func (st *runState) Deliver(ctx context.Context, req actions.Request, pauseAfter int) (*actions.Response, error) {
	e := st.eng
	limit := e.threshold(pauseAfter)
	if limit == 0 || e.store == nil || st.test {
		return e.sender.Send(ctx, req)
	}
	// While every destination is healthy (the usual case) nothing is
	// looked up before the call, and a success records nothing.
	var key string
	var probe bool
	if e.dests.count.Load() > 0 {
		k, err := DestinationKey(req.URL)
		if err != nil {
			return e.sender.Send(ctx, req) // the sender says what is wrong with it
		}
		var until time.Time
		if probe, until = e.dests.before(ctx, k, req.Timeout); !until.IsZero() {
			return nil, &kinds.PausedError{Destination: k, Until: until}
		}
		key = k
	}
	resp, err := e.sender.Send(ctx, req)
	if ctx.Err() != nil || (err == nil && key == "") {
		return resp, err
	}
	if key == "" {
		if key, _ = DestinationKey(req.URL); key == "" {
			return resp, err
		}
	}
	if paused, again := e.dests.after(key, limit, probe, err); again {
		// The probe failed: the run waits for the next one with the
		// others.
		return resp, &kinds.PausedError{Destination: key, Until: e.dests.spread(paused.PausedUntil), Err: err}
	}
	return resp, err
}

// madeRequest says whether a step whose destination is paused made a
// request (the probe) before it was told so.
func madeRequest(err error) bool {
	var pe *kinds.PausedError
	return errors.As(err, &pe) && pe.Err != nil
}

// before says whether a call to key may be made: at once (zero until), as
// the probe of a paused destination (probe), or not before until.
func (d *destinations) before(ctx context.Context, key string, timeout time.Duration) (probe bool, until time.Time) {
	d.mu.RLock()
	cur, known := d.unhealthy[key]
	d.mu.RUnlock()
	if !known || cur.State == store.DestinationOpen {
		return false, time.Time{}
	}
	now := d.e.now()
	if now.Before(cur.PausedUntil) {
		return false, d.spread(cur.PausedUntil)
	}
	// The pause (or a probe's time) is over: this call may be the probe,
	// unless another engine made it first.
	if timeout <= 0 {
		timeout = kinds.DefaultTimeout
	}
	var seen store.Destination
	got, err := d.e.store.DestinationChange(ctx, key, func(s *store.Destination) error {
		seen = *s
		if s.State == store.DestinationOpen || now.Before(s.PausedUntil) {
			return errNoChange
		}
		s.State, s.PausedUntil, s.UpdatedAt = store.DestinationProbing, now.Add(timeout+probeMargin), now
		return nil
	})
	switch {
	case err == nil:
		d.set(got)
		return true, time.Time{}
	case errors.Is(err, errNoChange):
		d.set(seen)
		if seen.State == store.DestinationOpen {
			return false, time.Time{}
		}
		return false, d.spread(seen.PausedUntil)
	default:
		// The store cannot say: call (a pause must never stop delivery for
		// good).
		d.e.log.Error("destination state", "destination", key, "err", err)
		return false, time.Time{}
	}
}

// spread is when a run waits until on a paused destination: a moment after
// until, different for each run, so the runs do not all wake at once.
func (d *destinations) spread(until time.Time) time.Time {
	return until.Add(time.Duration(rand.Int64N(int64(time.Second))))
}

// after records the outcome of a call to key. Where the call was a probe
// that failed, it returns the destination paused again, and true.
func (d *destinations) after(key string, limit int, probe bool, err error) (store.Destination, bool) {
	var de *actions.DeliveryError
	failed := err != nil && errors.As(err, &de) && de.Retryable
	if err != nil && !failed && (de == nil || de.Status == 0) {
		return store.Destination{}, false // refused before it was made, or not a call: says nothing of the destination
	}
	d.mu.RLock()
	_, known := d.unhealthy[key]
	d.mu.RUnlock()
	if !failed {
		if known || probe {
			d.recovered(key)
		}
		return store.Destination{}, false
	}
	now := d.e.now()
	msg := err.Error()
	var paused, reprobe bool
	got, cerr := d.e.store.DestinationChange(context.Background(), key, func(s *store.Destination) error {
		s.ConsecutiveFailures++
		s.LastError, s.LastFailureAt, s.UpdatedAt = msg, now, now
		switch {
		case s.State == store.DestinationProbing && probe:
			// The probe failed: paused again, for twice as long.
			s.Cooldown = min(max(2*s.Cooldown, d.e.cfg.PauseCooldown), d.e.cfg.MaxPauseCooldown)
			s.State, s.PausedUntil, paused, reprobe = store.DestinationPaused, now.Add(s.Cooldown), true, true
		case s.State == store.DestinationOpen && s.ConsecutiveFailures >= limit:
			s.Cooldown = d.e.cfg.PauseCooldown
			s.State, s.PausedUntil, paused = store.DestinationPaused, now.Add(s.Cooldown), true
		}
		return nil
	})
	if cerr != nil {
		d.e.log.Error("record a failed call", "destination", key, "err", cerr)
		return store.Destination{}, false
	}
	d.set(got)
	if paused {
		d.e.cfg.Metrics.observePause(key)
		d.e.log.Warn("destination paused", "destination", key, "failures", got.ConsecutiveFailures,
			"until", got.PausedUntil, "err", msg)
	}
	return got, reprobe
}

// recovered opens a destination that answered; where it was paused (or
// probed), the runs waiting on it are made due.
func (d *destinations) recovered(key string) {
	now := d.e.now()
	var was string
	got, err := d.e.store.DestinationChange(context.Background(), key, func(s *store.Destination) error {
		was = s.State
		if s.State == store.DestinationOpen && s.ConsecutiveFailures == 0 {
			return errNoChange
		}
		s.State, s.ConsecutiveFailures, s.PausedUntil, s.Cooldown, s.UpdatedAt = store.DestinationOpen, 0, time.Time{}, 0, now
		return nil
	})
	if err != nil && !errors.Is(err, errNoChange) {
		d.e.log.Error("record a recovered destination", "destination", key, "err", err)
		return
	}
	if err == nil {
		d.set(got)
	} else {
		d.forget(key)
	}
	if was == store.DestinationPaused || was == store.DestinationProbing {
		d.e.log.Info("destination resumed", "destination", key)
		d.resumeRuns(key)
		// Runs that found the probe under way, and were waiting on it
		// while the first pass looked, are found by a second.
		time.AfterFunc(resumeAgain, func() {
			if !d.e.stopping.Load() && d.e.PausedUntil(key).IsZero() {
				d.resumeRuns(key)
			}
		})
	}
}

// set keeps what is known of a destination: an open one without failures
// is forgotten (healthy).
func (d *destinations) set(s store.Destination) {
	if s.State == store.DestinationOpen && s.ConsecutiveFailures == 0 {
		d.forget(s.Key)
		return
	}
	d.mu.Lock()
	if d.unhealthy == nil {
		d.unhealthy = map[string]store.Destination{}
	}
	d.unhealthy[s.Key] = s
	d.changes++
	d.count.Store(int64(len(d.unhealthy)))
	d.mu.Unlock()
	d.e.cfg.Metrics.setPaused(s.Key, s.State != store.DestinationOpen)
}

func (d *destinations) forget(key string) {
	d.mu.Lock()
	_, had := d.unhealthy[key]
	delete(d.unhealthy, key)
	d.changes++
	d.count.Store(int64(len(d.unhealthy)))
	d.mu.Unlock()
	if had {
		d.e.cfg.Metrics.setPaused(key, false)
	}
}

// refresh reads every destination's state from the store: pauses made,
// and ended, by other replicas.
func (d *destinations) refresh(ctx context.Context) error {
	d.mu.RLock()
	changes := d.changes
	d.mu.RUnlock()
	all, err := d.e.store.DestinationList(ctx)
	if err != nil {
		return fmt.Errorf("refresh destinations: %w", err)
	}
	next := make(map[string]store.Destination, len(all))
	for _, s := range all {
		if s.State != store.DestinationOpen || s.ConsecutiveFailures > 0 {
			next[s.Key] = s
		}
	}
	d.mu.Lock()
	if d.changes != changes {
		d.mu.Unlock()
		return nil // read again at the next refresh
	}
	// The gauges are set under the lock: next is the engine's map now.
	defer d.mu.Unlock()
	for k := range d.unhealthy {
		if _, ok := next[k]; !ok {
			d.e.cfg.Metrics.setPaused(k, false)
		}
	}
	for k, s := range next {
		d.e.cfg.Metrics.setPaused(k, s.State != store.DestinationOpen)
	}
	d.unhealthy = next
	d.count.Store(int64(len(next)))
	return nil
}

// refreshLoop refreshes the destinations until the engine stops.
func (e *Engine) refreshLoop() {
	defer e.loops.Done()
	tick := time.NewTicker(e.cfg.DestinationsRefresh)
	defer tick.Stop()
	for {
		if err := e.dests.refresh(e.runCtx); err != nil && e.runCtx.Err() == nil {
			e.log.Error("destinations", "err", err)
		}
		select {
		case <-tick.C:
		case <-e.stop:
			return
		}
	}
}

// resumeRuns makes the runs waiting on a destination due, oldest first,
// ResumeRate a second from now.
func (d *destinations) resumeRuns(key string) {
	n, err := d.e.resumeDestinationRuns(context.Background(), key)
	if err != nil {
		d.e.log.Error("resume runs waiting on a destination", "destination", key, "err", err)
		return
	}
	if n > 0 {
		d.e.log.Info("runs resumed", "destination", key, "runs", n)
	}
}

func (e *Engine) resumeDestinationRuns(ctx context.Context, key string) (int, error) {
	runs, err := e.waitingOn(ctx, key)
	if err != nil || len(runs) == 0 {
		return 0, err
	}
	now := e.now()
	every := time.Duration(float64(time.Second) / e.cfg.ResumeRate)
	moves := make([]store.RunRetryAtParams, len(runs))
	for i, r := range runs {
		moves[i] = store.RunRetryAtParams{ID: r.ID, At: now.Add(time.Duration(i) * every).UTC()}
	}
	n, err := e.store.RunRetryAt(ctx, moves)
	if err != nil {
		return 0, fmt.Errorf("resume runs waiting on %s: %w", key, err)
	}
	e.schedule(now)
	return n, nil
}

// waitingOn returns the runs waiting on a paused destination, oldest
// first.
func (e *Engine) waitingOn(ctx context.Context, key string) ([]store.Run, error) {
	reason := pausedReason + key
	runs, err := e.store.RunRetryingWithError(ctx, reason)
	if err != nil {
		return nil, err
	}
	out := runs[:0]
	for _, r := range runs {
		if strings.HasSuffix(r.Error, reason) {
			out = append(out, r)
		}
	}
	return out, nil
}
