package triggers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
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

	retried := postAll(t, url, events, size)
	if t.Failed() {
		return
	}

	b.waitDelivered(t, s, events)
	budget := e.Budget()
	if peak, max := budget.Peak(), budget.Max(); peak > max || peak == 0 {
		t.Errorf("the budget's peak is %d bytes of %d", peak, max)
	}
	t.Logf("peak %d of %d bytes; %v retries", budget.Peak(), budget.Max(), retried)
}

// TestWebhookReadBudget posts many bodies of several parts at once to a
// server whose bodies being read may hold about two of them: every event
// is accepted in the end and delivered once, and the bytes of bodies
// being read were counted, never over their bound.
func TestWebhookReadBudget(t *testing.T) {
	t.Parallel()
	const (
		events = 24
		size   = 300 << 10
	)
	b := setupBudget(t, 4*engine.RunCost(size), `{"type": "webhook"}`, size)
	retried := postAll(t, b.url, events, size)
	if t.Failed() {
		return
	}
	b.waitDelivered(t, b.store, events)
	reads := b.eng.ReadBudget()
	if peak, max := reads.Peak(), reads.Max(); peak > max || peak < size-64<<10 {
		t.Errorf("the peak of bodies being read is %d bytes of %d, want at least one body's past its first part", peak, max)
	}
	if used := reads.Used(); used != 0 {
		t.Errorf("%d bytes of bodies still held", used)
	}
	t.Logf("read peak %d of %d bytes; %v retries", reads.Peak(), reads.Max(), retried)
}

// TestSmallWebhookWhileLargeBodiesWait: senders of large bodies that stop
// short of their end hold the room for bodies being read; a small webhook
// is still accepted at once, a large one gets 503 with Retry-After, and is
// accepted once those senders are gone.
func TestSmallWebhookWhileLargeBodiesWait(t *testing.T) {
	t.Parallel()
	const part = 64 << 10
	b := setupBudget(t, 128*part, `{"type": "webhook"}`, 0)
	reads := b.eng.ReadBudget() // 16 parts
	u, err := url.Parse(b.url)
	if err != nil {
		t.Fatal(err)
	}
	// Each sends its first part and three more, all but the last byte of
	// its body: five hold fifteen parts, and leave the sixth no room for
	// one more while the first of them could not then finish.
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 6 {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", u.Path, u.Host, 4*part+1)
		go c.Write(bytes.Repeat([]byte(" "), 4*part))
	}
	for deadline := time.Now().Add(time.Minute); reads.Used() < 15*part; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the slow senders hold %d bytes, want %d", reads.Used(), 15*part)
		}
	}

	if code, _ := post(t, b.url, []byte(`{"small": true}`)); code != http.StatusAccepted {
		t.Errorf("a small webhook while large bodies wait: %d, want 202", code)
	}
	large := fmt.Appendf(nil, `{"pad": "%s"}`, strings.Repeat("x", 2*part))
	if code, retry := post(t, b.url, large); code != http.StatusServiceUnavailable || retry == "" {
		t.Errorf("a large webhook while large bodies wait: %d with Retry-After %q, want 503 with one", code, retry)
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	for deadline := time.Now().Add(time.Minute); reads.Used() > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes held once the slow senders left", reads.Used())
		}
	}
	if code, _ := post(t, b.url, large); code != http.StatusAccepted {
		t.Errorf("a large webhook once the slow senders left: %d, want 202", code)
	}
	if peak, max := reads.Peak(), reads.Max(); peak > max {
		t.Errorf("the peak of bodies being read is %d bytes of %d", peak, max)
	}
}

// post sends body and returns the answer's status and Retry-After.
func post(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// postAll posts events bodies of about size bytes at once, each until it
// is accepted (a 503 says when to retry, and is retried), and returns how
// many times each was retried.
func postAll(t *testing.T, url string, events, size int) []int {
	t.Helper()
	var wg sync.WaitGroup
	retried := make([]int, events)
	for i := range events {
		wg.Go(func() {
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
		})
	}
	wg.Wait()
	return retried
}

// waitDelivered waits until the workflow's events runs have all
// succeeded, each delivered, and every byte of the budget is back.
func (b *budgetBundle) waitDelivered(t *testing.T, s store.Store, events int) {
	t.Helper()
	budget := b.eng.Budget()
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
