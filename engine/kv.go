package engine

import (
	"context"
	"time"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
)

// kvOpsKept is how long the record of a storage write made by a run's step
// is kept, which makes the write apply once should the run resume at the
// step: far longer than a run takes to record a step it has made.
const kvOpsKept = 7 * 24 * time.Hour

// KV is the engine's store, where storage and dedupe steps keep their
// entries (nil where the engine has none).
func (st *runState) KV() kinds.KV {
	if st.eng == nil || st.eng.store == nil {
		return nil
	}
	return st.eng.store
}

// PruneKV deletes the expired entries of the key-value store, and old
// records of its writes. The retention loop calls it, whatever
// Config.Retention says; it is exported for tools and tests.
func (e *Engine) PruneKV(ctx context.Context) (int, error) {
	if e.store == nil {
		return 0, nil
	}
	now := e.now().UTC()
	n, err := e.store.KVPrune(ctx, store.KVPruneParams{Now: now, OpsBefore: now.Add(-kvOpsKept)})
	if n > 0 {
		e.log.Info("retention: pruned expired keys", "keys", n)
	}
	if err != nil && ctx.Err() == nil {
		e.log.Error("retention: prune keys", "err", err)
	}
	return n, err
}
