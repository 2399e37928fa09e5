package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// TestAcceptsSyncedBeforeAnswer: an accepted event is fsynced before the
// store says so, on each path the engine takes to accept: EventAccept
// returns, or WriteBatch's Durable (the batch path the server uses)
// returns, only after an fsync of the WAL that began after the event's
// commit. A SIGKILL test cannot see a missing fsync (the page cache
// survives the process); the store's count of fsyncs can.
func TestAcceptsSyncedBeforeAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "hookflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	if _, err := s.WorkflowSave(ctx, store.WorkflowSaveParams{ID: "w", Name: "w", Definition: []byte(`{}`), HookKey: "k", Now: now}); err != nil {
		t.Fatal(err)
	}
	event := func() []store.EventAcceptParams {
		return []store.EventAcceptParams{{
			Event: store.Event{ID: uuid.NewString(), WorkflowID: "w", Source: "webhook", Body: []byte(`{}`), ReceivedAt: now},
			RunID: uuid.NewString(), Revision: 1,
		}}
	}
	// check fails unless an fsync covering every commit so far was made
	// since before (the fsync count then) was read.
	check := func(path string, before uint64) {
		t.Helper()
		if syncs, synced, committed := s.wal.syncs.Load(), s.wal.synced.Load(), s.wal.committed.Load(); syncs == before || synced != committed {
			t.Errorf("%s: answered after %d fsyncs, synced up to commit %d of %d; want an fsync covering the accept",
				path, syncs-before, synced, committed)
		}
	}

	before := s.wal.syncs.Load()
	if _, err := s.EventAccept(ctx, event()); err != nil {
		t.Fatal(err)
	}
	check("EventAccept", before)

	// A batch of accepts and run updates: the engine answers the accepts
	// once Durable returns.
	leased := event()
	leased[0].Owner, leased[0].LeaseUntil = "me", now.Add(time.Minute)
	if _, err := s.EventAccept(ctx, leased); err != nil {
		t.Fatal(err)
	}
	done := store.RunUpdateParams{ID: leased[0].RunID, Owner: "me", Attempt: 1, Status: store.StatusSucceeded, Now: now}
	before = s.wal.syncs.Load()
	res := s.WriteBatch(ctx, event(), []store.RunUpdateParams{done})
	if res.AcceptErr != nil || res.UpdateErr != nil || res.Updated[0] != nil {
		t.Fatalf("WriteBatch: %v, %v, %v", res.AcceptErr, res.UpdateErr, res.Updated)
	}
	if s.wal.synced.Load() == s.wal.committed.Load() {
		// WriteBatch itself must not wait: the writer goes on with the
		// next batch while this one is synced.
		t.Errorf("WriteBatch synced its commit before returning; Durable should")
	}
	if err := res.Durable(); err != nil {
		t.Fatal(err)
	}
	check("WriteBatch", before)

	// A batch whose transaction fails (an update no store takes) is written
	// again part by part: its accepts are as durable.
	before = s.wal.syncs.Load()
	res = s.WriteBatch(ctx, event(), []store.RunUpdateParams{{ID: leased[0].RunID, Status: "bogus"}})
	if res.AcceptErr != nil || len(res.Accepted) != 1 {
		t.Fatalf("WriteBatch with a bad update: accepts %v, %v", res.Accepted, res.AcceptErr)
	}
	if err := res.Durable(); err != nil {
		t.Fatal(err)
	}
	check("WriteBatch, part by part", before)
}

// TestEngineAnswersAfterFsync: the engine answers an accepted event (the
// 202 goes out from its Answer) only once an fsync of the WAL has covered
// the event's commit, seen from inside the answer, on both of the engine's
// write paths: the batch writer the server uses with SQLite, and the plain
// accept queue (EventAccept) it uses with a store that has no batch writer.
func TestEngineAnswersAfterFsync(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		wrap func(*Store) store.Store
	}{
		{"batch writer", func(s *Store) store.Store { return s }},
		{"accept queue", func(s *Store) store.Store { return struct{ store.Store }{s} }},
	} {
		ctx := context.Background()
		s, err := Open(ctx, filepath.Join(t.TempDir(), "hookflow.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		e, err := engine.New(engine.Config{Store: c.wrap(s)})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		defer e.Shutdown(ctx)
		w, err := workflows.Decode([]byte(`{"format": "hookflow/v1", "id": "w", "name": "w", "trigger": {"type": "webhook"},
			"steps": [{"id": "t", "type": "transform", "expr": "payload"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		saved, err := e.SaveWorkflow(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			// Commits after this one hold the event; only an fsync makes
			// synced pass it.
			before := s.wal.committed.Load()
			var synced uint64
			answered := false
			_, err := e.Accept(ctx, engine.AcceptParams{WorkflowID: "w", Revision: saved.Workflow.Revision,
				Event:  store.Event{Source: "webhook", Method: "POST", Body: []byte(`{}`)},
				Answer: func(store.AcceptResult) { synced, answered = s.wal.synced.Load(), true }})
			if err != nil {
				t.Fatalf("%s: Accept: %v", c.name, err)
			}
			if !answered || synced <= before {
				t.Errorf("%s, event %d: answered (%v) with the WAL synced up to commit %d; its commit comes after %d",
					c.name, i+1, answered, synced, before)
			}
		}
	}
}
