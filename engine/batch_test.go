package engine

import (
	"context"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// gatedStore holds every accept batch's Durable until the test opens gate.
type gatedStore struct {
	store.Store
	entered chan struct{}
	gate    chan struct{}
}

func (g gatedStore) WriteBatch(ctx context.Context, accepts []store.EventAcceptParams, updates []store.RunUpdateParams) store.BatchResult {
	res := g.Store.(store.BatchWriter).WriteBatch(ctx, accepts, updates)
	if len(accepts) > 0 {
		durable := res.Durable
		res.Durable = func() error {
			g.entered <- struct{}{}
			<-g.gate
			return durable()
		}
	}
	return res
}

// TestAcceptAnsweredOnceDurable checks that Accept returns, and calls its
// Answer, only after the batch holding its event is durable, though the
// writer goes on with the next batch meanwhile.
func TestAcceptAnsweredOnceDurable(t *testing.T) {
	t.Parallel()
	b := setup(t, notStarted())
	g := gatedStore{Store: b.db, entered: make(chan struct{}, 4), gate: make(chan struct{})}
	b.engine = b.newEngine(g, nil)
	b.start(b.engine)
	wf := b.save(oneWebhook)

	done := make(chan store.AcceptResult, 1)
	answered := make(chan string, 2)
	answer := func(res store.AcceptResult) { answered <- res.RunID }
	go func() {
		res, err := b.engine.Accept(b.ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: jsonEvent(`{"n":1}`),
			Answer: answer})
		if err != nil {
			t.Errorf("Accept: %v", err)
		}
		done <- res
	}()
	select {
	case <-g.entered:
	case <-time.After(waitFor):
		t.Fatal("the accept batch was never synced")
	}
	select {
	case <-done:
		t.Fatal("Accept returned before its batch was durable")
	case <-answered:
		t.Fatal("Answer was called before its batch was durable")
	case <-time.After(50 * time.Millisecond):
	}
	// The store's writer is free meanwhile: another accept commits while the
	// sync waits.
	other, err := b.db.EventAccept(b.ctx, []store.EventAcceptParams{{Event: store.Event{ID: newID(), WorkflowID: wf.ID,
		Source: "webhook", Method: "POST", ReceivedAt: time.Now()}, RunID: newID(), Revision: wf.Revision}})
	if err != nil {
		t.Fatalf("EventAccept beside the sync: %v", err)
	}
	close(g.gate)
	var res store.AcceptResult
	select {
	case res = <-done:
	case <-time.After(waitFor):
		t.Fatal("Accept did not return once durable")
	}
	select {
	case id := <-answered:
		if id != res.RunID || len(answered) != 0 {
			t.Errorf("Answer called with run %s (%d more calls); want once, with %s", id, len(answered), res.RunID)
		}
	default:
		t.Error("Accept returned without calling Answer")
	}
	b.waitStatus(res.RunID, store.StatusSucceeded)
	b.waitStatus(other[0].RunID, store.StatusSucceeded)
}
