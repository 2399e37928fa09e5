package triggers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
)

// ConsumersConfig configures the supervisor of consumer triggers.
type ConsumersConfig struct {
	Engine *engine.Engine
	// Refresh is how often the supervisor asks the store whether any
	// workflow changed (store.WorkflowsVersion, one cheap read), so
	// consumers follow creates, updates, toggles and deletes made by other
	// replicas (default 1s); the workflows are read again only when they
	// changed, and every 5 minutes. Reload reads them at once.
	Refresh time.Duration
	// MinBackoff and MaxBackoff bound the wait before a consumer whose
	// Consume returned starts again (default 1s and 1m); the wait doubles
	// while it fails without ever connecting.
	MinBackoff, MaxBackoff time.Duration
	// OnState, if set, is called with each change of a consumer's state
	// (the metrics' gauges follow it); removed is true when the consumer is
	// gone (its workflow disabled, deleted or saved again). It is called
	// with the supervisor's lock held: it must not call the supervisor.
	OnState func(workflowID string, s TriggerState, removed bool)
	// Replica names this replica to consumers that keep a session of
	// their own on the broker (MQTT): the same across its restarts,
	// different from every other replica's, e.g. the host name and the
	// port it listens on. Empty: the host name.
	Replica string
	Logger  *slog.Logger
}

// Consumers runs the consumer triggers (kinds.Consumer: brokers' consumers,
// polls): one Consume per enabled workflow whose trigger is one, on every
// replica. A consumer is stopped when its workflow is disabled or deleted,
// and started again when the workflow is saved as a new revision; one
// whose Consume returns is started again after a backoff.
type Consumers struct {
	cfg  ConsumersConfig
	log  *slog.Logger
	wake chan struct{}
	wg   sync.WaitGroup

	mu   sync.Mutex
	runs map[string]*consumerRun // by workflow id
	// previous is each workflow's latest consumer until it has returned:
	// the next one waits for it.
	previous map[string]*consumerRun
	states   map[string]TriggerState
	// other holds the revision of each enabled workflow whose trigger is
	// not a consumer (or does not compile), so that it is not compiled
	// again every refresh.
	other map[string]int

	// version is the WorkflowsVersion the consumers were synced at, and
	// loadedAt when (zero: never, or a Reload asks for a read).
	version  int64
	loadedAt time.Time
}

// fullReload is how often the supervisor reads the workflows even where
// their version did not move (a compile that failed is tried again).
const fullReload = 5 * time.Minute

// TriggerState is a consumer's connection state, as /readyz, /metrics
// and the workflow's API show it.
type TriggerState struct {
	// Type is the trigger's type (nats, redis, poll...).
	Type string `json:"type"`
	// State is one of the kinds.Consumer* states.
	State string `json:"state"`
	// Error is the last error, where the state has one (secrets hidden).
	Error string `json:"error,omitempty"`
	// Since is when the consumer entered the state.
	Since time.Time `json:"since"`
}

// consumerRun is one workflow revision's consumer.
type consumerRun struct {
	id       string
	revision int
	typ      string
	cancel   context.CancelFunc
	done     chan struct{}
}

// NewConsumers builds a supervisor; Run drives it.
func NewConsumers(cfg ConsumersConfig) *Consumers {
	if cfg.Refresh <= 0 {
		cfg.Refresh = time.Second
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(time.Minute, cfg.MinBackoff)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Consumers{cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1),
		runs: map[string]*consumerRun{}, previous: map[string]*consumerRun{}, states: map[string]TriggerState{}, other: map[string]int{}}
}

// Reload asks the supervisor to re-read the workflows now (after a save,
// a toggle or a delete on this replica).
func (c *Consumers) Reload() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// States returns every running consumer's state by workflow id.
func (c *Consumers) States() map[string]TriggerState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.states)
}

// State returns the state of a workflow's consumer (false: it has none
// running here).
func (c *Consumers) State(workflowID string) (TriggerState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.states[workflowID]
	return s, ok
}

// Run supervises the consumers until ctx ends, then stops them all and
// returns once every Consume has returned.
func (c *Consumers) Run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			c.stopAll()
			return
		case <-c.wake:
			c.loadedAt = time.Time{}
		case <-timer.C:
		}
		c.load(ctx)
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(c.cfg.Refresh)
	}
}

// load syncs the running consumers with the enabled workflows.
func (c *Consumers) load(ctx context.Context) {
	e := c.cfg.Engine
	now := time.Now()
	version, err := e.Store().WorkflowsVersion(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Error("consumers: read workflows version", "err", err)
		}
		return
	}
	if !c.loadedAt.IsZero() && version == c.version && now.Sub(c.loadedAt) < fullReload {
		return
	}
	list, err := e.Store().WorkflowHeads(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Error("consumers: list workflows", "err", err)
		}
		return
	}
	c.version, c.loadedAt = version, now
	enabled := make(map[string]store.Workflow, len(list))
	for _, wf := range list {
		if wf.Enabled {
			enabled[wf.ID] = wf
		}
	}
	c.mu.Lock()
	for id, r := range c.runs {
		if wf, ok := enabled[id]; !ok || wf.Revision != r.revision {
			r.cancel()
			delete(c.runs, id)
		}
	}
	for id, rev := range c.other {
		if wf, ok := enabled[id]; !ok || wf.Revision != rev {
			delete(c.other, id)
		}
	}
	c.mu.Unlock()
	for id, wf := range enabled {
		c.mu.Lock()
		_, running := c.runs[id]
		_, known := c.other[id]
		c.mu.Unlock()
		if running || known {
			continue
		}
		// The trigger alone tells whether a workflow consumes: compiling
		// every step of thousands of webhook workflows here cost seconds
		// of CPU and hundreds of megabytes at each start.
		trig, err := e.CompiledTrigger(ctx, id, wf.Revision)
		if err == nil {
			if _, ok := trig.(kinds.Consumer); !ok {
				c.mu.Lock()
				c.other[id] = wf.Revision
				c.mu.Unlock()
				continue
			}
		}
		cw, err := e.Compiled(ctx, id, wf.Revision)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			c.log.Error("consumers: compile workflow", "workflow", id, "revision", wf.Revision, "err", err)
			c.mu.Lock()
			c.other[id] = wf.Revision
			c.mu.Unlock()
			continue
		}
		cons, ok := cw.Trigger.(kinds.Consumer)
		if !ok {
			c.mu.Lock()
			c.other[id] = wf.Revision
			c.mu.Unlock()
			continue
		}
		c.start(ctx, &consumerHost{c: c, eng: e, id: id, revision: wf.Revision,
			typ: cw.Workflow.Trigger.Type, vars: cw.Workflow.Vars}, cons)
	}
}

// start runs a workflow revision's consumer; the one of its previous
// revision, cancelled, is waited for first, so that two never consume at
// once on this replica.
func (c *Consumers) start(ctx context.Context, h *consumerHost, cons kinds.Consumer) {
	rctx, cancel := context.WithCancel(ctx)
	r := &consumerRun{id: h.id, revision: h.revision, typ: h.typ, cancel: cancel, done: make(chan struct{})}
	h.run = r
	h.log = c.log.With("workflow", h.id, "trigger", h.typ)
	c.mu.Lock()
	prev := c.previous[h.id]
	c.previous[h.id] = r
	c.runs[h.id] = r
	c.setState(r, TriggerState{Type: h.typ, State: kinds.ConsumerConnecting, Since: h.Now()})
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer close(r.done)
		if prev != nil {
			<-prev.done
		}
		c.supervise(rctx, h, cons)
		cancel()
		c.mu.Lock()
		if c.previous[h.id] == r {
			delete(c.previous, h.id)
		}
		if cur := c.runs[h.id]; cur == nil || cur == r {
			delete(c.runs, h.id)
			if _, ok := c.states[h.id]; ok {
				delete(c.states, h.id)
				if c.cfg.OnState != nil {
					c.cfg.OnState(h.id, TriggerState{Type: h.typ, State: kinds.ConsumerStopped, Since: h.Now()}, true)
				}
			}
		}
		c.mu.Unlock()
		h.log.Info("consumer stopped")
	}()
}

// supervise calls Consume until ctx ends, again after a backoff whenever
// it returns.
func (c *Consumers) supervise(ctx context.Context, h *consumerHost, cons kinds.Consumer) {
	backoff := c.cfg.MinBackoff
	for {
		h.connected.Store(false)
		h.State(kinds.ConsumerConnecting, nil)
		err := consume(ctx, cons, h)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("the consumer stopped by itself")
		}
		if h.connected.Load() {
			backoff = c.cfg.MinBackoff
		}
		h.State(kinds.ConsumerRetrying, err)
		// Full jitter on the upper half: replicas do not come back in step.
		wait := backoff/2 + rand.N(backoff/2+1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, c.cfg.MaxBackoff)
	}
}

// consume is one Consume, a panic in it made an error.
func consume(ctx context.Context, cons kinds.Consumer, h *consumerHost) (err error) {
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("consumer panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("the consumer failed: %v", p)
		}
	}()
	return cons.Consume(ctx, h)
}

// setState records a run's state where the run is still its workflow's
// consumer; the caller holds c.mu.
func (c *Consumers) setState(r *consumerRun, s TriggerState) bool {
	if c.runs[r.id] != r {
		return false
	}
	if cur, ok := c.states[r.id]; ok && cur.State == s.State {
		if cur.Error == s.Error {
			return false
		}
		s.Since = cur.Since
	}
	c.states[r.id] = s
	if c.cfg.OnState != nil {
		c.cfg.OnState(r.id, s, false)
	}
	return true
}

// stopAll cancels every consumer and waits for them.
func (c *Consumers) stopAll() {
	c.mu.Lock()
	for id, r := range c.runs {
		r.cancel()
		delete(c.runs, id)
	}
	c.mu.Unlock()
	c.wg.Wait()
}
