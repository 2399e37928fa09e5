package storetest

import (
	"testing"

	"github.com/hookflow/hookflow/store"
)

// testWorkflowsVersion: every kind of workflow change moves the version,
// and reads and failed changes leave it.
func testWorkflowsVersion(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	version := func() int64 {
		t.Helper()
		v, err := b.s.WorkflowsVersion(b.ctx)
		if err != nil {
			t.Fatalf("WorkflowsVersion: %v", err)
		}
		return v
	}
	last := version()
	moved := func(what string, want bool) {
		t.Helper()
		v := version()
		if (v != last) != want {
			t.Errorf("after %s: version %d -> %d, want changed=%v", what, last, v, want)
		}
		last = v
	}
	params := store.WorkflowSaveParams{ID: "versioned", Name: "v", Enabled: true, Definition: []byte(`{}`)}
	if _, err := b.s.WorkflowSave(b.ctx, params); err != nil {
		t.Fatal(err)
	}
	moved("create", true)
	if _, err := b.s.WorkflowSave(b.ctx, params); err != nil {
		t.Fatal(err)
	}
	moved("save", true)
	create := params
	create.CreateOnly = true
	if _, err := b.s.WorkflowSave(b.ctx, create); err == nil {
		t.Fatal("CreateOnly over an existing id succeeded")
	}
	moved("a refused create", false)
	if _, err := b.s.WorkflowGet(b.ctx, "versioned"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.WorkflowList(b.ctx); err != nil {
		t.Fatal(err)
	}
	moved("reads", false)
	if _, err := b.s.WorkflowSetEnabled(b.ctx, "versioned", false); err != nil {
		t.Fatal(err)
	}
	moved("disable", true)
	if _, err := b.s.WorkflowSetEnabled(b.ctx, "nope", false); err == nil {
		t.Fatal("disabling a missing workflow succeeded")
	}
	moved("disabling a missing workflow", false)
	if _, err := b.s.WorkflowSetHookKey(b.ctx, "versioned", "k2-0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	moved("a new hook key", true)
	if err := b.s.WorkflowDelete(b.ctx, "versioned"); err != nil {
		t.Fatal(err)
	}
	moved("delete", true)
	if err := b.s.WorkflowDelete(b.ctx, "versioned"); err == nil {
		t.Fatal("deleting twice succeeded")
	}
	moved("deleting a missing workflow", false)
}
