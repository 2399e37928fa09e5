package triggers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/triggers"
	"github.com/hookflow/hookflow/workflows"
)

// TestWebhookBudget posts many large bodies at once to a server whose
// budget of bytes in flight holds three of them: every event is accepted
// in the end (a 503 says when to retry, and is retried), each is delivered
// once, and the budget's own counter never went over it.
func TestWebhookBudget(t *testing.T) {
	t.Parallel()
	const (
		events = 40
		size   = 64 << 10
	)
	b := setupBudget(t, 3*engine.RunCost(size+100), `{"type": "webhook"}`, size)
	e, s, url := b.eng, b.store, b.url

	var wg sync.WaitGroup
	retried := make([]int, events)
	for i := range events {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Appendf(nil, `{"n": %d, "pad": "%s"}`, i, strings.Repeat("x", size))
			for {
				resp, err := http.Post(url, "application/json", bytes.NewReader(body))
				if err != nil {
					t.Errorf("event %d: %v", i, err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusAccepted:
					return
				case http.StatusServiceUnavailable:
					if resp.Header.Get("Retry-After") == "" {
						t.Errorf("event %d: 503 without Retry-After", i)
						return
					}
					retried[i]++
				default:
					t.Errorf("event %d: status %d", i, resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// Every run ends, each delivered once; then every byte taken is back.
	budget := e.Budget()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		runs, err := s.RunList(context.Background(), store.RunListParams{WorkflowID: "big", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, r := range runs {
			if r.Status == store.StatusSucceeded {
				done++
			}
		}
		if len(runs) == events && done == events && budget.Used() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d runs, %d succeeded, %d bytes still taken; want %d, %d and 0", len(runs), done, budget.Used(), events, events)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.delivered) != events {
		t.Errorf("%d events delivered, want %d", len(b.delivered), events)
	}
	for id, n := range b.delivered {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
	if peak, max := budget.Peak(), budget.Max(); peak > max || peak == 0 {
		t.Errorf("the budget's peak is %d bytes of %d", peak, max)
	}
	t.Logf("peak %d of %d bytes; %v retries", budget.Peak(), budget.Max(), retried)
}

// TestWebhookBudgetSync: sync triggers whose requests wait for their runs
// do not hold the room those runs need: with a budget for one event,
// concurrent sync calls each get their run's answer, not a time-out.
func TestWebhookBudgetSync(t *testing.T) {
	t.Parallel()
	const size = 64 << 10
	b := setupBudget(t, engine.RunCost(size+100), `{"type": "webhook", "response": {"mode": "sync", "timeout": "30s"}}`, size)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Appendf(nil, `{"n": %d, "pad": "%s"}`, i, strings.Repeat("x", size))
			for {
				resp, err := http.Post(b.url, "application/json", bytes.NewReader(body))
				if err != nil {
					t.Errorf("event %d: %v", i, err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusServiceUnavailable {
					continue // no room within BudgetWait: retried
				}
				if resp.StatusCode != http.StatusOK {
					t.Errorf("event %d: status %d, want 200 (the run's answer)", i, resp.StatusCode)
				}
				return
			}
		}()
	}
	wg.Wait()
	if peak, max := b.eng.Budget().Peak(), b.eng.Budget().Max(); peak > max {
		t.Errorf("the budget's peak is %d bytes of %d", peak, max)
	}
}

// budgetBundle is a webhook receiver over a real engine and SQLite file,
// with a budget of bytes in flight, and a workflow that delivers each
// event to a local receiver.
type budgetBundle struct {
	eng   *engine.Engine
	store store.Store
	url   string

	mu        sync.Mutex
	delivered map[string]int // webhook-id -> deliveries
}

func setupBudget(t *testing.T, budget int64, trigger string, size int64) *budgetBundle {
	t.Helper()
	b := &budgetBundle{delivered: map[string]int{}}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		b.mu.Lock()
		if n >= size {
			b.delivered[r.Header.Get("webhook-id")]++
		}
		b.mu.Unlock()
	}))
	t.Cleanup(recv.Close)

	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "budget.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	egress, err := actions.ParseEgressAllow("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(engine.Config{
		Store: s, Sender: actions.NewSender(actions.Config{Egress: egress}),
		MaxInflightBytes: budget,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	h := triggers.NewWebhook(triggers.WebhookConfig{Engine: e})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Serve(w, r, strings.TrimPrefix(r.URL.Path, "/hooks/"))
	}))
	t.Cleanup(srv.Close)

	wf, err := workflows.Decode([]byte(`{"format": "hookflow/v1", "id": "big", "name": "big",
		"trigger": ` + trigger + `,
		"steps": [{"id": "send", "type": "webhook", "url": "` + recv.URL + `/in"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	saved, err := e.SaveWorkflow(context.Background(), wf)
	if err != nil {
		t.Fatal(err)
	}
	b.eng, b.store, b.url = e, s, srv.URL+"/hooks/"+saved.Workflow.HookKey
	return b
}
