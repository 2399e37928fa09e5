// Package storetest is the conformance suite of store.Store: every driver
// runs it from one small test of its own, so the drivers behave alike.
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s := open(t) // a new, empty store
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite knows nothing of any driver. Its times are whole microseconds
// (what PostgreSQL keeps) and its run ids UUIDv7, as the engine makes them.
// When a driver changes, extend the suite rather than the driver's own tests.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/store"
)

// Run runs the suite. newStore returns a new, empty store for one test and
// closes it when that test ends (t.Cleanup). Subtests run in parallel, each
// with its own store.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	t.Run("Workflow", func(t *testing.T) { testWorkflow(t, newStore) })
	t.Run("Event", func(t *testing.T) { testEvent(t, newStore) })
	t.Run("AcceptProgress", func(t *testing.T) { testAcceptProgress(t, newStore) })
	t.Run("RunInsert", func(t *testing.T) { testRunInsert(t, newStore) })
	t.Run("RunClaim", func(t *testing.T) { testRunClaim(t, newStore) })
	t.Run("RunUpdate", func(t *testing.T) { testRunUpdate(t, newStore) })
	t.Run("UnrecordedClaims", func(t *testing.T) { testUnrecordedClaims(t, newStore) })
	t.Run("RunNextDue", func(t *testing.T) { testRunNextDue(t, newStore) })
	t.Run("RunList", func(t *testing.T) { testRunList(t, newStore) })
	t.Run("RunWindow", func(t *testing.T) { testRunWindow(t, newStore) })
	t.Run("RunReplays", func(t *testing.T) { testRunReplays(t, newStore) })
	t.Run("WorkflowActivity", func(t *testing.T) { testWorkflowActivity(t, newStore) })
	t.Run("WorkflowActivityWindow", func(t *testing.T) { testWorkflowActivityWindow(t, newStore) })
	t.Run("WorkflowsVersion", func(t *testing.T) { testWorkflowsVersion(t, newStore) })
	t.Run("Setting", func(t *testing.T) { testSetting(t, newStore) })
	t.Run("Secret", func(t *testing.T) { testSecret(t, newStore) })
	t.Run("Prune", func(t *testing.T) { testPrune(t, newStore) })
	t.Run("Wait", func(t *testing.T) { testWait(t, newStore) })
	t.Run("KV", func(t *testing.T) { testKV(t, newStore) })
	t.Run("EventMeta", func(t *testing.T) { testEventMeta(t, newStore) })
	t.Run("Token", func(t *testing.T) { testToken(t, newStore) })
	t.Run("Users", func(t *testing.T) { testUsers(t, newStore) })
	t.Run("Operations", func(t *testing.T) { testOperations(t, newStore) })
	t.Run("StepInput", func(t *testing.T) { testStepInput(t, newStore) })
	t.Run("Destinations", func(t *testing.T) { testDestinations(t, newStore) })
	t.Run("Rollups", func(t *testing.T) { testRollups(t, newStore) })
	t.Run("Ping", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		if err := b.s.Ping(b.ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

// bundle is what a test needs: its store, a context and a fixed "now".
type bundle struct {
	s   store.Store
	ctx context.Context
	now time.Time
}

// base is the suite's "now": fixed, UTC, in whole microseconds.
var base = time.Date(2031, 3, 4, 5, 6, 7, 891011000, time.UTC)

func setup(t *testing.T, newStore func(t *testing.T) store.Store) *bundle {
	t.Helper()
	return &bundle{s: newStore(t), ctx: t.Context(), now: base}
}

// newID returns a UUIDv7 string: ids made later sort higher.
func newID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// workflow creates workflow id with hook key "key-"+id.
func (b *bundle) workflow(t *testing.T, id string) store.Workflow {
	t.Helper()
	w, err := b.s.WorkflowSave(b.ctx, store.WorkflowSaveParams{
		ID:         id,
		Name:       "Workflow " + id,
		Enabled:    true,
		Definition: []byte(`{"format":"hookflow/v1","id":"` + id + `","steps":[]}`),
		HookKey:    "key-" + id,
		Now:        b.now,
	})
	if err != nil {
		t.Fatalf("WorkflowSave(%s): %v", id, err)
	}
	return w
}

// event returns accept params for a webhook event of workflow wf received
// at at, with new event and run ids.
func event(wf string, at time.Time) store.EventAcceptParams {
	return store.EventAcceptParams{
		Event: store.Event{
			ID:         newID(),
			WorkflowID: wf,
			Source:     "webhook",
			Method:     "POST",
			Headers:    map[string]string{"content-type": "application/json"},
			Body:       []byte(`{"ok":true}`),
			ReceivedAt: at,
		},
		RunID:    newID(),
		Revision: 1,
	}
}

// withKey sets an event's idempotency key.
func withKey(p store.EventAcceptParams, key string) store.EventAcceptParams {
	p.Event.IdempotencyKey = key
	return p
}

// acceptParams calls EventAccept and fails the test on error.
func (b *bundle) acceptParams(t *testing.T, ps ...store.EventAcceptParams) []store.AcceptResult {
	t.Helper()
	res, err := b.s.EventAccept(b.ctx, ps)
	if err != nil {
		t.Fatalf("EventAccept: %v", err)
	}
	if len(res) != len(ps) {
		t.Fatalf("EventAccept: %d results for %d events", len(res), len(ps))
	}
	return res
}

// accept stores one event of workflow wf per time in one batch and returns
// the ids of their queued runs, in order (ascending).
func (b *bundle) accept(t *testing.T, wf string, at ...time.Time) []string {
	t.Helper()
	ps := make([]store.EventAcceptParams, len(at))
	for i, a := range at {
		ps[i] = event(wf, a)
	}
	b.acceptParams(t, ps...)
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.RunID
	}
	return ids
}

// acceptN stores n events of workflow wf received at b.now.
func (b *bundle) acceptN(t *testing.T, wf string, n int) []string {
	t.Helper()
	at := make([]time.Time, n)
	for i := range at {
		at[i] = b.now
	}
	return b.accept(t, wf, at...)
}

// claim calls RunClaim (a one-minute lease unless p says otherwise) and
// fails the test on error.
func (b *bundle) claim(t *testing.T, p store.RunClaimParams) []store.Run {
	t.Helper()
	if p.LeaseFor == 0 {
		p.LeaseFor = time.Minute
	}
	if p.Limit == 0 {
		p.Limit = 100
	}
	runs, err := b.s.RunClaim(b.ctx, p)
	if err != nil {
		t.Fatalf("RunClaim(%s): %v", p.Owner, err)
	}
	return runs
}

// claimOne claims every due run at b.now for owner and expects exactly id.
func (b *bundle) claimOne(t *testing.T, owner, id string) store.Run {
	t.Helper()
	runs := b.claim(t, store.RunClaimParams{Owner: owner, Now: b.now})
	if got := RunIDs(runs); !slices.Equal(got, []string{id}) {
		t.Fatalf("RunClaim: claimed %v, want [%s]", got, id)
	}
	return runs[0]
}

func (b *bundle) update(t *testing.T, p store.RunUpdateParams) {
	t.Helper()
	if err := b.s.RunUpdate(b.ctx, p); err != nil {
		t.Fatalf("RunUpdate(%s, %s): %v", p.ID, p.Status, err)
	}
}

func (b *bundle) run(t *testing.T, id string) store.Run {
	t.Helper()
	r, err := b.s.RunGet(b.ctx, id)
	if err != nil {
		t.Fatalf("RunGet(%s): %v", id, err)
	}
	return r
}

// RunIDs returns the ids of runs, in their order.
func RunIDs(runs []store.Run) []string {
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	return ids
}

// newestFirst returns ids sorted as RunList orders them.
func newestFirst(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// wantErr fails the test unless err wraps target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want %v", what, err, target)
	}
}

// diff compares two records of the same struct type field by field: times
// with Equal, byte slices and maps by content (nil equals empty).
func diff(t *testing.T, what string, got, want any) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	if gv.Type() != wv.Type() || gv.Kind() != reflect.Struct {
		t.Fatalf("%s: cannot compare %T with %T", what, got, want)
	}
	for i := range gv.NumField() {
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !same(g, w) {
			t.Errorf("%s.%s = %s, want %s", what, gv.Type().Field(i).Name, show(g), show(w))
		}
	}
}

func same(a, b any) bool {
	switch a := a.(type) {
	case time.Time:
		return a.Equal(b.(time.Time))
	case []byte:
		return bytes.Equal(a, b.([]byte))
	case map[string]string:
		return maps.Equal(a, b.(map[string]string))
	}
	return reflect.DeepEqual(a, b)
}

func show(v any) string {
	switch v := v.(type) {
	case time.Time:
		if v.IsZero() {
			return "zero time"
		}
		return v.UTC().Format(time.RFC3339Nano)
	case []byte:
		return fmt.Sprintf("%q", v)
	}
	return fmt.Sprintf("%#v", v)
}
