package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// testDestinations: a destination's state is created on its first change,
// changed in place after, left as it was where the change refuses; the
// runs retrying with a given error are found oldest first, and moved only
// while they still retry.
func testDestinations(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	const key = "https://api.example.com:443"

	got, err := b.s.DestinationList(b.ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("DestinationList(empty) = %v, %v; want none", got, err)
	}
	d, err := b.s.DestinationChange(b.ctx, key, func(d *store.Destination) error {
		if d.Key != key || d.State != store.DestinationOpen || d.ConsecutiveFailures != 0 {
			t.Errorf("new destination = %+v, want open with no failures", *d)
		}
		d.ConsecutiveFailures, d.LastError, d.LastFailureAt, d.UpdatedAt = 1, "503 Service Unavailable", b.now, b.now
		return nil
	})
	if err != nil || d.ConsecutiveFailures != 1 {
		t.Fatalf("DestinationChange(first) = %+v, %v", d, err)
	}
	until := b.now.Add(time.Minute)
	want := store.Destination{Key: key, State: store.DestinationPaused, ConsecutiveFailures: 2,
		PausedUntil: until, Cooldown: time.Minute, LastError: "connection refused", LastFailureAt: b.now, UpdatedAt: b.now}
	if _, err := b.s.DestinationChange(b.ctx, key, func(d *store.Destination) error {
		d.State, d.ConsecutiveFailures, d.PausedUntil, d.Cooldown = want.State, d.ConsecutiveFailures+1, until, time.Minute
		d.LastError = want.LastError
		return nil
	}); err != nil {
		t.Fatalf("DestinationChange(pause): %v", err)
	}
	refused := errors.New("not now")
	if _, err := b.s.DestinationChange(b.ctx, key, func(d *store.Destination) error {
		d.State = store.DestinationOpen
		return refused
	}); !errors.Is(err, refused) {
		t.Errorf("DestinationChange(refused) = %v, want the change's error", err)
	}
	got, err = b.s.DestinationList(b.ctx)
	if err != nil {
		t.Fatalf("DestinationList: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("DestinationList = %d destinations, want 1", len(got))
	}
	diff(t, "DestinationList", got[0], want)

	// Runs retrying with the pause's error, oldest first.
	b.workflow(t, "w")
	ids := b.accept(t, "w", b.now, b.now.Add(time.Second), b.now.Add(2*time.Second), b.now.Add(3*time.Second))
	claimed := map[string]store.Run{}
	for _, r := range b.claim(t, store.RunClaimParams{Owner: "x", Now: b.now.Add(time.Minute)}) {
		claimed[r.ID] = r
	}
	later := b.now.Add(time.Hour)
	set := func(id, status, msg string) {
		b.update(t, store.RunUpdateParams{ID: id, Owner: "x", Attempt: claimed[id].Attempt, Status: status,
			RunAt: later, Error: msg, Now: b.now})
	}
	const reason = "destination paused: " + key
	set(ids[2], store.StatusRetrying, `step "send": `+reason)
	set(ids[0], store.StatusRetrying, reason)
	set(ids[1], store.StatusRetrying, "503 Service Unavailable")
	set(ids[3], store.StatusFailed, reason)
	runs, err := b.s.RunRetryingWithError(b.ctx, reason)
	if err != nil {
		t.Fatalf("RunRetryingWithError: %v", err)
	}
	if got := RunIDs(runs); !slices.Equal(got, []string{ids[0], ids[2]}) {
		t.Errorf("RunRetryingWithError = %v, want [%s %s] (oldest first)", got, ids[0], ids[2])
	}
	soon := b.now.Add(5 * time.Second)
	n, err := b.s.RunRetryAt(b.ctx, []store.RunRetryAtParams{{ID: ids[0], At: soon}, {ID: ids[3], At: soon}, {ID: newID(), At: soon}})
	if err != nil || n != 1 {
		t.Errorf("RunRetryAt = %d, %v; want 1 (only the retrying run)", n, err)
	}
	if r := b.run(t, ids[0]); !r.RunAt.Equal(soon) {
		t.Errorf("run moved to %v, want %v", r.RunAt, soon)
	}
	if r := b.run(t, ids[3]); r.Status != store.StatusFailed {
		t.Errorf("failed run is %s after RunRetryAt", r.Status)
	}
}
