package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/workflows"
)

// waitFor bounds every wait on the engine: generous, so a slow CI machine
// under -race never fails a correct engine, and only a hung one waits it out.
const waitFor = 10 * time.Second

// t0 is the start of injected clocks.
var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// bundle is what an engine test works with: a real SQLite file, an engine on
// it sending to a real HTTP receiver on 127.0.0.1.
type bundle struct {
	t      testing.TB
	ctx    context.Context
	path   string
	db     *sqlite.Store
	spy    *spyStore // db, watched
	engine *Engine
	recv   *receivertest.Receiver
	clock  *clock // nil: the real clock
	sender *actions.Sender
}

type setupOptions struct {
	clock    *clock
	noStart  bool
	config   func(*Config)
	separate bool
}

type option func(*setupOptions)

// withClock injects a clock the test moves by hand.
func withClock(c *clock) option { return func(o *setupOptions) { o.clock = c } }

// notStarted leaves the engine unstarted (the test starts it, or a second
// engine, itself).
func notStarted() option { return func(o *setupOptions) { o.noStart = true } }

// separateWrites hides the SQLite store's WriteBatch, so the engine writes
// accepts and run updates in loops of their own (as on PostgreSQL).
func separateWrites() option { return func(o *setupOptions) { o.separate = true } }

// withConfig adjusts the engine's config before it is built.
func withConfig(f func(*Config)) option { return func(o *setupOptions) { o.config = f } }

// setup opens a fresh SQLite file, starts a receiver and an engine (stopped
// and closed when the test ends).
func setup(t testing.TB, opts ...option) *bundle {
	t.Helper()
	var o setupOptions
	for _, f := range opts {
		f(&o)
	}
	b := &bundle{t: t, ctx: context.Background(), clock: o.clock, sender: loopbackSender(t)}
	b.path = filepath.Join(t.TempDir(), "hookflow.db")
	b.db = openStore(t, b.path)
	b.spy = &spyStore{Store: b.db}
	b.recv = receivertest.New(t)
	var s store.Store = batchSpy{b.spy}
	if o.separate {
		s = b.spy
	}
	b.engine = b.newEngine(s, o.config)
	if !o.noStart {
		b.start(b.engine)
	}
	return b
}

// loopbackSender is a sender whose egress guard lets it reach 127.0.0.1.
func loopbackSender(t testing.TB) *actions.Sender {
	t.Helper()
	egress, err := actions.ParseEgressAllow("127.0.0.1")
	if err != nil {
		t.Fatalf("ParseEgressAllow: %v", err)
	}
	s := actions.NewSender(actions.Config{Egress: egress})
	t.Cleanup(s.CloseIdleConnections)
	return s
}

func openStore(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// newEngine builds an engine on s with the bundle's sender and clock and a
// short poll interval, so retries and delays coming due are found quickly.
func (b *bundle) newEngine(s store.Store, adjust func(*Config)) *Engine {
	b.t.Helper()
	cfg := Config{
		Store:        s,
		Sender:       b.sender,
		PollInterval: 20 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if b.clock != nil {
		cfg.Now = b.clock.Now
	}
	if adjust != nil {
		adjust(&cfg)
	}
	e, err := New(cfg)
	if err != nil {
		b.t.Fatalf("New: %v", err)
	}
	return e
}

// start starts e and shuts it down when the test ends (before the store is
// closed and the receiver stopped: cleanups run last in, first out).
func (b *bundle) start(e *Engine) {
	b.t.Helper()
	if err := e.Start(); err != nil {
		b.t.Fatalf("Start: %v", err)
	}
	b.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.Shutdown(ctx)
	})
}

// save stores a definition, with vars.recv set to the receiver's URL.
func (b *bundle) save(def string) store.Workflow {
	b.t.Helper()
	w := decode(b.t, def)
	if w.Vars == nil {
		w.Vars = map[string]any{}
	}
	w.Vars["recv"] = b.recv.URL
	res, err := b.engine.SaveWorkflow(b.ctx, w)
	if err != nil {
		b.t.Fatalf("SaveWorkflow: %v", err)
	}
	return res.Workflow
}

func decode(t testing.TB, def string) *workflows.Workflow {
	t.Helper()
	w, err := workflows.Decode([]byte(def))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return w
}

// jsonEvent is a webhook delivery of a JSON body.
func jsonEvent(body string) store.Event {
	return store.Event{
		Source: "webhook", Method: http.MethodPost, Body: []byte(body),
		Headers: map[string]string{"content-type": "application/json"},
	}
}

// accept accepts a JSON body for the workflow and returns the run id.
func (b *bundle) accept(wf store.Workflow, body string) string {
	b.t.Helper()
	res, err := b.engine.Accept(b.ctx, AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: jsonEvent(body)})
	if err != nil {
		b.t.Fatalf("Accept: %v", err)
	}
	if res.RunID == "" || res.Duplicate {
		b.t.Fatalf("Accept = %+v, want a new run", res)
	}
	return res.RunID
}

// waitRun polls the store until the run satisfies ok.
func (b *bundle) waitRun(id, what string, ok func(store.Run) bool) store.Run {
	b.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		r, err := b.db.RunGet(b.ctx, id)
		if err == nil && ok(r) {
			return r
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("run %s: no %s within %v; last: %+v, %v", id, what, waitFor, r, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitStatus waits until the run has the given status.
func (b *bundle) waitStatus(id, status string) store.Run {
	b.t.Helper()
	return b.waitRun(id, "status "+status, func(r store.Run) bool { return r.Status == status })
}

// waitFinished waits until the run has a final status.
func (b *bundle) waitFinished(id string) store.Run {
	b.t.Helper()
	return b.waitRun(id, "final status", func(r store.Run) bool { return store.Finished(r.Status) })
}

// results returns the step attempts of a run.
func (b *bundle) results(runID string) []store.StepResult {
	b.t.Helper()
	rs, err := b.db.StepResultList(b.ctx, runID)
	if err != nil {
		b.t.Fatalf("StepResultList: %v", err)
	}
	return rs
}

// resultsOf returns the step attempts of one step of a run.
func (b *bundle) resultsOf(runID, step string) []store.StepResult {
	b.t.Helper()
	var out []store.StepResult
	for _, r := range b.results(runID) {
		if r.StepID == step {
			out = append(out, r)
		}
	}
	return out
}

// waitUntil polls cond until it holds, for up to waitFor.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	waitWithin(t, waitFor, what, cond)
}

// waitWithin polls cond until it holds, for up to d.
func waitWithin(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// clock is an injected clock: it stands still until the test advances it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// spyStore is the real store, with the engine's group commits counted and
// its run updates recorded, so a test sees states that pass too quickly to
// poll for.
type spyStore struct {
	store.Store
	mu      sync.Mutex
	batches int
	events  int
	claims  int
	updates []runUpdate
}

// runUpdate is what a test needs of a store.RunUpdateParams (its Results
// slice is reused by the engine, so it is not kept).
type runUpdate struct {
	ID, Status  string
	NextStep    int
	StepAttempt int
	RunAt, Now  time.Time
}

func (s *spyStore) EventAccept(ctx context.Context, events []store.EventAcceptParams) ([]store.AcceptResult, error) {
	s.mu.Lock()
	s.batches++
	s.events += len(events)
	s.mu.Unlock()
	return s.Store.EventAccept(ctx, events)
}

func (s *spyStore) RunClaim(ctx context.Context, p store.RunClaimParams) ([]store.Run, error) {
	s.mu.Lock()
	s.claims++
	s.mu.Unlock()
	return s.Store.RunClaim(ctx, p)
}

// settled waits until the engine's first claim is over. A claim holds every
// worker's place while it runs, so an accept meanwhile leaves its run queued
// rather than handed to a worker: tests that need the latter start after it
// (with a long poll interval, so that no other claim comes).
func (b *bundle) settled() {
	b.t.Helper()
	waitUntil(b.t, "the first claim", func() bool { return b.spy.claimCount() >= 1 && b.engine.busy.Load() == 0 })
}

// claimCount is how many times the engine asked the store for due runs.
func (s *spyStore) claimCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.claims
}

func (s *spyStore) RunUpdate(ctx context.Context, p store.RunUpdateParams) error {
	err := s.Store.RunUpdate(ctx, p)
	if err == nil {
		s.mu.Lock()
		s.updates = append(s.updates, runUpdate{ID: p.ID, Status: p.Status, NextStep: p.NextStep,
			StepAttempt: p.StepAttempt, RunAt: p.RunAt, Now: p.Now})
		s.mu.Unlock()
	}
	return err
}

func (s *spyStore) RunUpdateMany(ctx context.Context, ps []store.RunUpdateParams) ([]error, error) {
	errs, err := s.Store.RunUpdateMany(ctx, ps)
	if err == nil {
		s.mu.Lock()
		for i, p := range ps {
			if errs[i] == nil {
				s.updates = append(s.updates, runUpdate{ID: p.ID, Status: p.Status, NextStep: p.NextStep,
					StepAttempt: p.StepAttempt, RunAt: p.RunAt, Now: p.Now})
			}
		}
		s.mu.Unlock()
	}
	return errs, err
}

// batchSpy is a spyStore that also writes accepts and updates together,
// as the SQLite store does for the engine.
type batchSpy struct{ *spyStore }

func (s batchSpy) WriteBatch(ctx context.Context, accepts []store.EventAcceptParams, updates []store.RunUpdateParams) store.BatchResult {
	res := s.Store.(store.BatchWriter).WriteBatch(ctx, accepts, updates)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(accepts) > 0 && res.AcceptErr == nil {
		s.batches++
		s.events += len(accepts)
	}
	if res.UpdateErr == nil {
		for i, p := range updates {
			if res.Updated[i] == nil {
				s.updates = append(s.updates, runUpdate{ID: p.ID, Status: p.Status, NextStep: p.NextStep,
					StepAttempt: p.StepAttempt, RunAt: p.RunAt, Now: p.Now})
			}
		}
	}
	return res
}

// updatesOf returns the recorded updates of one run, in order.
func (s *spyStore) updatesOf(runID string) []runUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []runUpdate
	for _, u := range s.updates {
		if u.ID == runID {
			out = append(out, u)
		}
	}
	return out
}

func (s *spyStore) acceptStats() (batches, events int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.batches, s.events
}

// jsonEqual compares two JSON documents by value.
func jsonEqual(t testing.TB, what string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("%s: not JSON: %v: %s", what, err, got)
		return
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad expectation: %v: %s", what, err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, compact(got), compact([]byte(want)))
	}
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return string(b)
	}
	return buf.String()
}

// mustJSON decodes a recorded input or output.
func mustJSON(t testing.TB, b []byte) any {
	t.Helper()
	if len(b) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return v
}
