package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// hookTTL bounds how long a resolved hook key is served from memory, so a
// workflow saved elsewhere (another replica) is picked up within it.
const hookTTL = time.Second

// compiledCache keeps compiled revisions (immutable, cached for good) and
// resolved hook keys (cached briefly).
type compiledCache struct {
	store store.Store
	log   *slog.Logger
	mu    sync.RWMutex
	revs  map[revKey]*workflows.Compiled
	hooks map[string]hookEntry
}

type revKey struct {
	id  string
	rev int
}

type hookEntry struct {
	wf       store.Workflow
	compiled *workflows.Compiled
	expires  time.Time
}

func (c *compiledCache) init(s store.Store, log *slog.Logger) {
	c.store, c.log = s, log
	c.revs = map[revKey]*workflows.Compiled{}
	c.hooks = map[string]hookEntry{}
}

// revision returns the compiled form of one stored revision.
func (c *compiledCache) revision(ctx context.Context, id string, rev int) (*workflows.Compiled, error) {
	k := revKey{id, rev}
	c.mu.RLock()
	cw := c.revs[k]
	c.mu.RUnlock()
	if cw != nil {
		return cw, nil
	}
	r, err := c.store.RevisionGet(ctx, id, rev)
	if err != nil {
		return nil, fmt.Errorf("load workflow %s revision %d: %w", id, rev, err)
	}
	cw, dropped, err := compileStored(r.Definition)
	if err != nil {
		return nil, fmt.Errorf("workflow %s revision %d: %w", id, rev, err)
	}
	if len(dropped) > 0 {
		c.log.Warn("stored revision has respond headers a trigger's answer may not set: they are not sent; save the workflow without them",
			"workflow", id, "revision", rev, "fields", dropped)
	}
	c.mu.Lock()
	c.revs[k] = cw
	c.mu.Unlock()
	return cw, nil
}

func compileDefinition(def []byte) (*workflows.Compiled, error) {
	w, err := workflows.Decode(def)
	if err != nil {
		return nil, err
	}
	return workflows.Compile(w)
}

// compileStored is compileDefinition for a stored revision, which may have
// been saved before a respond header was refused: such headers are dropped
// (their fields returned), so the revision still runs and never sends them.
func compileStored(def []byte) (*workflows.Compiled, []string, error) {
	w, err := workflows.Decode(def)
	if err != nil {
		return nil, nil, err
	}
	c, err := workflows.CompileStored(w)
	if err != nil {
		return nil, nil, err
	}
	return c, c.Dropped, nil
}

// trigger returns what a stored revision's trigger compiles to: from the
// cached revision where there is one, else compiling the trigger alone
// (not cached: its callers remember what they picked).
func (c *compiledCache) trigger(ctx context.Context, id string, rev int) (any, error) {
	c.mu.RLock()
	cw := c.revs[revKey{id, rev}]
	c.mu.RUnlock()
	if cw != nil {
		return cw.Trigger, nil
	}
	r, err := c.store.RevisionGet(ctx, id, rev)
	if err != nil {
		return nil, fmt.Errorf("load workflow %s revision %d: %w", id, rev, err)
	}
	t, err := workflows.CompileStoredTrigger(r.Definition)
	if err != nil {
		return nil, fmt.Errorf("workflow %s revision %d: %w", id, rev, err)
	}
	return t, nil
}

// size is how many revisions are held compiled.
func (c *compiledCache) size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.revs)
}

// hook resolves a hook key to its workflow and compiled current revision.
func (c *compiledCache) hook(ctx context.Context, key string, now time.Time) (store.Workflow, *workflows.Compiled, error) {
	c.mu.RLock()
	h, ok := c.hooks[key]
	c.mu.RUnlock()
	if ok && now.Before(h.expires) {
		return h.wf, h.compiled, nil
	}
	wf, err := c.store.WorkflowGetByHookKey(ctx, key)
	if err != nil {
		return store.Workflow{}, nil, err
	}
	cw, err := c.revision(ctx, wf.ID, wf.Revision)
	if err != nil {
		return store.Workflow{}, nil, err
	}
	c.mu.Lock()
	if len(c.hooks) > 10000 {
		clear(c.hooks)
	}
	c.hooks[key] = hookEntry{wf: wf, compiled: cw, expires: now.Add(hookTTL)}
	c.mu.Unlock()
	return wf, cw, nil
}

// forget drops every cached hook key of a workflow.
func (c *compiledCache) forget(id string) {
	c.mu.Lock()
	for k, h := range c.hooks {
		if h.wf.ID == id {
			delete(c.hooks, k)
		}
	}
	c.mu.Unlock()
}

// ResolveHook returns the workflow whose hook key is key, with its
// current revision compiled. Results are cached for about a second.
func (e *Engine) ResolveHook(ctx context.Context, key string) (store.Workflow, *workflows.Compiled, error) {
	return e.cache.hook(ctx, key, e.now())
}

// Compiled returns a stored revision of a workflow, compiled (cached).
func (e *Engine) Compiled(ctx context.Context, id string, rev int) (*workflows.Compiled, error) {
	return e.cache.revision(ctx, id, rev)
}

// CompiledTrigger returns what the trigger of a stored revision compiles
// to (Compiled.Trigger) without compiling its steps, unless the revision is
// held compiled already.
func (e *Engine) CompiledTrigger(ctx context.Context, id string, rev int) (any, error) {
	return e.cache.trigger(ctx, id, rev)
}

// CompiledRevisions is how many workflow revisions are held compiled in
// memory (a revision is compiled when its first run, event or schedule
// needs it).
func (e *Engine) CompiledRevisions() int { return e.cache.size() }

// Forget drops cached trigger lookups of a workflow; call it after the
// workflow is saved, toggled, rekeyed or deleted.
func (e *Engine) Forget(id string) { e.cache.forget(id) }
