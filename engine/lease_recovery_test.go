//go:build unix

package engine

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// TestReleaseDeadLeases: runs leased to an exited process of this host are
// queued again at once, their claim still counted, and executed when the
// engine starts; runs of live processes, of other hosts and of owners it
// cannot read keep their leases.
func TestReleaseDeadLeases(t *testing.T) {
	t.Parallel()
	b := setup(t, notStarted())
	wf := b.save(`{"format": "hookflow/v1", "id": "leased", "name": "Leased", "trigger": {"type": "webhook"},
  "steps": [{"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/hook"}]}`)
	host, _ := os.Hostname()
	owners := map[string]string{
		"dead":    fmt.Sprintf("%s:%d:0badc0de", host, 1<<30),
		"live":    fmt.Sprintf("%s:%d:0badc0de", host, os.Getppid()),
		"away":    fmt.Sprintf("elsewhere-%s:%d:0badc0de", host, 1<<30),
		"unknown": "worker-7",
		"self":    b.engine.Owner(),
	}
	leaseUntil := time.Now().Add(time.Hour)
	var accepts []store.EventAcceptParams
	for name, owner := range owners {
		ev := jsonEvent(`{"n": 1}`)
		ev.ID, ev.WorkflowID, ev.ReceivedAt = "ev-"+name, wf.ID, time.Now()
		accepts = append(accepts, store.EventAcceptParams{Event: ev, RunID: "run-" + name, Revision: wf.Revision,
			Owner: owner, LeaseUntil: leaseUntil})
	}
	if _, err := b.db.EventAccept(b.ctx, accepts); err != nil {
		t.Fatal(err)
	}

	released, err := b.engine.ReleaseDeadLeases(b.ctx)
	if err != nil || released != 1 {
		t.Fatalf("ReleaseDeadLeases = %d, %v; want 1", released, err)
	}
	for name, owner := range owners {
		r, err := b.db.RunGet(b.ctx, "run-"+name)
		if err != nil {
			t.Fatal(err)
		}
		switch name {
		case "dead":
			if r.Status != store.StatusQueued || r.UnrecordedClaims != 1 || r.RunAt.After(time.Now()) {
				t.Errorf("dead owner's run: %s, %d unrecorded claims, due %v; want queued now, its claim counted", r.Status, r.UnrecordedClaims, r.RunAt)
			}
		default:
			if r.Status != store.StatusRunning || r.LeaseOwner != owner {
				t.Errorf("%s owner's run: %s leased to %q; want running, still leased to %q", name, r.Status, r.LeaseOwner, owner)
			}
		}
	}

	b.start(b.engine)
	if r := b.waitFinished("run-dead"); r.Status != store.StatusSucceeded {
		t.Errorf("released run = %s, %q; want succeeded", r.Status, r.Error)
	}
	if hits := b.recv.Hits(); len(hits) != 1 {
		t.Errorf("the receiver got %d requests, want 1 (the released run's)", len(hits))
	}
}
