package kinds

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// defaultDedupeWindow is how long a key is remembered where the step does
// not say.
const defaultDedupeWindow = 24 * time.Hour

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:  "dedupe",
			Title: "Stop repeats",
			Summary: "Ends the run, as filtered (duplicate), when its key was seen within the window: the same lead, order or message sent twice. " +
				"The window counts from the key's first sighting. The output is {\"key\", \"duplicate\", \"first_seen\"}.",
			Fields: []workflows.Field{
				{Name: "key", Label: "Key", Kind: workflows.ValueTemplate, Required: true, Placeholder: "{{ lower(payload.email) }}",
					Help: "What makes two runs the same, such as an email address or an order id."},
				{Name: "window", Label: "Within", Kind: workflows.ValueDuration, Default: "24h", Placeholder: "24h",
					Help: "How long a key is remembered: a repeat after that goes through (and starts a new window)."},
				{Name: "scope", Label: "Scope", Kind: workflows.ValueSelect, Default: scopeWorkflow, Options: scopeOptions, Help: scopeHelp},
			},
			Example: []byte(`{"id": "once", "type": "dedupe", "key": "{{ lower(payload.email) }}", "window": "24h"}`),
		},
		New: func() workflows.StepSettings { return &Dedupe{} },
	})
}

// Dedupe ends the run as filtered where its key was seen within a window.
type Dedupe struct {
	// Key is a template giving what makes two runs the same.
	Key string `json:"key"`
	// Window is how long a key is remembered (default 24h).
	Window string `json:"window,omitempty"`
	// Scope is workflow (default) or global.
	Scope string `json:"scope,omitempty"`
}

// Compile compiles the key and reads the window.
func (d *Dedupe) Compile(b *workflows.StepBuild) (any, error) {
	st := &dedupeStep{window: defaultDedupeWindow}
	var err error
	if d.Key == "" {
		return nil, b.Required("key")
	}
	if st.key, err = b.Template("key", d.Key); err != nil {
		return nil, err
	}
	if d.Window != "" {
		if st.window, err = b.Duration("window", d.Window); err != nil {
			return nil, err
		}
	}
	if st.global, err = compileScope(b, d.Scope); err != nil {
		return nil, err
	}
	return st, nil
}

type dedupeStep struct {
	key    *workflows.Template
	window time.Duration
	global bool
}

var _ Step = (*dedupeStep)(nil)

// dedupePrefix keeps a dedupe step's keys apart from storage steps' in the
// same scope.
const dedupePrefix = "dedupe:"

// Run records the key's first sighting, or ends the run where it was seen
// within the window. A test run records nothing.
func (s *dedupeStep) Run(ctx context.Context, rt Runtime) Outcome {
	key, err := kvKey(rt, s.key)
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: err}
	}
	scope, now := kvScope(rt, s.global), rt.Now()
	stored := dedupePrefix + key
	if err := store.KVCheckKey(stored); err != nil {
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("key: %w", err)}
	}
	var (
		seen  bool
		first = now
	)
	test, _ := rt.Test()
	if kv := rt.KV(); test || kv == nil {
		if kv == nil && !test {
			return Outcome{Status: store.StepFailed, Err: fmt.Errorf("dedupe: this run has no store")}
		}
		cur, e, err := kvRead(ctx, rt, scope, stored)
		if err != nil {
			return Outcome{Status: store.StepFailed, Err: fmt.Errorf("dedupe: %w", err)}
		}
		if seen = cur != nil; seen {
			first = e.CreatedAt
		}
	} else {
		w := kvWrite(rt, scope, stored)
		w.ExpiresAt = now.Add(s.window)
		res, err := kv.KVSetIfAbsent(ctx, store.KVSetIfAbsentParams{KVWrite: w, Value: json.RawMessage(`true`)})
		if err != nil {
			return Outcome{Status: store.StepFailed, Err: fmt.Errorf("dedupe: %w", err)}
		}
		seen, first = res.Existed, res.Entry.CreatedAt
	}
	out := map[string]any{"key": key, "duplicate": seen, "first_seen": first.UTC().Format(time.RFC3339Nano)}
	if seen {
		return Outcome{Status: store.StepFiltered, Output: out,
			Err: fmt.Errorf("duplicate: %q was first seen at %s, within %s", key, first.UTC().Format(time.RFC3339), s.window)}
	}
	return Outcome{Status: store.StepSucceeded, Output: out}
}
