package kinds_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/internal/pgtest"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/postgres"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/workflows"
)

// consumeWait bounds every wait of these tests: generous, so that a slow
// machine never fails a correct consumer, and only a hung one waits it out.
const consumeWait = 30 * time.Second

// errStoreDown is what a host's Accept answers while it fails on purpose.
var errStoreDown = errors.New("store unavailable (test)")

// node is one Hookflow replica of a test: a real engine on a real store.
type node struct {
	engine *engine.Engine
	db     store.Store
}

// sqliteNode starts an engine on a fresh SQLite file.
func sqliteNode(t testing.TB) *node {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookflow.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return startNode(t, db)
}

// postgresSchema is a fresh schema of the test PostgreSQL, dropped when
// the test ends, as a URL.
func postgresSchema(t testing.TB) string {
	t.Helper()
	return pgtest.Schema(t)
}

// postgresNode starts an engine on the PostgreSQL schema dbURL.
func postgresNode(t testing.TB, dbURL string) *node {
	t.Helper()
	db, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return startNode(t, db)
}

func startNode(t testing.TB, db store.Store) *node {
	t.Helper()
	e, err := engine.New(engine.Config{
		Store:        db,
		Sender:       loopbackSender(t),
		PollInterval: 50 * time.Millisecond,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	if err := e.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.Shutdown(ctx)
	})
	return &node{engine: e, db: db}
}

// loopbackSender is a sender whose egress guard lets it reach 127.0.0.1
// (as --egress-allow 127.0.0.1 does).
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

// save stores a definition on the node and compiles its trigger.
func (n *node) save(t testing.TB, def string) (store.Workflow, kinds.Consumer) {
	t.Helper()
	w, err := workflows.Decode([]byte(def))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	res, err := n.engine.SaveWorkflow(context.Background(), w)
	if err != nil {
		t.Fatalf("SaveWorkflow: %v", err)
	}
	c, err := workflows.Compile(w)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	consumer, ok := c.Trigger.(kinds.Consumer)
	if !ok {
		t.Fatalf("the trigger compiles to a %T, which is no Consumer", c.Trigger)
	}
	return res.Workflow, consumer
}

// events are the workflow's stored events, by body.
func (n *node) events(t testing.TB, wf string) map[string]int {
	t.Helper()
	evs, err := n.db.EventListByWorkflow(context.Background(), wf, 100000)
	if err != nil {
		t.Fatalf("EventListByWorkflow: %v", err)
	}
	out := map[string]int{}
	for _, e := range evs {
		out[string(e.Body)]++
	}
	return out
}

// runs are the workflow's runs.
func (n *node) runs(t testing.TB, wf string) []store.Run {
	t.Helper()
	rs, err := n.db.RunList(context.Background(), store.RunListParams{WorkflowID: wf, Limit: 100000})
	if err != nil {
		t.Fatalf("RunList: %v", err)
	}
	return rs
}

// host is a ConsumerHost whose Accept writes through a real engine, as
// the triggers package's does.
type host struct {
	t       testing.TB
	node    *node
	wf      store.Workflow
	source  string
	vars    map[string]any
	replica string
	sender  *actions.Sender

	// fail makes Accept fail while it is positive (each call takes one);
	// failAll makes every Accept fail.
	fail    atomic.Int64
	failAll atomic.Bool

	mu       sync.Mutex
	accepted []kinds.Delivery
	refused  int
	states   []string
	lastErr  error
}

var _ kinds.ConsumerHost = (*host)(nil)

func newHost(t testing.TB, n *node, wf store.Workflow, source string, vars map[string]any) *host {
	return &host{t: t, node: n, wf: wf, source: source, vars: vars, replica: "test", sender: loopbackSender(t)}
}

func (h *host) WorkflowID() string { return h.wf.ID }

func (h *host) Render(t *workflows.Template) (string, error) {
	return t.Render(&workflows.Env{Vars: h.vars, Secrets: map[string]any{}})
}

func (h *host) Accept(ctx context.Context, d kinds.Delivery) error {
	if h.failAll.Load() || h.fail.Add(-1) >= 0 {
		h.mu.Lock()
		h.refused++
		h.mu.Unlock()
		return errStoreDown
	}
	_, err := h.node.engine.Accept(ctx, engine.AcceptParams{WorkflowID: h.wf.ID, Revision: h.wf.Revision,
		Event: store.Event{Source: h.source, Headers: d.Headers, Body: d.Body, ReceivedAt: d.ReceivedAt, IdempotencyKey: d.IdempotencyKey}})
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.accepted = append(h.accepted, d)
	h.mu.Unlock()
	return nil
}

func (h *host) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return h.sender.Dial(ctx, network, addr)
}

func (h *host) KV() kinds.KV { return h.node.db }

func (h *host) State(state string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.states = append(h.states, state)
	h.lastErr = err
}

func (h *host) Now() time.Time { return time.Now() }

func (h *host) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil)).With("workflow", h.wf.ID)
}

// Replica names the replica (see kinds.ReplicaHost).
func (h *host) Replica() string { return h.replica }

// deliveries are the deliveries accepted so far.
func (h *host) deliveries() []kinds.Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]kinds.Delivery(nil), h.accepted...)
}

func (h *host) refusals() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.refused
}

// stateCount is how often the consumer reported state.
func (h *host) stateCount(state string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, s := range h.states {
		if s == state {
			n++
		}
	}
	return n
}

// consume runs c on h until the test ends or stop is called; stop waits
// for Consume to return and gives its error.
func consume(t testing.TB, c kinds.Consumer, h *host) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Consume(ctx, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(consumeWait):
				err = errors.New("Consume did not return after its context ended")
			}
		})
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Consume: %v", err)
		}
	})
	return stop
}

// waitUntil polls cond until it holds, for up to consumeWait.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(consumeWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, consumeWait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// proxy is a TCP proxy on 127.0.0.1 to a broker, whose connections a test
// cuts to lose the consumer's connection.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	opened atomic.Int64
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { _ = ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.opened.Add(1)
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
		go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
	}
}

// cut closes every connection made through the proxy so far.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}
