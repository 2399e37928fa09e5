package engine

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func init() {
	exampleCases["poll-new-orders"] = testPollNewOrders
	exampleSecrets["orders_token"] = "orders-api-token"
}

// pollExampleHost runs an example's poll trigger on the example's engine
// and store; its clock is the test's, apart from the engine's.
type pollExampleHost struct {
	x     *example
	clock *clock
}

func (h *pollExampleHost) WorkflowID() string { return h.x.wf.ID }

func (h *pollExampleHost) Render(t *workflows.Template) (string, error) {
	return t.Render(&workflows.Env{Vars: h.x.w.Vars, Secrets: exampleSecrets})
}

func (h *pollExampleHost) Accept(ctx context.Context, d kinds.Delivery) error {
	_, err := h.x.engine.Accept(ctx, AcceptParams{WorkflowID: h.x.wf.ID, Revision: h.x.wf.Revision, Event: store.Event{
		Source: "poll", Headers: d.Headers, Body: d.Body, ReceivedAt: d.ReceivedAt, IdempotencyKey: d.IdempotencyKey, Meta: d.Meta,
	}})
	return err
}

func (h *pollExampleHost) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return h.x.sender.Dial(ctx, network, addr)
}

func (h *pollExampleHost) KV() kinds.KV { return h.x.db }

func (h *pollExampleHost) State(string, error) {}

func (h *pollExampleHost) Now() time.Time { return h.clock.Now() }

func (h *pollExampleHost) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testPollNewOrders: the orders API (the receiver, on /orders_api) holds
// two paid orders, which the first poll only notes; an order added later
// is announced in the chat once, with the cursor and the token sent.
func testPollNewOrders(t *testing.T, x *example) {
	var (
		mu     sync.Mutex
		orders = []map[string]any{
			{"id": "ord_1001", "number": "#1001", "status": "paid", "total": 12.5, "currency": "EUR", "customer": map[string]any{"name": "Bo Ek"}},
			{"id": "ord_1002", "number": "#1002", "status": "paid", "total": 30, "currency": "EUR", "customer": map[string]any{"name": "Cy Do"}},
		}
	)
	x.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.Path != "/orders_api/orders" {
			return receivertest.Reply{}
		}
		if h.Header.Get("Authorization") != "Bearer "+x.secret("orders_token") {
			return receivertest.Reply{Status: 401}
		}
		u, _ := url.Parse(h.URI)
		after := u.Query().Get("after")
		mu.Lock()
		defer mu.Unlock()
		page := []map[string]any{}
		found := after == ""
		var next any
		for _, o := range orders {
			if found {
				page = append(page, o)
				next = o["id"]
			}
			found = found || o["id"] == after
		}
		body, _ := json.Marshal(map[string]any{"orders": page, "next_cursor": next})
		return receivertest.Reply{Body: string(body)}
	})
	c := newClock()
	consumer, ok := x.compiled.Trigger.(kinds.Consumer)
	if !ok {
		t.Fatalf("the trigger compiles to a %T, not a Consumer", x.compiled.Trigger)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- consumer.Consume(ctx, &pollExampleHost{x: x, clock: c}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Consume: %v", err)
		}
	}()
	polled := func() {
		t.Helper()
		want := c.Now().UTC().Format(time.RFC3339Nano)
		deadline := time.Now().Add(waitFor)
		for {
			e, err := x.db.KVGet(x.ctx, store.KVGetParams{Scope: x.wf.ID, Key: "poll:state", Now: c.Now()})
			var st struct {
				PolledAt string `json:"polled_at"`
			}
			if err == nil && json.Unmarshal(e.Value, &st) == nil && st.PolledAt == want {
				return
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("KVGet: %v", err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("no poll at %s within %v", want, waitFor)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	polled()
	if n := len(x.recv.On("/chat_webhook")); n != 0 {
		t.Fatalf("the first poll announced %d orders, want none", n)
	}

	mu.Lock()
	orders = append(orders, map[string]any{"id": "ord_1003", "number": "#1003", "status": "paid", "total": 59.9, "currency": "EUR",
		"customer": map[string]any{"name": "Ann Lee", "email": "ann@example.com"}})
	mu.Unlock()
	c.Advance(time.Minute)
	polled()
	deadline := time.Now().Add(waitFor)
	for len(x.recv.On("/chat_webhook")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no announcement within %v", waitFor)
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.Advance(time.Minute)
	polled()
	chat := x.recv.On("/chat_webhook")
	if len(chat) != 1 {
		t.Fatalf("the chat got %d announcements, want 1", len(chat))
	}
	jsonEqual(t, "announcement", chat[0].Body, `{"text": "New order #1003 from Ann Lee: 59.90 EUR"}`)
	api := x.recv.On("/orders_api/orders")
	if len(api) < 3 || api[len(api)-1].URI != "/orders_api/orders?status=paid&after=ord_1003" {
		t.Errorf("the last call to the API was %q, want after=ord_1003", api[len(api)-1].URI)
	}
}
