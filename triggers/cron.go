package triggers

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
)

// CronConfig configures the scheduler.
type CronConfig struct {
	Engine *engine.Engine
	// Refresh is how often the scheduler asks the store whether any
	// workflow changed (store.WorkflowsVersion, one cheap read), so
	// schedules follow creates, updates, toggles and deletes made by any
	// replica (default 1s). The workflows themselves are read again only
	// when they changed, and every FullReload as a safety net.
	Refresh time.Duration
	// FullReload is how often they are read again regardless (default 5m).
	FullReload time.Duration
	Logger     *slog.Logger
}

// Cron starts the runs of cron-triggered workflows. Each tick is accepted
// with the idempotency key "cron:<tick time>", so when several replicas run
// a scheduler against one store, a tick still starts exactly one run.
// Ticks missed while no scheduler ran are not made up.
type Cron struct {
	cfg     CronConfig
	log     *slog.Logger
	entries map[string]*cronEntry
	// other holds the revision of each enabled workflow found to have
	// another trigger, so a reload reads only new revisions.
	other map[string]int
	wake  chan struct{}
	// version is the WorkflowsVersion the entries were loaded at, and
	// loadedAt when (zero: never).
	version  int64
	loadedAt time.Time
}

type cronEntry struct {
	id       string
	revision int
	trigger  *kinds.CronTrigger
	next     time.Time
}

// NewCron builds a scheduler; Run drives it.
func NewCron(cfg CronConfig) *Cron {
	if cfg.Refresh <= 0 {
		cfg.Refresh = time.Second
	}
	if cfg.FullReload <= 0 {
		cfg.FullReload = 5 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Cron{cfg: cfg, log: cfg.Logger, entries: map[string]*cronEntry{}, wake: make(chan struct{}, 1)}
}

// Reload asks the scheduler to re-read the workflows now.
func (c *Cron) Reload() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Run schedules until ctx ends.
func (c *Cron) Run(ctx context.Context) {
	e := c.cfg.Engine
	nextLoad := time.Time{}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		now := e.Now()
		if !now.Before(nextLoad) {
			c.load(ctx, now)
			nextLoad = now.Add(c.cfg.Refresh)
		}
		c.fire(ctx, now)
		wait := nextLoad.Sub(now)
		for _, en := range c.entries {
			wait = min(wait, en.next.Sub(now))
		}
		timer.Reset(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
			nextLoad = time.Time{}
			c.loadedAt = time.Time{}
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// load syncs the entries with the enabled cron workflows in the store,
// where they changed since the last load (or it is time for a full one).
func (c *Cron) load(ctx context.Context, now time.Time) {
	e := c.cfg.Engine
	version, err := e.Store().WorkflowsVersion(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Error("cron: read workflows version", "err", err)
		}
		return
	}
	if !c.loadedAt.IsZero() && version == c.version && now.Sub(c.loadedAt) < c.cfg.FullReload {
		return
	}
	// Heads, not definitions: a revision is read, and its trigger alone
	// compiled, once.
	list, err := e.Store().WorkflowHeads(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Error("cron: list workflows", "err", err)
		}
		return
	}
	seen := map[string]bool{}
	other := map[string]int{}
	for _, wf := range list {
		if !wf.Enabled {
			continue
		}
		cur := c.entries[wf.ID]
		if cur != nil && cur.revision == wf.Revision {
			seen[wf.ID] = true
			continue
		}
		if rev, ok := c.other[wf.ID]; ok && rev == wf.Revision {
			other[wf.ID] = rev
			continue
		}
		trig, err := e.CompiledTrigger(ctx, wf.ID, wf.Revision)
		if err != nil {
			continue
		}
		if _, ok := trig.(*kinds.CronTrigger); !ok {
			other[wf.ID] = wf.Revision
			continue
		}
		cw, err := e.Compiled(ctx, wf.ID, wf.Revision)
		if err != nil {
			continue
		}
		ct, ok := cw.Trigger.(*kinds.CronTrigger)
		if !ok {
			continue
		}
		seen[wf.ID] = true
		next := cw.NextFires(now, 1)
		if len(next) == 0 {
			continue
		}
		c.entries[wf.ID] = &cronEntry{id: wf.ID, revision: wf.Revision, trigger: ct, next: next[0]}
	}
	for id := range c.entries {
		if !seen[id] {
			delete(c.entries, id)
		}
	}
	c.other = other
	c.version, c.loadedAt = version, now
}

// fire accepts a run for every entry whose tick has come.
func (c *Cron) fire(ctx context.Context, now time.Time) {
	for _, en := range c.entries {
		if en.next.After(now) {
			continue
		}
		tick := en.next
		if err := c.accept(ctx, en, tick, now); err != nil && ctx.Err() == nil {
			c.log.Error("cron: start run", "workflow", en.id, "tick", tick, "err", err)
		}
		next := en.trigger.NextFires(maxTime(tick, now), 1)
		if len(next) == 0 {
			delete(c.entries, en.id)
			continue
		}
		en.next = next[0]
	}
}

func (c *Cron) accept(ctx context.Context, en *cronEntry, tick, now time.Time) error {
	t := en.trigger
	body, err := json.Marshal(map[string]any{
		"scheduled_at": tick.UTC().Format(time.RFC3339Nano),
		"local_time":   tick.In(t.Location).Format(time.RFC3339),
		"fired_at":     now.UTC().Format(time.RFC3339Nano),
		"schedule":     t.CronSettings.Schedule,
		"timezone":     t.Location.String(),
	})
	if err != nil {
		return err
	}
	_, err = c.cfg.Engine.Accept(ctx, engine.AcceptParams{WorkflowID: en.id, Revision: en.revision, Event: store.Event{
		Source:         "cron",
		Headers:        map[string]string{"content-type": "application/json"},
		Body:           body,
		ReceivedAt:     now.UTC(),
		IdempotencyKey: "cron:" + tick.UTC().Format(time.RFC3339Nano),
	}})
	return err
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
