package kinds_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/postgres"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/workflows"
)

// pollWait bounds every wait on a consumer: only a hung one waits it out.
const pollWait = 15 * time.Second

// pollT0 is where the tests' clocks start: the start of an interval.
var pollT0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// pollToken is the API's secret, which the workflow sends from secrets.
const pollToken = "s3cret-api-token"

// testClock is a clock the test moves by hand, shared by the engines and
// consumers of a test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// orderAPI is a JSON API of orders that pages: GET /orders?after=ID gives
// the orders after ID, pageSize at a time, with the last one's id as
// next_cursor (null on an empty page).
type orderAPI struct {
	mu       sync.Mutex
	last     int
	pageSize int
	fail     int      // answer 500 to the next fail requests
	queries  []string // each request's after=
	*httptest.Server
}

func newOrderAPI(t *testing.T, orders, pageSize int) *orderAPI {
	t.Helper()
	a := &orderAPI{last: orders, pageSize: pageSize}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.Close)
	return a
}

func (a *orderAPI) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	after := r.URL.Query().Get("after")
	a.queries = append(a.queries, after)
	if r.Header.Get("Authorization") != "Bearer "+pollToken && r.URL.Query().Get("token") != pollToken {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if a.fail > 0 {
		a.fail--
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	from, _ := strconv.Atoi(after)
	data := []any{}
	var next any
	for id := from + 1; id <= a.last && len(data) < a.pageSize; id++ {
		data = append(data, map[string]any{"id": id, "total": id * 10, "customer": fmt.Sprintf("c%d", id)})
		next = strconv.Itoa(id)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "next_cursor": next})
}

// add adds n orders.
func (a *orderAPI) add(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.last += n
}

func (a *orderAPI) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.queries...)
}

// pollDef is a workflow polling the API for new orders.
func pollDef(api, initial string) string {
	return `{"format": "hookflow/v1", "id": "new-orders", "name": "New orders", "enabled": true,
	  "trigger": {"type": "poll", "url": "{{ vars.api }}/orders?after={{ state.cursor }}", "every": "1m",
	    "headers": {"Authorization": "Bearer {{ secrets.api_token }}"},
	    "items": "response.body.data", "key": "item.id", "cursor": "response.body.next_cursor", "initial": "` + initial + `"},
	  "steps": [{"id": "shape", "type": "transform", "expr": "{order: payload.id, total: payload.total}"}],
	  "vars": {"api": "` + api + `"}}`
}

// pollHost is the ConsumerHost of a test: a real engine and its store.
type pollHost struct {
	engine  *engine.Engine
	kv      kinds.KV
	wf      store.Workflow
	vars    map[string]any
	sender  *actions.Sender
	clock   *testClock
	mu      sync.Mutex
	states  []string
	lastErr error
}

func (h *pollHost) WorkflowID() string { return h.wf.ID }

func (h *pollHost) Render(t *workflows.Template) (string, error) {
	return t.Render(&workflows.Env{Vars: h.vars, Secrets: map[string]any{"api_token": pollToken}})
}

func (h *pollHost) Accept(ctx context.Context, d kinds.Delivery) error {
	_, err := h.engine.Accept(ctx, engine.AcceptParams{WorkflowID: h.wf.ID, Revision: h.wf.Revision, Event: store.Event{
		Source: "poll", Headers: d.Headers, Body: d.Body, ReceivedAt: d.ReceivedAt, IdempotencyKey: d.IdempotencyKey, Meta: d.Meta,
	}})
	return err
}

func (h *pollHost) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return h.sender.Dial(ctx, network, addr)
}

func (h *pollHost) KV() kinds.KV { return h.kv }

func (h *pollHost) State(state string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.states = append(h.states, state)
	h.lastErr = err
}

func (h *pollHost) Now() time.Time { return h.clock.Now() }

func (h *pollHost) Logger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// lastState is the state last reported, and its error.
func (h *pollHost) lastState() (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.states) == 0 {
		return "", nil
	}
	return h.states[len(h.states)-1], h.lastErr
}

// waitState waits until the state last reported is state, and gives its
// error.
func (h *pollHost) waitState(t *testing.T, state string) error {
	t.Helper()
	deadline := time.Now().Add(pollWait)
	for {
		got, err := h.lastState()
		if got == state {
			return err
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s state within %v; last %s (%v)", state, pollWait, got, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// sender is a sender whose egress guard allows allow ("": the default
// guard).
func sender(t *testing.T, allow string) *actions.Sender {
	t.Helper()
	cfg := actions.Config{}
	if allow != "" {
		egress, err := actions.ParseEgressAllow(allow)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Egress = egress
	}
	s := actions.NewSender(cfg)
	t.Cleanup(s.CloseIdleConnections)
	return s
}

// replica is one engine on a store, with the poll workflow's consumer.
type replica struct {
	db     store.Store
	engine *engine.Engine
	host   *pollHost
	stop   func()
}

// startReplica starts an engine on db and saves def (unless the store
// holds it), then starts the trigger's consumer. stop ends both (also
// when the test ends).
func startReplica(t *testing.T, db store.Store, clk *testClock, def string, s *actions.Sender) *replica {
	t.Helper()
	e, err := engine.New(engine.Config{
		Store: db, Sender: s, Now: clk.Now, PollInterval: 10 * time.Millisecond,
		Secrets: func(context.Context) (map[string]any, error) { return map[string]any{"api_token": pollToken}, nil },
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	if err := e.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	ctx := context.Background()
	w, err := workflows.Decode([]byte(def))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	wf, err := db.WorkflowGet(ctx, w.ID)
	if errors.Is(err, store.ErrNotFound) {
		res, err := e.SaveWorkflow(ctx, w)
		if err != nil {
			t.Fatalf("SaveWorkflow: %v", err)
		}
		wf = res.Workflow
	} else if err != nil {
		t.Fatalf("WorkflowGet: %v", err)
	}
	c, err := e.Compiled(ctx, wf.ID, wf.Revision)
	if err != nil {
		t.Fatalf("Compiled: %v", err)
	}
	consumer, ok := c.Trigger.(kinds.Consumer)
	if !ok {
		t.Fatalf("a poll trigger compiles to a %T, not a Consumer", c.Trigger)
	}
	h := &pollHost{engine: e, kv: db, wf: wf, vars: w.Vars, sender: s, clock: clk}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- consumer.Consume(cctx, h) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Consume: %v", err)
				}
			case <-time.After(pollWait):
				t.Errorf("Consume did not return within %v of its context's end", pollWait)
			}
			sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
			defer scancel()
			_ = e.Shutdown(sctx)
		})
	}
	t.Cleanup(stop)
	return &replica{db: db, engine: e, host: h, stop: stop}
}

func openSQLite(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// polledState is the poll's state as stored.
type polledState struct {
	Cursor   string `json:"cursor"`
	PolledAt string `json:"polled_at"`
	Seeded   bool   `json:"seeded"`
}

// waitPolled waits until a poll made at the clock's time is done, and
// gives the state it left.
func waitPolled(t *testing.T, db store.Store, clk *testClock) polledState {
	t.Helper()
	want := clk.Now().UTC().Format(time.RFC3339Nano)
	deadline := time.Now().Add(pollWait)
	var st polledState
	for {
		e, err := db.KVGet(context.Background(), store.KVGetParams{Scope: "new-orders", Key: "poll:state", Now: clk.Now()})
		if err == nil {
			st = polledState{}
			if err := json.Unmarshal(e.Value, &st); err != nil {
				t.Fatalf("state %s: %v", e.Value, err)
			}
			if st.PolledAt == want {
				return st
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no poll at %s within %v; state %+v (%v)", want, pollWait, st, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// runOrders counts the runs of each order id.
func runOrders(t *testing.T, db store.Store) map[int]int {
	t.Helper()
	ctx := context.Background()
	runs, err := db.RunList(ctx, store.RunListParams{WorkflowID: "new-orders", Limit: 1000})
	if err != nil {
		t.Fatalf("RunList: %v", err)
	}
	out := map[int]int{}
	for _, r := range runs {
		ev, err := db.EventGet(ctx, r.EventID)
		if err != nil {
			t.Fatalf("EventGet: %v", err)
		}
		var order struct{ ID int }
		if err := json.Unmarshal(ev.Body, &order); err != nil {
			t.Fatalf("event body %s: %v", ev.Body, err)
		}
		out[order.ID]++
	}
	return out
}

// wantOrders checks that each of the orders from..to ran once, and no
// other.
func wantOrders(t *testing.T, db store.Store, from, to int) {
	t.Helper()
	got := runOrders(t, db)
	want := map[int]int{}
	for id := from; id <= to && from > 0; id++ {
		want[id] = 1
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("runs per order = %v, want %v", got, want)
	}
}

// TestPollSkipsThenRunsEachNewItemOnce: the first poll pages through the
// orders there and runs none; orders added later run once each, over
// polls and pages; a poll with nothing new runs nothing.
func TestPollSkipsThenRunsEachNewItemOnce(t *testing.T) {
	t.Parallel()
	api := newOrderAPI(t, 5, 2)
	clk := &testClock{t: pollT0}
	db := openSQLite(t, filepath.Join(t.TempDir(), "hookflow.db"))
	r := startReplica(t, db, clk, pollDef(api.URL, "skip"), sender(t, "127.0.0.1"))

	st := waitPolled(t, db, clk)
	if st.Cursor != "5" || !st.Seeded {
		t.Fatalf("after the first poll, state %+v; want cursor 5, seeded", st)
	}
	wantOrders(t, db, 0, 0)
	if got := api.requests(); strings.Join(got, ",") != ",2,4,5" {
		t.Fatalf("the first poll asked after %q, want pages after '', 2, 4, 5", got)
	}

	api.add(3)
	clk.Add(time.Minute)
	if st = waitPolled(t, db, clk); st.Cursor != "8" {
		t.Fatalf("state %+v, want cursor 8", st)
	}
	wantOrders(t, db, 6, 8)

	clk.Add(time.Minute)
	waitPolled(t, db, clk)
	wantOrders(t, db, 6, 8)

	api.add(1)
	clk.Add(time.Minute)
	waitPolled(t, db, clk)
	wantOrders(t, db, 6, 9)
	if err := r.host.waitState(t, kinds.ConsumerConnected); err != nil {
		t.Errorf("connected with %v", err)
	}

	// An item whose key was not noted (a crash after its event was
	// accepted) is offered again and starts nothing: the idempotency key.
	if _, err := db.KVDelete(context.Background(), store.KVDeleteParams{KVWrite: store.KVWrite{Scope: "new-orders", Key: "poll:seen:9", Now: clk.Now()}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.KVSet(context.Background(), store.KVSetParams{KVWrite: store.KVWrite{Scope: "new-orders", Key: "poll:state", Now: clk.Now()},
		Value: json.RawMessage(`{"cursor": "8", "seeded": true}`)}); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	waitPolled(t, db, clk)
	wantOrders(t, db, 6, 9)
}

// TestPollEmitsWhatIsThere: with initial emit the first poll runs every
// order there, each once; the API's token is sent as bearer auth.
func TestPollEmitsWhatIsThere(t *testing.T) {
	t.Parallel()
	api := newOrderAPI(t, 5, 2)
	clk := &testClock{t: pollT0}
	db := openSQLite(t, filepath.Join(t.TempDir(), "hookflow.db"))
	// The token as the trigger's auth rather than a header of its own.
	def := strings.Replace(pollDef(api.URL, "emit"), `"headers": {"Authorization": "Bearer {{ secrets.api_token }}"}`,
		`"auth": {"type": "bearer", "token": "{{ secrets.api_token }}"}`, 1)
	if !strings.Contains(def, `"auth"`) {
		t.Fatal("the definition has no auth")
	}
	startReplica(t, db, clk, def, sender(t, "127.0.0.1"))
	waitPolled(t, db, clk)
	wantOrders(t, db, 1, 5)
	api.add(1)
	clk.Add(time.Minute)
	waitPolled(t, db, clk)
	wantOrders(t, db, 1, 6)
}

// TestPollKeepsItsCursorAcrossRestarts: a new engine and consumer on the
// same SQLite file go on from the cursor the last poll stored, and run
// nothing that ran before.
func TestPollKeepsItsCursorAcrossRestarts(t *testing.T) {
	t.Parallel()
	api := newOrderAPI(t, 3, 2)
	clk := &testClock{t: pollT0}
	path := filepath.Join(t.TempDir(), "hookflow.db")
	db := openSQLite(t, path)
	r := startReplica(t, db, clk, pollDef(api.URL, "skip"), sender(t, "127.0.0.1"))
	waitPolled(t, db, clk)
	api.add(1)
	clk.Add(time.Minute)
	waitPolled(t, db, clk)
	wantOrders(t, db, 4, 4)
	r.stop()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	api.add(2)
	before := len(api.requests())
	clk.Add(time.Minute)
	db2 := openSQLite(t, path)
	startReplica(t, db2, clk, pollDef(api.URL, "skip"), sender(t, "127.0.0.1"))
	if st := waitPolled(t, db2, clk); st.Cursor != "6" {
		t.Fatalf("state after the restart %+v, want cursor 6", st)
	}
	if got := api.requests()[before:]; len(got) == 0 || got[0] != "4" {
		t.Fatalf("after the restart the poll asked after %q, want 4 first", got)
	}
	wantOrders(t, db2, 4, 6)
}

// TestPollRetriesAFailedPoll: an answer of 503 is reported as retrying
// with the error, and tried again after the backoff, on the same
// interval.
func TestPollRetriesAFailedPoll(t *testing.T) {
	t.Parallel()
	api := newOrderAPI(t, 2, 10)
	api.fail = 1
	clk := &testClock{t: pollT0}
	db := openSQLite(t, filepath.Join(t.TempDir(), "hookflow.db"))
	r := startReplica(t, db, clk, pollDef(api.URL, "emit"), sender(t, "127.0.0.1"))
	err := r.host.waitState(t, kinds.ConsumerRetrying)
	if err == nil || !strings.Contains(err.Error(), "503") || strings.Contains(err.Error(), pollToken) {
		t.Fatalf("retrying with %v, want the 503 (and no secret)", err)
	}
	wantOrders(t, db, 0, 0)
	clk.Add(time.Second) // the first backoff
	waitPolled(t, db, clk)
	wantOrders(t, db, 1, 2)
	if err := r.host.waitState(t, kinds.ConsumerConnected); err != nil {
		t.Errorf("connected with %v", err)
	}
}

// TestPollEgressGuard: without an exception for it, the API on 127.0.0.1
// is refused by the egress guard: nothing reaches it, the consumer
// reports retrying with the guard's error.
func TestPollEgressGuard(t *testing.T) {
	t.Parallel()
	api := newOrderAPI(t, 2, 10)
	clk := &testClock{t: pollT0}
	db := openSQLite(t, filepath.Join(t.TempDir(), "hookflow.db"))
	r := startReplica(t, db, clk, pollDef(api.URL, "emit"), sender(t, ""))
	if err := r.host.waitState(t, kinds.ConsumerRetrying); !errors.Is(err, actions.ErrEgressRefused) {
		t.Fatalf("retrying with %v, want the egress guard's refusal", err)
	}
	r.stop()
	if got := api.requests(); len(got) != 0 {
		t.Errorf("the API got %d requests through the guard", len(got))
	}
	wantOrders(t, db, 0, 0)
}

// TestPollTwoReplicas: two engines on one PostgreSQL database, each with
// the workflow's consumer, poll once per interval between them, and each
// order runs once.
func TestPollTwoReplicas(t *testing.T) {
	t.Parallel()
	dbURL := postgresSchema(t)
	api := newOrderAPI(t, 4, 100)
	clk := &testClock{t: pollT0}
	open := func() store.Store {
		db, err := postgres.Open(context.Background(), dbURL)
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	db1 := open()
	startReplica(t, db1, clk, pollDef(api.URL, "skip"), sender(t, "127.0.0.1"))
	startReplica(t, open(), clk, pollDef(api.URL, "skip"), sender(t, "127.0.0.1"))

	waitPolled(t, db1, clk)
	want := 2 // the orders there, then an empty page after them
	for i := 1; i <= 5; i++ {
		if i%2 == 1 {
			api.add(i)
			want += 2
		} else {
			want++ // nothing new: one page
		}
		clk.Add(time.Minute)
		waitPolled(t, db1, clk)
	}
	wantOrders(t, db1, 5, 4+1+3+5)
	if got := api.requests(); len(got) != want {
		t.Errorf("the API got %d requests (%q), want %d: one poll per interval", len(got), got, want)
	}
}

// TestPollCompileErrors: a poll trigger with one mistake is refused at the
// field at fault.
func TestPollCompileErrors(t *testing.T) {
	t.Parallel()
	valid := func() map[string]any {
		return map[string]any{"type": "poll", "url": "https://api.example.com/orders?after={{ state.cursor }}", "key": "item.id"}
	}
	tests := []struct {
		name    string
		change  func(map[string]any)
		field   string
		message string
	}{
		{"url missing", func(m map[string]any) { delete(m, "url") }, "trigger.url", "is required"},
		{"url scheme", func(m map[string]any) { m["url"] = "ftp://example.com" }, "trigger.url", "http:// or https://"},
		{"url template", func(m map[string]any) { m["url"] = "https://x/{{ state. }}" }, "trigger.url", ""},
		{"url host from state", func(m map[string]any) { m["url"] = "https://{{ state.cursor }}/x" }, "trigger.url", "host"},
		{"every short", func(m map[string]any) { m["every"] = "5s" }, "trigger.every", "10s or more"},
		{"every not a duration", func(m map[string]any) { m["every"] = "often" }, "trigger.every", "duration"},
		{"method", func(m map[string]any) { m["method"] = "FETCH" }, "trigger.method", "unknown HTTP method"},
		{"header name", func(m map[string]any) { m["headers"] = map[string]any{"Bad Name": "x"} }, "trigger.headers", "invalid header name"},
		{"items", func(m map[string]any) { m["items"] = "response.body.(" }, "trigger.items", ""},
		{"key missing", func(m map[string]any) { delete(m, "key") }, "trigger.key", "is required"},
		{"key", func(m map[string]any) { m["key"] = "item.id +" }, "trigger.key", ""},
		{"key unknown name", func(m map[string]any) { m["key"] = "thing.id" }, "trigger.key", ""},
		{"cursor", func(m map[string]any) { m["cursor"] = "response.body[" }, "trigger.cursor", ""},
		{"initial", func(m map[string]any) { m["initial"] = "all" }, "trigger.initial", "skip or emit"},
		{"max_pages", func(m map[string]any) { m["max_pages"] = 500 }, "trigger.max_pages", "between 1 and 100"},
		{"remember", func(m map[string]any) { m["remember"] = "forever" }, "trigger.remember", "duration"},
		{"unknown field", func(m map[string]any) { m["interval"] = "1m" }, "trigger.interval", ""},
		{"auth oauth2", func(m map[string]any) {
			m["auth"] = map[string]any{"type": "oauth2_client_credentials"}
		}, "trigger.auth.type", "bearer, basic or api_key"},
		{"auth oauth2 field", func(m map[string]any) {
			m["auth"] = map[string]any{"type": "bearer", "token": "t", "token_url": "https://x"}
		}, "trigger.auth.token_url", ""},
		{"auth token missing", func(m map[string]any) { m["auth"] = map[string]any{"type": "bearer"} }, "trigger.auth.token", "is required"},
		{"auth api key in", func(m map[string]any) {
			m["auth"] = map[string]any{"type": "api_key", "name": "key", "value": "v", "in": "body"}
		}, "trigger.auth.in", "header or query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			trig := valid()
			tt.change(trig)
			_, err := compilePoll(t, trig)
			var fe *workflows.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FieldError", err, err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Message, tt.message) {
				t.Errorf("error at %q: %q; want at %q, containing %q", fe.Field, fe.Message, tt.field, tt.message)
			}
		})
	}
	for _, ok := range []map[string]any{
		valid(),
		{"type": "poll", "url": "{{ vars.api }}/tickets", "every": "10s", "method": "POST", "items": "response.body",
			"key": "item.ticket.number", "initial": "emit", "max_pages": 1, "remember": "24h",
			"headers": map[string]any{"X-Api-Key": "{{ secrets.key }}"}},
		{"type": "poll", "url": "https://api.example.com/rows", "key": "item.id",
			"auth": map[string]any{"type": "api_key", "name": "api_key", "in": "query", "value": "{{ secrets.key }}"}},
		{"type": "poll", "url": "https://api.example.com/rows", "key": "item.id",
			"auth": map[string]any{"type": "basic", "username": "me", "password": "{{ secrets.pw }}"}},
	} {
		c, err := compilePoll(t, ok)
		if err != nil {
			t.Errorf("%v: %v", ok, err)
			continue
		}
		if _, isConsumer := c.Trigger.(kinds.Consumer); !isConsumer {
			t.Errorf("a poll trigger compiles to a %T, not a Consumer", c.Trigger)
		}
	}
}

func compilePoll(t *testing.T, trigger map[string]any) (*workflows.Compiled, error) {
	t.Helper()
	data, err := json.Marshal(map[string]any{
		"format": workflows.Format, "id": "orders", "name": "Orders", "trigger": trigger,
		"steps": []any{map[string]any{"id": "shape", "type": "transform", "expr": "payload"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	w, err := workflows.Decode(data)
	if err != nil {
		return nil, err
	}
	return workflows.Compile(w)
}

// TestPollFirstPollPastMaxPages: where the orders there take more pages
// than one poll follows, the polls after the first go on noting them, and
// only orders added after run.
func TestPollFirstPollPastMaxPages(t *testing.T) {
	t.Parallel()
	api := newOrderAPI(t, 5, 2)
	clk := &testClock{t: pollT0}
	db := openSQLite(t, filepath.Join(t.TempDir(), "hookflow.db"))
	def := strings.Replace(pollDef(api.URL, "skip"), `"initial": "skip"`, `"initial": "skip", "max_pages": 1`, 1)
	startReplica(t, db, clk, def, sender(t, "127.0.0.1"))
	for i, cursor := range []string{"2", "4", "5", "5"} {
		if i > 0 {
			clk.Add(time.Minute)
		}
		st := waitPolled(t, db, clk)
		if st.Cursor != cursor || st.Seeded != (i == 3) {
			t.Fatalf("poll %d left %+v, want cursor %s, seeded %v", i+1, st, cursor, i == 3)
		}
	}
	api.add(1)
	clk.Add(time.Minute)
	waitPolled(t, db, clk)
	wantOrders(t, db, 6, 6)
}

// TestPollUnderTheSupervisor: run by Hookflow's consumer supervisor, a
// poll trigger with initial emit starts a run per order there, each event
// a poll event whose trigger.meta holds the url (the API key hidden), the
// poll's time and the order's key; the consumer reports connected.
func TestPollUnderTheSupervisor(t *testing.T) {
	t.Parallel()
	api := newOrderAPI(t, 3, 2)
	r := newConsumerRig(t, nil, map[string]any{"api_token": pollToken})
	def := strings.Replace(pollDef(api.URL, "emit"), `"id": "new-orders"`, `"id": "supervised-orders"`, 1)
	def = strings.Replace(def, `"headers": {"Authorization": "Bearer {{ secrets.api_token }}"}`,
		`"auth": {"type": "api_key", "in": "query", "name": "token", "value": "{{ secrets.api_token }}"}`, 1)
	r.save(t, def)
	events := r.waitRuns(t, "supervised-orders", 3)
	for i := 1; i <= 3; i++ {
		ev, ok := events["poll:"+strconv.Itoa(i)]
		if !ok {
			t.Fatalf("no event with the idempotency key poll:%d among %v", i, events)
		}
		if ev.Source != "poll" || ev.Meta["key"] != strconv.Itoa(i) || ev.Meta["polled_at"] == nil {
			t.Errorf("event %d: source %q, meta %v", i, ev.Source, ev.Meta)
		}
		u, _ := ev.Meta["url"].(string)
		if !strings.HasPrefix(u, api.URL+"/orders?after=") || !strings.Contains(u, "token=REDACTED") || strings.Contains(u, pollToken) {
			t.Errorf("event %d: meta url %q, want the API's with the token hidden", i, u)
		}
		var order struct{ ID, Total int }
		if err := json.Unmarshal(ev.Body, &order); err != nil || order.ID != i || order.Total != i*10 {
			t.Errorf("event %d: body %s", i, ev.Body)
		}
	}
	if st := r.waitState(t, "supervised-orders", kinds.ConsumerConnected); st.Type != "poll" {
		t.Errorf("state %+v, want a poll trigger's", st)
	}
}
