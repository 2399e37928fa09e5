package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// ClaimFromTwoHandles checks two Store handles on one database (two
// processes, two replicas): total events accepted through one of them are
// then claimed by workers on both at once, limit runs a claim; each run
// must go to exactly one worker, every one of them to some worker, and no
// claim may fail. The suite cannot open a second handle itself, so each
// driver's tests call this with two.
func ClaimFromTwoHandles(t *testing.T, a, b store.Store, total, workers, limit int) {
	t.Helper()
	ctx := context.Background()
	if _, err := a.WorkflowSave(ctx, store.WorkflowSaveParams{ID: "w", Definition: []byte(`{}`), HookKey: "k"}); err != nil {
		t.Fatalf("WorkflowSave: %v", err)
	}
	ps := make([]store.EventAcceptParams, total)
	now := time.Now().UTC()
	for i := range ps {
		ps[i] = store.EventAcceptParams{Event: store.Event{ID: newID(), WorkflowID: "w", ReceivedAt: now},
			RunID: newID(), Revision: 1}
	}
	if _, err := b.EventAccept(ctx, ps); err != nil {
		t.Fatalf("EventAccept: %v", err)
	}
	handles := []store.Store{a, b}
	var (
		mu      sync.Mutex
		claimed = map[string]string{}
		wg      sync.WaitGroup
	)
	for i := range workers {
		s, owner := handles[i%2], fmt.Sprintf("worker-%d", i)
		wg.Go(func() {
			for {
				runs, err := s.RunClaim(ctx, store.RunClaimParams{Owner: owner, Limit: limit, Now: time.Now(), LeaseFor: time.Hour})
				if err != nil {
					t.Errorf("RunClaim(%s): %v", owner, err)
					return
				}
				if len(runs) == 0 {
					return
				}
				mu.Lock()
				for _, r := range runs {
					if prev, ok := claimed[r.ID]; ok {
						t.Errorf("run %s claimed by %s and %s", r.ID, prev, owner)
					}
					claimed[r.ID] = owner
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claimed) != total {
		t.Errorf("%d runs claimed, want %d", len(claimed), total)
	}
}

// CreateFromTwoHandles checks create-only saves (WorkflowSaveParams.CreateOnly)
// racing on one database: for each of ids workflow ids, callers on a and
// b (two replicas; b may be nil for a alone) create it at once, and exactly
// one of them must succeed, at revision 1, the others getting
// store.ErrConflict.
func CreateFromTwoHandles(t *testing.T, a, b store.Store, ids int) {
	t.Helper()
	ctx := context.Background()
	handles := []store.Store{a, b}
	if b == nil {
		handles = handles[:1]
	}
	const callers = 4
	for i := range ids {
		id := fmt.Sprintf("race-%d", i)
		var (
			mu      sync.Mutex
			created []string
			wg      sync.WaitGroup
		)
		for c := range callers * len(handles) {
			s, name := handles[c%len(handles)], fmt.Sprintf("caller-%d", c)
			wg.Go(func() {
				_, err := s.WorkflowSave(ctx, store.WorkflowSaveParams{
					ID: id, Name: name, Definition: []byte(`{"by":"` + name + `"}`), CreateOnly: true, Now: time.Now(),
				})
				switch {
				case err == nil:
					mu.Lock()
					created = append(created, name)
					mu.Unlock()
				case !errors.Is(err, store.ErrConflict):
					t.Errorf("create %s by %s: %v, want success or store.ErrConflict", id, name, err)
				}
			})
		}
		wg.Wait()
		if len(created) != 1 {
			t.Errorf("%s: created by %v, want exactly one caller", id, created)
			continue
		}
		w, err := a.WorkflowGet(ctx, id)
		if err != nil || w.Revision != 1 || w.Name != created[0] {
			t.Errorf("%s: %+v, %v; want revision 1, saved by %s", id, w, err, created[0])
		}
		if revs, err := a.RevisionList(ctx, id); err != nil || len(revs) != 1 {
			t.Errorf("%s: %d revisions, %v; want 1", id, len(revs), err)
		}
	}
}
