package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

func testEvent(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("AcceptBatch", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		ps := []store.EventAcceptParams{
			{
				Event: store.Event{
					ID: newID(), WorkflowID: "w", Source: "webhook", Method: "POST",
					Headers:        map[string]string{"content-type": "application/json", "x-github-delivery": "d-1"},
					Query:          "a=1&b=%20two",
					Body:           []byte(`{"id":1,"status":"paid"}`),
					ReceivedAt:     b.now,
					IdempotencyKey: "d-1",
				},
				RunID: newID(), Revision: 3,
			},
			{
				Event: store.Event{ID: newID(), WorkflowID: "w", Source: "cron", ReceivedAt: b.now.Add(-time.Second)},
				RunID: newID(), Revision: 2,
			},
			{
				Event: store.Event{
					ID: newID(), WorkflowID: "w", Source: "manual", Method: "PUT",
					Body: []byte{0, 1, 2, 0xfe, 0xff}, ReceivedAt: b.now.Add(time.Microsecond),
				},
				RunID: newID(), Revision: 3,
			},
		}
		res := b.acceptParams(t, ps...)
		for i, p := range ps {
			if res[i] != (store.AcceptResult{RunID: p.RunID}) {
				t.Errorf("result %d = %+v, want run %s, not duplicate", i, res[i], p.RunID)
			}
			e, err := b.s.EventGet(b.ctx, p.Event.ID)
			if err != nil {
				t.Fatalf("EventGet: %v", err)
			}
			diff(t, fmt.Sprintf("event %d", i), e, p.Event)

			r := b.run(t, p.RunID)
			diff(t, fmt.Sprintf("run %d", i), r, store.Run{
				ID: p.RunID, WorkflowID: "w", Revision: p.Revision, EventID: p.Event.ID,
				Status: store.StatusQueued, RunAt: p.Event.ReceivedAt,
				// not compared: the driver sets them
				CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
			})
			if r.CreatedAt.IsZero() || r.UpdatedAt.IsZero() {
				t.Errorf("run %d: created_at %v, updated_at %v; want both set", i, r.CreatedAt, r.UpdatedAt)
			}
		}
	})

	t.Run("AcceptClaimed", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		p := event("w", b.now)
		p.Owner, p.LeaseUntil = "acceptor", b.now.Add(time.Minute)
		queued := event("w", b.now)
		b.acceptParams(t, p, queued)
		r := b.run(t, p.RunID)
		if r.Status != store.StatusRunning || r.LeaseOwner != "acceptor" || r.Attempt != 1 || !r.LeaseUntil.Equal(p.LeaseUntil) {
			t.Fatalf("run accepted with an owner = %s, owner %q, attempt %d, lease %v; want running, acceptor, 1, %v",
				r.Status, r.LeaseOwner, r.Attempt, r.LeaseUntil, p.LeaseUntil)
		}
		// Only the run without an owner is claimable while the lease holds.
		if got := RunIDs(b.claim(t, store.RunClaimParams{Owner: "other", Now: b.now})); !slices.Equal(got, []string{queued.RunID}) {
			t.Fatalf("RunClaim = %v, want only the queued run %s", got, queued.RunID)
		}
		// The acceptor writes under attempt 1; once its lease expires, another claims it.
		b.update(t, store.RunUpdateParams{ID: p.RunID, Owner: "acceptor", Attempt: 1, Status: store.StatusRunning,
			NextStep: 1, LeaseUntil: b.now.Add(2 * time.Minute), Now: b.now})
		later := b.now.Add(3 * time.Minute)
		var again *store.Run
		for _, r := range b.claim(t, store.RunClaimParams{Owner: "other", Now: later}) {
			if r.ID == p.RunID {
				again = &r
			}
		}
		if again == nil || again.Attempt != 2 || again.NextStep != 1 {
			t.Fatalf("RunClaim after the lease = %+v; want the run, attempt 2, at step 1", again)
		}
	})

	t.Run("AcceptEmpty", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		res, err := b.s.EventAccept(b.ctx, nil)
		if err != nil || len(res) != 0 {
			t.Errorf("EventAccept(nil) = %v, %v; want no results, no error", res, err)
		}
	})

	t.Run("DuplicateInBatch", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		ps := []store.EventAcceptParams{
			withKey(event("w", b.now), "k"),
			withKey(event("w", b.now), "k"),
			withKey(event("w", b.now), "other"),
			event("w", b.now), // no key: never a duplicate
			event("w", b.now),
			withKey(event("w", b.now), "k"),
		}
		res := b.acceptParams(t, ps...)
		first := store.AcceptResult{RunID: ps[0].RunID, Duplicate: true}
		want := []store.AcceptResult{
			{RunID: ps[0].RunID}, first, {RunID: ps[2].RunID}, {RunID: ps[3].RunID}, {RunID: ps[4].RunID}, first,
		}
		if !slices.Equal(res, want) {
			t.Errorf("EventAccept = %+v\nwant %+v", res, want)
		}
		for _, i := range []int{1, 5} {
			_, err := b.s.EventGet(b.ctx, ps[i].Event.ID)
			wantErr(t, "EventGet(duplicate)", err, store.ErrNotFound)
			_, err = b.s.RunGet(b.ctx, ps[i].RunID)
			wantErr(t, "RunGet(duplicate's run)", err, store.ErrNotFound)
		}
		runs, err := b.s.RunList(b.ctx, store.RunListParams{WorkflowID: "w"})
		if err != nil || len(runs) != 4 {
			t.Errorf("RunList = %d runs, %v; want 4", len(runs), err)
		}
	})

	t.Run("DuplicateAcrossBatches", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		b.workflow(t, "v")
		first := withKey(event("w", b.now), "k")
		b.acceptParams(t, first)
		// A replay is a later run of the same event: duplicates still
		// answer with the first run.
		if _, err := b.s.RunInsert(b.ctx, store.RunInsertParams{
			ID: newID(), WorkflowID: "w", Revision: 1, EventID: first.Event.ID, ReplayOf: first.RunID,
			Now: b.now.Add(time.Minute),
		}); err != nil {
			t.Fatalf("RunInsert: %v", err)
		}
		// Nor does the first run's state matter.
		r := b.claimOne(t, "x", first.RunID)
		b.update(t, store.RunUpdateParams{ID: r.ID, Owner: "x", Attempt: r.Attempt, Status: store.StatusFailed, Now: b.now})

		ps := []store.EventAcceptParams{
			withKey(event("w", b.now.Add(time.Hour)), "k"),
			withKey(event("w", b.now.Add(time.Hour)), "k"),
			withKey(event("v", b.now.Add(time.Hour)), "k"), // same key, other workflow
		}
		res := b.acceptParams(t, ps...)
		want := []store.AcceptResult{
			{RunID: first.RunID, Duplicate: true}, {RunID: first.RunID, Duplicate: true}, {RunID: ps[2].RunID},
		}
		if !slices.Equal(res, want) {
			t.Errorf("EventAccept = %+v\nwant %+v", res, want)
		}
		runs, err := b.s.RunList(b.ctx, store.RunListParams{WorkflowID: "w"})
		if err != nil || len(runs) != 2 {
			t.Errorf("RunList(w) = %d runs, %v; want 2 (the first and its replay)", len(runs), err)
		}
	})

	t.Run("ConcurrentDuplicates", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		const workers, batches, keys = 4, 10, 5
		var (
			mu      sync.Mutex
			winners = map[string][]string{} // key -> runs accepted as new
			answers = map[string][]string{} // key -> runs duplicates were told
			wg      sync.WaitGroup
		)
		for g := range workers {
			wg.Go(func() {
				for n := range batches {
					ps := make([]store.EventAcceptParams, keys)
					for k := range ps {
						ps[k] = withKey(event("w", b.now), fmt.Sprintf("key-%d", (k+g+n)%keys))
					}
					res, err := b.s.EventAccept(b.ctx, ps)
					if err != nil {
						t.Errorf("EventAccept: %v", err)
						return
					}
					mu.Lock()
					for k, r := range res {
						key := ps[k].Event.IdempotencyKey
						if r.Duplicate {
							answers[key] = append(answers[key], r.RunID)
						} else {
							winners[key] = append(winners[key], r.RunID)
						}
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for k := range keys {
			key := fmt.Sprintf("key-%d", k)
			if len(winners[key]) != 1 {
				t.Errorf("%s accepted as new %d times, want once", key, len(winners[key]))
				continue
			}
			for _, id := range answers[key] {
				if id != winners[key][0] {
					t.Errorf("%s: duplicate answered run %s, want the first run %s", key, id, winners[key][0])
				}
			}
			if got := len(answers[key]) + 1; got != workers*batches {
				t.Errorf("%s: %d answers, want %d", key, got, workers*batches)
			}
		}
		runs, err := b.s.RunList(b.ctx, store.RunListParams{WorkflowID: "w"})
		if err != nil || len(runs) != keys {
			t.Errorf("RunList = %d runs, %v; want %d", len(runs), err, keys)
		}
	})

	t.Run("AcceptAllOrNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		old := event("w", b.now)
		b.acceptParams(t, old)
		reused := event("w", b.now)
		reused.Event.ID = old.Event.ID // an event id that is taken
		ps := []store.EventAcceptParams{event("w", b.now), withKey(event("w", b.now), "k"), reused, event("w", b.now)}
		if _, err := b.s.EventAccept(b.ctx, ps); err == nil {
			t.Fatalf("EventAccept with a taken event id: no error")
		}
		for _, p := range ps {
			if p.Event.ID != old.Event.ID {
				_, err := b.s.EventGet(b.ctx, p.Event.ID)
				wantErr(t, "EventGet(event of a failed batch)", err, store.ErrNotFound)
			}
			_, err := b.s.RunGet(b.ctx, p.RunID)
			wantErr(t, "RunGet(run of a failed batch)", err, store.ErrNotFound)
		}
		// The failed batch's key was not taken.
		res := b.acceptParams(t, withKey(event("w", b.now), "k"))
		if res[0].Duplicate {
			t.Errorf("key of a failed batch is taken")
		}
	})

	t.Run("GetNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		_, err := b.s.EventGet(b.ctx, newID())
		wantErr(t, "EventGet", err, store.ErrNotFound)
	})

	t.Run("ListByWorkflow", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		b.workflow(t, "v")
		var ps []store.EventAcceptParams
		for i := range 5 {
			// received out of id order: the list is by received_at
			ps = append(ps, event("w", b.now.Add(time.Duration(5-i)*time.Second)))
		}
		ps = append(ps, event("v", b.now.Add(time.Hour)), event("v", b.now))
		b.acceptParams(t, ps...)

		evs, err := b.s.EventListByWorkflow(b.ctx, "w", 3)
		if err != nil {
			t.Fatalf("EventListByWorkflow: %v", err)
		}
		var ids []string
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
		if want := []string{ps[0].Event.ID, ps[1].Event.ID, ps[2].Event.ID}; !slices.Equal(ids, want) {
			t.Errorf("EventListByWorkflow(w, 3) = %v, want %v", ids, want)
		}
		if len(evs) > 0 {
			diff(t, "listed event", evs[0], ps[0].Event)
		}
		if evs, err := b.s.EventListByWorkflow(b.ctx, "w", 0); err != nil || len(evs) != 5 {
			t.Errorf("EventListByWorkflow(w, 0) = %d events, %v; want the default limit, so all 5", len(evs), err)
		}
		if evs, err := b.s.EventListByWorkflow(b.ctx, "v", 10); err != nil || len(evs) != 2 || evs[0].ID != ps[5].Event.ID {
			t.Errorf("EventListByWorkflow(v) = %d events, %v; want 2, newest first", len(evs), err)
		}
		if evs, err := b.s.EventListByWorkflow(b.ctx, "missing", 10); err != nil || len(evs) != 0 {
			t.Errorf("EventListByWorkflow(missing) = %d events, %v; want none", len(evs), err)
		}
	})
}
