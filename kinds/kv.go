package kinds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// KV is the key-value store the storage and dedupe steps keep their
// entries in (see store.Store, whose methods these are).
type KV interface {
	KVGet(ctx context.Context, p store.KVGetParams) (store.KV, error)
	KVSet(ctx context.Context, p store.KVSetParams) (store.KVResult, error)
	KVIncr(ctx context.Context, p store.KVIncrParams) (store.KVResult, error)
	KVDelete(ctx context.Context, p store.KVDeleteParams) (store.KVResult, error)
	KVAppend(ctx context.Context, p store.KVAppendParams) (store.KVResult, error)
	KVSetIfAbsent(ctx context.Context, p store.KVSetIfAbsentParams) (store.KVResult, error)
}

// The scopes of the key-value store, as steps name them.
const (
	scopeWorkflow = "workflow"
	scopeGlobal   = "global"
)

// scopeOptions are the scope field's options.
var scopeOptions = []workflows.Option{
	{Value: scopeWorkflow, Label: "This workflow"},
	{Value: scopeGlobal, Label: "All workflows"},
}

// scopeHelp is the scope field's help.
const scopeHelp = "Whose keys: this workflow's own (the default), or those every workflow shares."

// compileScope checks a step's scope field.
func compileScope(b *workflows.StepBuild, scope string) (global bool, err error) {
	switch scope {
	case "", scopeWorkflow:
		return false, nil
	case scopeGlobal:
		return true, nil
	}
	return false, b.Errorf("scope", "must be workflow or global, got %q", scope)
}

// kvScope is the store scope of a step's keys in the run.
func kvScope(rt Runtime, global bool) string {
	if global {
		return store.KVGlobal
	}
	id, _ := rt.Env().Run["workflow"].(string)
	return id
}

// kvKey renders a step's key, checking it against the store's limits.
func kvKey(rt Runtime, key *workflows.Template) (string, error) {
	k, err := key.Render(rt.Env())
	if err != nil {
		return "", fmt.Errorf("key: %w", err)
	}
	if err := store.KVCheckKey(k); err != nil {
		return "", fmt.Errorf("key: %w", err)
	}
	return k, nil
}

// kvWrite is the write a step makes: once per run and step path, so that a
// run resumed after a crash does not apply it twice.
func kvWrite(rt Runtime, scope, key string) store.KVWrite {
	return store.KVWrite{Scope: scope, Key: key, OpID: rt.RunID() + "/" + rt.Path(), Now: rt.Now()}
}

// kvRead reads an entry's value where there is one (nil otherwise); with
// no store, there is none.
func kvRead(ctx context.Context, rt Runtime, scope, key string) (json.RawMessage, store.KV, error) {
	kv := rt.KV()
	if kv == nil {
		return nil, store.KV{}, nil
	}
	e, err := kv.KVGet(ctx, store.KVGetParams{Scope: scope, Key: key, Now: rt.Now()})
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.KV{}, nil
	}
	if err != nil {
		return nil, store.KV{}, err
	}
	return e.Value, e, nil
}

// jsonValue decodes a stored value for expressions (nil: null).
func jsonValue(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	return v
}
