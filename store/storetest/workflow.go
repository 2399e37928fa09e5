package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

func testWorkflow(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("CreateThenRevise", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		defs := [][]byte{
			[]byte(`{"format":"hookflow/v1","id":"orders","name":"v1"}`),
			[]byte(`{"format":"hookflow/v1","id":"orders","name":"v2"}`),
			[]byte("{\n  \"format\": \"hookflow/v1\",\n  \"id\": \"orders\"\n}\n"),
		}
		at := []time.Time{b.now, b.now.Add(time.Minute), b.now.Add(time.Hour)}

		w, err := b.s.WorkflowSave(b.ctx, store.WorkflowSaveParams{
			ID: "orders", Name: "Orders", Enabled: true, Definition: defs[0], HookKey: "key-orders", Now: at[0],
		})
		if err != nil {
			t.Fatalf("WorkflowSave create: %v", err)
		}
		want := store.Workflow{
			ID: "orders", Revision: 1, Enabled: true, HookKey: "key-orders", Name: "Orders",
			Definition: defs[0], CreatedAt: at[0], UpdatedAt: at[0],
		}
		diff(t, "created", w, want)
		got, err := b.s.WorkflowGet(b.ctx, "orders")
		if err != nil {
			t.Fatalf("WorkflowGet: %v", err)
		}
		diff(t, "WorkflowGet after create", got, want)

		// A new revision: name, definition and enabled change, the hook key
		// given is ignored, created_at stays.
		w, err = b.s.WorkflowSave(b.ctx, store.WorkflowSaveParams{
			ID: "orders", Name: "Orders v2", Enabled: false, Definition: defs[1], HookKey: "ignored", Now: at[1],
		})
		if err != nil {
			t.Fatalf("WorkflowSave revise: %v", err)
		}
		want = store.Workflow{
			ID: "orders", Revision: 2, Enabled: false, HookKey: "key-orders", Name: "Orders v2",
			Definition: defs[1], CreatedAt: at[0], UpdatedAt: at[1],
		}
		diff(t, "revised", w, want)
		got, err = b.s.WorkflowGet(b.ctx, "orders")
		if err != nil {
			t.Fatalf("WorkflowGet: %v", err)
		}
		diff(t, "WorkflowGet after revise", got, want)
		if _, err := b.s.WorkflowGetByHookKey(b.ctx, "ignored"); err == nil {
			t.Errorf("WorkflowGetByHookKey(ignored): found, want the key kept from create")
		}

		w, err = b.s.WorkflowSave(b.ctx, store.WorkflowSaveParams{
			ID: "orders", Name: "Orders v3", Enabled: true, Definition: defs[2], Now: at[2],
		})
		if err != nil {
			t.Fatalf("WorkflowSave third: %v", err)
		}
		if w.Revision != 3 || w.HookKey != "key-orders" {
			t.Errorf("third save: revision %d, hook key %q; want 3, key-orders", w.Revision, w.HookKey)
		}

		revs, err := b.s.RevisionList(b.ctx, "orders")
		if err != nil {
			t.Fatalf("RevisionList: %v", err)
		}
		if len(revs) != 3 {
			t.Fatalf("RevisionList: %d revisions, want 3", len(revs))
		}
		for i, r := range revs { // newest first
			n := 2 - i
			diff(t, "revision", r, store.Revision{
				WorkflowID: "orders", Revision: n + 1, Definition: defs[n], CreatedAt: at[n],
			})
		}
		r, err := b.s.RevisionGet(b.ctx, "orders", 1)
		if err != nil {
			t.Fatalf("RevisionGet(1): %v", err)
		}
		diff(t, "RevisionGet(1)", r, store.Revision{WorkflowID: "orders", Revision: 1, Definition: defs[0], CreatedAt: at[0]})
		_, err = b.s.RevisionGet(b.ctx, "orders", 4)
		wantErr(t, "RevisionGet(4)", err, store.ErrNotFound)
		_, err = b.s.RevisionGet(b.ctx, "missing", 1)
		wantErr(t, "RevisionGet(missing)", err, store.ErrNotFound)
	})

	t.Run("CreateOnly", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		created, err := b.s.WorkflowSave(b.ctx, store.WorkflowSaveParams{
			ID: "orders", Name: "Orders", Enabled: true, Definition: []byte(`{"v":1}`), HookKey: "key-orders", CreateOnly: true, Now: b.now,
		})
		if err != nil || created.Revision != 1 || created.HookKey != "key-orders" {
			t.Fatalf("create-only save of a new id = %+v, %v; want revision 1", created, err)
		}
		_, err = b.s.WorkflowSave(b.ctx, store.WorkflowSaveParams{
			ID: "orders", Name: "Again", Definition: []byte(`{"v":2}`), HookKey: "key-again", CreateOnly: true, Now: b.now.Add(time.Minute),
		})
		wantErr(t, "create-only save of an existing id", err, store.ErrConflict)
		got, err := b.s.WorkflowGet(b.ctx, "orders")
		if err != nil {
			t.Fatalf("WorkflowGet: %v", err)
		}
		diff(t, "after the refused create", got, created)
		if revs, err := b.s.RevisionList(b.ctx, "orders"); err != nil || len(revs) != 1 {
			t.Errorf("RevisionList after the refused create = %d revisions, %v; want 1", len(revs), err)
		}
		_, err = b.s.WorkflowGetByHookKey(b.ctx, "key-again")
		wantErr(t, "WorkflowGetByHookKey(the refused create's key)", err, store.ErrNotFound)

		// A taken hook key is a conflict too, and creates nothing.
		_, err = b.s.WorkflowSave(b.ctx, store.WorkflowSaveParams{
			ID: "other", Name: "Other", Definition: []byte(`{}`), HookKey: "key-orders", CreateOnly: true, Now: b.now,
		})
		wantErr(t, "create-only save with a taken hook key", err, store.ErrConflict)
		_, err = b.s.WorkflowGet(b.ctx, "other")
		wantErr(t, "WorkflowGet after the hook key conflict", err, store.ErrNotFound)
	})

	t.Run("CreateOnlyConcurrent", func(t *testing.T) {
		t.Parallel()
		CreateFromTwoHandles(t, setup(t, newStore).s, nil, 8)
	})

	t.Run("GeneratedHookKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		var keys []string
		for _, id := range []string{"a", "b"} {
			w, err := b.s.WorkflowSave(b.ctx, store.WorkflowSaveParams{ID: id, Name: id, Definition: []byte(`{}`), Now: b.now})
			if err != nil {
				t.Fatalf("WorkflowSave(%s): %v", id, err)
			}
			if len(w.HookKey) < 16 {
				t.Errorf("WorkflowSave(%s): hook key %q, want a generated, unguessable one", id, w.HookKey)
			}
			got, err := b.s.WorkflowGetByHookKey(b.ctx, w.HookKey)
			if err != nil || got.ID != id {
				t.Errorf("WorkflowGetByHookKey(%q) = %q, %v; want %s", w.HookKey, got.ID, err, id)
			}
			keys = append(keys, w.HookKey)
		}
		if keys[0] == keys[1] {
			t.Errorf("two workflows got the same generated hook key %q", keys[0])
		}
	})

	t.Run("HookKeyConflict", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "a")
		_, err := b.s.WorkflowSave(b.ctx, store.WorkflowSaveParams{
			ID: "b", Name: "b", Definition: []byte(`{}`), HookKey: "key-a", Now: b.now,
		})
		wantErr(t, "WorkflowSave with a taken hook key", err, store.ErrConflict)
		_, err = b.s.WorkflowGet(b.ctx, "b")
		wantErr(t, "WorkflowGet after the conflict", err, store.ErrNotFound)
		revs, err := b.s.RevisionList(b.ctx, "b")
		if err != nil || len(revs) != 0 {
			t.Errorf("RevisionList after the conflict = %d revisions, %v; want none", len(revs), err)
		}
	})

	t.Run("GetByHookKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "a")
		want := b.workflow(t, "b")
		got, err := b.s.WorkflowGetByHookKey(b.ctx, "key-b")
		if err != nil {
			t.Fatalf("WorkflowGetByHookKey: %v", err)
		}
		diff(t, "WorkflowGetByHookKey", got, want)
		_, err = b.s.WorkflowGetByHookKey(b.ctx, "key-c")
		wantErr(t, "WorkflowGetByHookKey(unknown)", err, store.ErrNotFound)
	})

	t.Run("NotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "a")
		_, err := b.s.WorkflowGet(b.ctx, "missing")
		wantErr(t, "WorkflowGet", err, store.ErrNotFound)
		_, err = b.s.WorkflowSetEnabled(b.ctx, "missing", true)
		wantErr(t, "WorkflowSetEnabled", err, store.ErrNotFound)
		_, err = b.s.WorkflowSetHookKey(b.ctx, "missing", "new-key")
		wantErr(t, "WorkflowSetHookKey", err, store.ErrNotFound)
		err = b.s.WorkflowDelete(b.ctx, "missing")
		wantErr(t, "WorkflowDelete", err, store.ErrNotFound)
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		ws, err := b.s.WorkflowList(b.ctx)
		if err != nil || len(ws) != 0 {
			t.Fatalf("WorkflowList on an empty store = %d, %v; want none", len(ws), err)
		}
		want := map[string]store.Workflow{}
		for _, id := range []string{"c", "a", "b"} {
			want[id] = b.workflow(t, id)
		}
		want["a"] = b.workflow(t, "a") // revision 2
		ws, err = b.s.WorkflowList(b.ctx)
		if err != nil {
			t.Fatalf("WorkflowList: %v", err)
		}
		var ids []string
		for _, w := range ws {
			ids = append(ids, w.ID)
			diff(t, "WorkflowList "+w.ID, w, want[w.ID])
		}
		if !slices.Equal(ids, []string{"a", "b", "c"}) {
			t.Errorf("WorkflowList ids %v, want [a b c]", ids)
		}
		heads, err := b.s.WorkflowHeads(b.ctx)
		if err != nil {
			t.Fatalf("WorkflowHeads: %v", err)
		}
		if len(heads) != 3 {
			t.Fatalf("WorkflowHeads gave %d workflows, want 3", len(heads))
		}
		for i, h := range heads {
			w := want[ids[i]]
			w.Definition = nil
			diff(t, "WorkflowHeads "+h.ID, h, w)
		}
	})

	t.Run("SetEnabled", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		created := b.workflow(t, "a")
		for _, enabled := range []bool{false, true} {
			w, err := b.s.WorkflowSetEnabled(b.ctx, "a", enabled)
			if err != nil {
				t.Fatalf("WorkflowSetEnabled(%v): %v", enabled, err)
			}
			got, err := b.s.WorkflowGet(b.ctx, "a")
			if err != nil {
				t.Fatalf("WorkflowGet: %v", err)
			}
			for _, w := range []store.Workflow{w, got} {
				if w.Enabled != enabled || w.Revision != 1 || w.HookKey != created.HookKey ||
					string(w.Definition) != string(created.Definition) {
					t.Errorf("after WorkflowSetEnabled(%v): enabled %v, revision %d, key %q; want the same workflow toggled",
						enabled, w.Enabled, w.Revision, w.HookKey)
				}
			}
		}
		revs, err := b.s.RevisionList(b.ctx, "a")
		if err != nil || len(revs) != 1 {
			t.Errorf("RevisionList = %d revisions, %v; want 1 (toggling stores no revision)", len(revs), err)
		}
	})

	t.Run("SetHookKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "a")
		b.workflow(t, "b")
		w, err := b.s.WorkflowSetHookKey(b.ctx, "a", "rotated")
		if err != nil {
			t.Fatalf("WorkflowSetHookKey: %v", err)
		}
		if w.HookKey != "rotated" || w.Revision != 1 {
			t.Errorf("WorkflowSetHookKey: key %q, revision %d; want rotated, 1", w.HookKey, w.Revision)
		}
		_, err = b.s.WorkflowGetByHookKey(b.ctx, "key-a")
		wantErr(t, "WorkflowGetByHookKey(old key)", err, store.ErrNotFound)
		if got, err := b.s.WorkflowGetByHookKey(b.ctx, "rotated"); err != nil || got.ID != "a" {
			t.Errorf("WorkflowGetByHookKey(rotated) = %q, %v; want a", got.ID, err)
		}

		_, err = b.s.WorkflowSetHookKey(b.ctx, "a", "key-b")
		wantErr(t, "WorkflowSetHookKey(taken)", err, store.ErrConflict)
		if got, err := b.s.WorkflowGet(b.ctx, "a"); err != nil || got.HookKey != "rotated" {
			t.Errorf("after a refused rotation: key %q, %v; want rotated", got.HookKey, err)
		}

		w = b.workflow(t, "a") // a new revision keeps the rotated key
		if w.HookKey != "rotated" || w.Revision != 2 {
			t.Errorf("WorkflowSave after rotation: key %q, revision %d; want rotated, 2", w.HookKey, w.Revision)
		}
	})

	t.Run("DeleteCascades", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "a")
		b.workflow(t, "a")
		b.workflow(t, "b")

		type data struct{ events, runs []string }
		fill := func(wf string) data {
			t.Helper()
			ps := []store.EventAcceptParams{withKey(event(wf, b.now), "dup"), event(wf, b.now)}
			b.acceptParams(t, ps...)
			d := data{events: []string{ps[0].Event.ID, ps[1].Event.ID}, runs: []string{ps[0].RunID, ps[1].RunID}}
			replay, err := b.s.RunInsert(b.ctx, store.RunInsertParams{
				ID: newID(), WorkflowID: wf, Revision: 1, EventID: ps[0].Event.ID, ReplayOf: ps[0].RunID, Now: b.now,
			})
			if err != nil {
				t.Fatalf("RunInsert: %v", err)
			}
			d.runs = append(d.runs, replay.ID)
			return d
		}
		a, bb := fill("a"), fill("b")
		for _, r := range b.claim(t, store.RunClaimParams{Owner: "w", Now: b.now}) {
			b.update(t, store.RunUpdateParams{
				ID: r.ID, Owner: "w", Attempt: r.Attempt, Status: store.StatusSucceeded, NextStep: 1, Now: b.now,
				Results: []store.StepResult{{RunID: r.ID, StepID: "s", Attempt: 1, Status: store.StepSucceeded, StartedAt: b.now}},
			})
		}

		if err := b.s.WorkflowDelete(b.ctx, "a"); err != nil {
			t.Fatalf("WorkflowDelete: %v", err)
		}
		_, err := b.s.WorkflowGet(b.ctx, "a")
		wantErr(t, "WorkflowGet(deleted)", err, store.ErrNotFound)
		_, err = b.s.WorkflowGetByHookKey(b.ctx, "key-a")
		wantErr(t, "WorkflowGetByHookKey(deleted)", err, store.ErrNotFound)
		_, err = b.s.RevisionGet(b.ctx, "a", 1)
		wantErr(t, "RevisionGet(deleted)", err, store.ErrNotFound)
		if revs, err := b.s.RevisionList(b.ctx, "a"); err != nil || len(revs) != 0 {
			t.Errorf("RevisionList(deleted) = %d, %v; want none", len(revs), err)
		}
		for _, id := range a.events {
			_, err := b.s.EventGet(b.ctx, id)
			wantErr(t, "EventGet(deleted workflow's event)", err, store.ErrNotFound)
		}
		if evs, err := b.s.EventListByWorkflow(b.ctx, "a", 10); err != nil || len(evs) != 0 {
			t.Errorf("EventListByWorkflow(deleted) = %d, %v; want none", len(evs), err)
		}
		for _, id := range a.runs {
			_, err := b.s.RunGet(b.ctx, id)
			wantErr(t, "RunGet(deleted workflow's run)", err, store.ErrNotFound)
			if srs, err := b.s.StepResultList(b.ctx, id); err != nil || len(srs) != 0 {
				t.Errorf("StepResultList(deleted workflow's run) = %d, %v; want none", len(srs), err)
			}
		}
		if runs, err := b.s.RunList(b.ctx, store.RunListParams{WorkflowID: "a"}); err != nil || len(runs) != 0 {
			t.Errorf("RunList(deleted workflow) = %d, %v; want none", len(runs), err)
		}

		// The other workflow is untouched.
		if _, err := b.s.WorkflowGet(b.ctx, "b"); err != nil {
			t.Errorf("WorkflowGet(b): %v", err)
		}
		for _, id := range bb.events {
			if _, err := b.s.EventGet(b.ctx, id); err != nil {
				t.Errorf("EventGet(b's event): %v", err)
			}
		}
		for _, id := range bb.runs {
			if _, err := b.s.RunGet(b.ctx, id); err != nil {
				t.Errorf("RunGet(b's run): %v", err)
			}
			if srs, err := b.s.StepResultList(b.ctx, id); err != nil || len(srs) != 1 {
				t.Errorf("StepResultList(b's run) = %d, %v; want 1", len(srs), err)
			}
		}

		err = b.s.WorkflowDelete(b.ctx, "a")
		wantErr(t, "WorkflowDelete twice", err, store.ErrNotFound)

		// Recreated, the workflow starts afresh: revision 1, old
		// idempotency keys forgotten.
		if w := b.workflow(t, "a"); w.Revision != 1 {
			t.Errorf("recreated workflow has revision %d, want 1", w.Revision)
		}
		res := b.acceptParams(t, withKey(event("a", b.now), "dup"))
		if res[0].Duplicate {
			t.Errorf("EventAccept after delete: duplicate of a deleted event")
		}
	})
}
