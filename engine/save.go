package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// SaveResult says what SaveWorkflow did.
type SaveResult struct {
	Workflow store.Workflow
	Created  bool
	// Changed is false when the definition equals the current revision
	// (nothing was written: import is idempotent).
	Changed bool
}

// SaveWorkflow validates a definition and stores it: a new workflow (id
// generated from the name when empty, hook key generated) or a new
// revision of an existing one. The error is a *workflows.FieldError when the
// definition is invalid.
func (e *Engine) SaveWorkflow(ctx context.Context, w *workflows.Workflow) (SaveResult, error) {
	return e.saveWorkflow(ctx, w, false)
}

// CreateWorkflow is SaveWorkflow for a new workflow only: an id that
// exists is store.ErrConflict, and of several callers creating one id at
// once (on several replicas too), exactly one succeeds.
func (e *Engine) CreateWorkflow(ctx context.Context, w *workflows.Workflow) (SaveResult, error) {
	return e.saveWorkflow(ctx, w, true)
}

// saveWorkflow is SaveWorkflow, or CreateWorkflow with createOnly. A
// workflow whose id it generates is always created create-only, so that an
// id drawn twice can never make a revision of another workflow.
func (e *Engine) saveWorkflow(ctx context.Context, w *workflows.Workflow, createOnly bool) (SaveResult, error) {
	c, err := workflows.Compile(w)
	if err != nil {
		return SaveResult{}, err
	}
	if w.ID == "" {
		w.ID = generateID(w.Name)
		createOnly = true
	}
	if err := e.checkCalls(ctx, w, c); err != nil {
		return SaveResult{}, err
	}
	if w.OnFailure == w.ID {
		return SaveResult{}, &workflows.FieldError{Field: "on_failure", Message: "a workflow cannot be its own on_failure workflow"}
	}
	def, err := workflows.Encode(w)
	if err != nil {
		return SaveResult{}, err
	}
	created := createOnly
	if !createOnly {
		cur, err := e.store.WorkflowGet(ctx, w.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			created = true
		case err != nil:
			return SaveResult{}, fmt.Errorf("save workflow %s: %w", w.ID, err)
		case sameDefinition(cur, def):
			return SaveResult{Workflow: cur}, nil
		}
	}
	rec, err := e.store.WorkflowSave(ctx, store.WorkflowSaveParams{
		ID: w.ID, Name: w.Name, Enabled: w.Enabled, Definition: def,
		HookKey: store.NewHookKey(), CreateOnly: createOnly, Now: e.now().UTC(),
	})
	if err != nil {
		return SaveResult{}, fmt.Errorf("save workflow %s: %w", w.ID, err)
	}
	e.Forget(w.ID)
	return SaveResult{Workflow: rec, Created: created, Changed: true}, nil
}

// sameDefinition reports whether def (encoded) is the stored workflow as it
// is now, its enabled flag included (enable and disable make no revision).
func sameDefinition(cur store.Workflow, def []byte) bool {
	w, err := Definition(cur)
	if err != nil {
		return false
	}
	now, err := workflows.Encode(w)
	return err == nil && bytes.Equal(now, def)
}

// Definition returns a stored workflow's definition with its enabled flag
// as it is now (enable and disable do not make revisions).
func Definition(rec store.Workflow) (*workflows.Workflow, error) {
	w, err := workflows.Decode(rec.Definition)
	if err != nil {
		return nil, fmt.Errorf("stored workflow %s: %w", rec.ID, err)
	}
	w.Enabled = rec.Enabled
	return w, nil
}

// generateID makes a workflow id from a name: a slug and a random suffix.
func generateID(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 48 {
			break
		}
	}
	slug := strings.Trim(b.String(), "-")
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	if slug == "" {
		slug = "workflow"
	}
	return slug + "-" + hex.EncodeToString(suffix)
}
