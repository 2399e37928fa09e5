package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/triggers"
	"github.com/hookflow/hookflow/workflows"
)

// A cluster is several hookflow replicas in this test process over ONE
// PostgreSQL schema, each as a separate process would be: its own pool,
// engine (its own lease owner) and trigger endpoint on its own HTTP
// server. They share nothing but the database, and deliver to one receiver
// on 127.0.0.1 that counts what it gets by webhook-id.
type cluster struct {
	t     testing.TB
	dbURL string
	recv  *receivertest.Receiver
	// recvDelay holds each of the receiver's answers this long, in ns.
	recvDelay atomic.Int64
	// failFirst answers the first request of each webhook-id 503.
	failFirst atomic.Bool
	sender    *actions.Sender
	replicas  []*replica
	client    *http.Client
	workers   int
	now       func() time.Time // the engines' clock (nil: the real one)
}

// replica is one hookflow "process".
type replica struct {
	name   string
	db     *Store
	spy    *replicaStore
	engine *engine.Engine
	hooks  *triggers.Webhook
	srv    *httptest.Server
}

// leaseFor is the replicas' engine lease: short, so a dead replica's runs
// are taken over quickly.
const leaseFor = 2 * time.Second

// clusterWait bounds every wait on the cluster: generous for a loaded CI
// machine under -race; only a broken cluster waits it out.
const clusterWait = 60 * time.Second

func newCluster(t testing.TB, n int) *cluster {
	t.Helper()
	return newClusterWorkers(t, n, 8)
}

// newClusterWorkers starts n replicas of the given number of workers each.
func newClusterWorkers(t testing.TB, n, workers int) *cluster {
	t.Helper()
	return startCluster(t, n, workers, nil)
}

// newClusterClock starts n replicas whose engines read the given clock.
func newClusterClock(t testing.TB, n int, now func() time.Time) *cluster {
	t.Helper()
	return startCluster(t, n, 8, now)
}

func startCluster(t testing.TB, n, workers int, now func() time.Time) *cluster {
	t.Helper()
	egress, err := actions.ParseEgressAllow("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{
		t:       t,
		dbURL:   newSchema(t),
		sender:  actions.NewSender(actions.Config{Egress: egress}),
		client:  &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second},
		workers: workers,
		now:     now,
	}
	c.recv = c.newReceiver()
	t.Cleanup(c.sender.CloseIdleConnections)
	t.Cleanup(c.client.CloseIdleConnections)
	for i := range n {
		c.addReplica(fmt.Sprintf("replica-%d", i))
	}
	return c
}

// addReplica starts one more replica (stopped when the test ends).
func (c *cluster) addReplica(name string) *replica {
	c.t.Helper()
	r := &replica{name: name, db: open(c.t, c.dbURL)}
	r.spy = &replicaStore{Store: r.db, claimed: map[string]bool{}}
	e, err := engine.New(engine.Config{
		Store:        r.spy,
		Sender:       c.sender,
		Workers:      c.workers,
		LeaseFor:     leaseFor,
		PollInterval: 50 * time.Millisecond,
		Owner:        name,
		Now:          c.now,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		c.t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		c.t.Fatal(err)
	}
	r.engine = e
	r.hooks = triggers.NewWebhook(triggers.WebhookConfig{Engine: e, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		key, ok := strings.CutPrefix(req.URL.Path, "/hooks/")
		if !ok {
			http.NotFound(w, req)
			return
		}
		r.hooks.Serve(w, req, key)
	}))
	c.t.Cleanup(func() {
		r.srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.Shutdown(ctx)
	})
	c.replicas = append(c.replicas, r)
	return r
}

// kill stops the replica as SIGKILL would: from now on it writes nothing
// (every store call fails) and its trigger endpoint is gone. Its leases are
// left as they are; requests it is sending finish (the receiver may count
// them) but are never recorded.
func (r *replica) kill() {
	r.spy.killed.Store(true)
	r.srv.CloseClientConnections()
	r.srv.Close()
}

// save stores a workflow through replica 0's engine, with vars.recv set to
// the receiver's URL, and returns it.
func (c *cluster) save(def string) store.Workflow {
	c.t.Helper()
	return c.saveOn(c.replicas[0], def)
}

func (c *cluster) saveOn(r *replica, def string) store.Workflow {
	c.t.Helper()
	w, err := workflows.Decode([]byte(def))
	if err != nil {
		c.t.Fatalf("Decode: %v", err)
	}
	if w.Vars == nil {
		w.Vars = map[string]any{}
	}
	w.Vars["recv"] = c.recv.URL
	res, err := r.engine.SaveWorkflow(context.Background(), w)
	if err != nil {
		c.t.Fatalf("SaveWorkflow: %v", err)
	}
	return res.Workflow
}

// post sends body to the workflow's trigger URL on replica r and returns
// the status and the decoded answer.
func (c *cluster) post(r *replica, hookKey, body string) (int, map[string]any, error) {
	req, err := http.NewRequest(http.MethodPost, r.srv.URL+"/hooks/"+hookKey, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m, nil
}

// postAll posts n events {"n": i} with the given concurrency, event i to
// replica targets[i % len(targets)], and returns the numbers acknowledged
// (202) with their run ids.
func (c *cluster) postAll(hookKey string, n, concurrency int, targets []*replica) map[int]string {
	c.t.Helper()
	var (
		mu    sync.Mutex
		acked = map[int]string{}
		next  atomic.Int64
		wg    sync.WaitGroup
	)
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				status, m, err := c.post(targets[i%len(targets)], hookKey, fmt.Sprintf(`{"n":%d}`, i))
				if err != nil || status != http.StatusAccepted {
					continue // not acknowledged: the sender would retry
				}
				runID, _ := m["run_id"].(string)
				mu.Lock()
				acked[i] = runID
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return acked
}

// waitDelivered waits until every acknowledged event has reached the
// receiver and every run of the workflow is finished.
func (c *cluster) waitDelivered(wf string, acked map[int]string) {
	c.t.Helper()
	deadline := time.Now().Add(clusterWait)
	for {
		missing := 0
		got := c.byN()
		for n := range acked {
			if got[n] == 0 {
				missing++
			}
		}
		unfinished := c.unfinished(wf)
		if missing == 0 && unfinished == 0 {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("after %v: %d of %d acknowledged events not delivered, %d runs unfinished",
				clusterWait, missing, len(acked), unfinished)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// unfinished counts the workflow's runs not in a final status.
func (c *cluster) unfinished(wf string) int {
	c.t.Helper()
	// One query, one snapshot: a run moving from retrying to running
	// between two queries by status would be counted by neither.
	// Pages are read newest first; a run is made before its page is read.
	n, before := 0, ""
	for {
		runs, err := c.replicas[0].db.RunList(context.Background(), store.RunListParams{WorkflowID: wf, Before: before, Limit: 1000})
		if err != nil {
			c.t.Fatalf("RunList: %v", err)
		}
		for _, r := range runs {
			if !store.Finished(r.Status) {
				n++
			}
		}
		if len(runs) < 1000 {
			return n
		}
		before = runs[len(runs)-1].ID
	}
}

// fakeClock is a cluster's clock where the test moves time by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// waitUntil polls cond until it holds, failing the test after clusterWait.
func (c *cluster) waitUntil(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(clusterWait)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out after %v waiting for %s", clusterWait, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// replicaStore is a replica's view of the store: it records the runs the
// replica claimed (by RunClaim, or accepted already claimed), the cron
// ticks it accepted and how often it listed the workflows, and can be killed (every call the engine makes to run
// or accept work fails from then on) or kept from claiming runs others
// accepted or released.
type replicaStore struct {
	store.Store
	killed  atomic.Bool
	noClaim atomic.Bool

	mu            sync.Mutex
	claimed       map[string]bool
	cronAccepts   int
	cronDuplicate int
	lists         int
}

func (s *replicaStore) WorkflowHeads(ctx context.Context) ([]store.Workflow, error) {
	s.mu.Lock()
	s.lists++
	s.mu.Unlock()
	return s.Store.WorkflowHeads(ctx)
}

// listed reports whether the replica has listed the workflows (its
// scheduler loaded them).
func (s *replicaStore) listed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists > 0
}

var errKilled = errors.New("replica killed")

func (s *replicaStore) EventAccept(ctx context.Context, events []store.EventAcceptParams) ([]store.AcceptResult, error) {
	if s.killed.Load() {
		return nil, errKilled
	}
	res, err := s.Store.EventAccept(ctx, events)
	if err == nil {
		s.mu.Lock()
		for i, p := range events {
			if p.Owner != "" && !res[i].Duplicate {
				s.claimed[p.RunID] = true // accepted already claimed by this replica
			}
			if p.Event.Source == "cron" {
				s.cronAccepts++
				if res[i].Duplicate {
					s.cronDuplicate++
				}
			}
		}
		s.mu.Unlock()
	}
	return res, err
}

func (s *replicaStore) RunClaim(ctx context.Context, p store.RunClaimParams) ([]store.Run, error) {
	if s.killed.Load() {
		return nil, errKilled
	}
	if s.noClaim.Load() {
		return nil, nil
	}
	runs, err := s.Store.RunClaim(ctx, p)
	s.mu.Lock()
	for _, r := range runs {
		s.claimed[r.ID] = true
	}
	s.mu.Unlock()
	return runs, err
}

func (s *replicaStore) RunUpdate(ctx context.Context, p store.RunUpdateParams) error {
	if s.killed.Load() {
		return errKilled
	}
	return s.Store.RunUpdate(ctx, p)
}

func (s *replicaStore) RunUpdateMany(ctx context.Context, ps []store.RunUpdateParams) ([]error, error) {
	if s.killed.Load() {
		return nil, errKilled
	}
	return s.Store.RunUpdateMany(ctx, ps)
}

func (s *replicaStore) RunInsert(ctx context.Context, p store.RunInsertParams) (store.Run, error) {
	if s.killed.Load() {
		return store.Run{}, errKilled
	}
	return s.Store.RunInsert(ctx, p)
}

func (s *replicaStore) EventGet(ctx context.Context, id string) (store.Event, error) {
	if s.killed.Load() {
		return store.Event{}, errKilled
	}
	return s.Store.EventGet(ctx, id)
}

func (s *replicaStore) StepResultList(ctx context.Context, runID string) ([]store.StepResult, error) {
	if s.killed.Load() {
		return nil, errKilled
	}
	return s.Store.StepResultList(ctx, runID)
}

// claimedRuns returns the ids of the runs this replica claimed.
func (s *replicaStore) claimedRuns() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]bool, len(s.claimed))
	for id := range s.claimed {
		out[id] = true
	}
	return out
}

func (s *replicaStore) cronStats() (accepts, duplicates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cronAccepts, s.cronDuplicate
}

// newReceiver starts the outbound webhooks' target: a receiver on
// 127.0.0.1 whose answers are held c.recvDelay and, with c.failFirst,
// refused with a 503 at the first request of each webhook-id. The
// workflows under test send {"n": payload.n, "run": run.id}, so a delivery
// names its event and run.
func (c *cluster) newReceiver() *receivertest.Receiver {
	rc := receivertest.New(c.t)
	var mu sync.Mutex
	seen := map[string]bool{} // webhook-ids asked before
	rc.Answer(func(h receivertest.Hit) receivertest.Reply {
		mu.Lock()
		first := !seen[h.WebhookID()]
		seen[h.WebhookID()] = true
		mu.Unlock()
		delay := time.Duration(c.recvDelay.Load())
		if first && c.failFirst.Load() {
			return receivertest.Reply{Status: http.StatusServiceUnavailable, Header: map[string]string{"Content-Type": "text/plain"},
				Body: "try again", Delay: delay}
		}
		return receivertest.Reply{Delay: delay}
	})
	return rc
}

// delivery is what the receiver got under one webhook-id.
type delivery struct {
	hits  int
	n     int
	run   string
	body  []byte
	first time.Time
}

// byN counts distinct deliveries (webhook-ids) per payload n.
func (c *cluster) byN() map[int]int {
	dels, _ := c.deliveries()
	out := map[int]int{}
	for _, d := range dels {
		out[d.n]++
	}
	return out
}

// deliveries returns what the receiver got, by webhook-id, and the number
// of requests.
func (c *cluster) deliveries() (map[string]delivery, int) {
	hits := c.recv.Hits()
	out := map[string]delivery{}
	for _, h := range hits {
		d, ok := out[h.WebhookID()]
		if !ok {
			var p struct {
				N   int    `json:"n"`
				Run string `json:"run"`
			}
			_ = json.Unmarshal(h.Body, &p)
			d = delivery{n: p.N, run: p.Run, body: h.Body, first: h.At}
		}
		d.hits++
		out[h.WebhookID()] = d
	}
	return out, len(hits)
}
