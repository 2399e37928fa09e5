package engine

import (
	"errors"
	"github.com/hookflow/hookflow/kinds"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

const unnamed = `{
  "format": "hookflow/v1",
  "name": "Orders → Chat!",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "notify", "type": "webhook", "url": "https://chat.example/hook"}]
}`

func TestSaveWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t, notStarted())

	w := decode(t, unnamed)
	first, err := b.engine.SaveWorkflow(b.ctx, w)
	if err != nil {
		t.Fatalf("SaveWorkflow: %v", err)
	}
	rec := first.Workflow
	if !regexp.MustCompile(`^orders-chat-[0-9a-f]{6}$`).MatchString(rec.ID) || w.ID != rec.ID {
		t.Errorf("generated id = %q (definition %q), want orders-chat-XXXXXX in both", rec.ID, w.ID)
	}
	if !first.Created || !first.Changed || rec.Revision != 1 || rec.HookKey == "" || !rec.Enabled || rec.Name != "Orders → Chat!" {
		t.Errorf("first save = %+v; want created, changed, revision 1, a hook key, enabled", first)
	}
	stored, err := workflows.Decode(rec.Definition)
	if err != nil || stored.ID != rec.ID {
		t.Errorf("stored definition = %v, %v; want it to carry the id", stored, err)
	}

	// The same definition again writes nothing.
	again, err := b.engine.SaveWorkflow(b.ctx, decode(t, string(rec.Definition)))
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.Changed || again.Workflow.Revision != 1 || again.Workflow.HookKey != rec.HookKey {
		t.Errorf("second save = %+v; want unchanged at revision 1", again)
	}
	if revs, _ := b.db.RevisionList(b.ctx, rec.ID); len(revs) != 1 {
		t.Errorf("%d revisions, want 1", len(revs))
	}

	// A change is a new revision with the same hook key.
	w2 := decode(t, string(rec.Definition))
	w2.Steps[0].Settings.(*kinds.Webhook).URL = "https://chat.example/other"
	changed, err := b.engine.SaveWorkflow(b.ctx, w2)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Created || !changed.Changed || changed.Workflow.Revision != 2 || changed.Workflow.HookKey != rec.HookKey {
		t.Errorf("changed save = %+v; want revision 2, same hook key", changed)
	}

	// An id given on create is kept.
	w3 := decode(t, unnamed)
	w3.ID = "orders-chat"
	named, err := b.engine.SaveWorkflow(b.ctx, w3)
	if err != nil || !named.Created || named.Workflow.ID != "orders-chat" {
		t.Errorf("save with id = %+v, %v; want created as orders-chat", named, err)
	}
}

func TestSaveWorkflowInvalid(t *testing.T) {
	t.Parallel()
	b := setup(t, notStarted())
	for _, c := range []struct {
		name  string
		edit  func(w *workflows.Workflow)
		field string
	}{
		{"BadExpr", func(w *workflows.Workflow) {
			w.Steps = append([]workflows.Step{{ID: "f", Type: "filter", Settings: &kinds.Filter{Expr: "payload.x >"}}}, w.Steps...)
		}, "steps[0].expr"},
		{"OwnOnFailure", func(w *workflows.Workflow) { w.ID, w.OnFailure = "loop", "loop" }, "on_failure"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := decode(t, unnamed)
			c.edit(w)
			_, err := b.engine.SaveWorkflow(b.ctx, w)
			var fe *workflows.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Errorf("SaveWorkflow = %v, want a FieldError on %s", err, c.field)
			}
		})
	}
	if ws, _ := b.db.WorkflowList(b.ctx); len(ws) != 0 {
		t.Errorf("%d workflows stored, want none", len(ws))
	}
}

// TestCreateWorkflow: a create of an id that exists is store.ErrConflict
// and changes nothing; of creates of one id racing on two engines over one
// SQLite file (two processes), exactly one succeeds.
func TestCreateWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t, notStarted())
	first, err := b.engine.CreateWorkflow(b.ctx, decode(t, strings.Replace(unnamed, `"format"`, `"id": "chat", "format"`, 1)))
	if err != nil || !first.Created || first.Workflow.Revision != 1 {
		t.Fatalf("CreateWorkflow(chat) = %+v, %v; want created at revision 1", first, err)
	}
	again := decode(t, strings.Replace(unnamed, `"format"`, `"id": "chat", "format"`, 1))
	again.Name = "Another"
	if _, err := b.engine.CreateWorkflow(b.ctx, again); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateWorkflow(chat) again = %v, want store.ErrConflict", err)
	}
	if w, err := b.db.WorkflowGet(b.ctx, "chat"); err != nil || w.Revision != 1 || w.Name != first.Workflow.Name {
		t.Errorf("after the refused create: revision %d named %q, %v; want revision 1 as created", w.Revision, w.Name, err)
	}

	other := b.newEngine(openStore(t, b.path), nil)
	engines := []*Engine{b.engine, other}
	var created atomic.Int64
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			w := decode(t, strings.Replace(unnamed, `"format"`, `"id": "raced", "format"`, 1))
			res, err := engines[i%2].CreateWorkflow(b.ctx, w)
			switch {
			case err == nil && res.Created:
				created.Add(1)
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("racing CreateWorkflow = %+v, %v; want created or store.ErrConflict", res, err)
			}
		})
	}
	wg.Wait()
	if n := created.Load(); n != 1 {
		t.Errorf("%d racing creates succeeded, want 1", n)
	}
	if revs, err := b.db.RevisionList(b.ctx, "raced"); err != nil || len(revs) != 1 {
		t.Errorf("%d revisions of the raced id, %v; want 1", len(revs), err)
	}
}

func TestGenerateID(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"Paid orders", "  --Ünïcode only çà--  ", "日本語", "",
		strings.Repeat("very long name ", 20),
		strings.Repeat("a", 200),
	} {
		id := generateID(name)
		if !workflows.ValidID(id) {
			t.Errorf("generateID(%q) = %q, not a valid id", name, id)
		}
	}
	if a, b := generateID("x"), generateID("x"); a == b {
		t.Errorf("generateID twice = %q both times", a)
	}
}
