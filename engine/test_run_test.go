package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// testEngine is an engine without a store: all it can do is Test.
func testEngine(t *testing.T) (*Engine, *receivertest.Receiver) {
	t.Helper()
	e, err := New(Config{Sender: loopbackSender(t)})
	if err != nil {
		t.Fatal(err)
	}
	return e, receivertest.New(t)
}

func compile(t *testing.T, def string, vars map[string]any) *workflows.Compiled {
	t.Helper()
	w := decode(t, def)
	w.Vars = vars
	c, err := workflows.Compile(w)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return c
}

// TestTestRunInMemory: Test runs every step in memory; webhooks are shown, not sent,
// unless Send.
func TestTestRunInMemory(t *testing.T) {
	t.Parallel()
	e, recv := testEngine(t)
	recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.Path == "/orders/A-500" {
			return receivertest.Reply{Status: 500}
		}
		return receivertest.Reply{Body: `{"received":true}`}
	})
	c := compile(t, bigOrders, map[string]any{"recv": recv.URL})
	ctx := context.Background()

	t.Run("NotSent", func(t *testing.T) {
		ev := jsonEvent(`{"id":"A-1","amount":1500,"customer":"c"}`)
		rep := e.Test(ctx, c, &ev, TestOptions{})
		if rep.Status != store.StatusSucceeded || rep.Error != "" || len(rep.Steps) != 3 {
			t.Fatalf("report = %+v, want succeeded with 3 steps", rep)
		}
		for i, want := range []string{"big", "shape", "notify"} {
			if s := rep.Steps[i]; s.Step != want || s.Status != store.StepSucceeded {
				t.Errorf("step %d = %+v, want %s succeeded", i, s, want)
			}
		}
		jsonEqual(t, "transform output", rep.Steps[1].Output, `{"order":"A-1","total":15,"customer":"C"}`)
		for i, want := range []bool{false, true, false} {
			if got := rep.Steps[i].SetsPayload; got != want {
				t.Errorf("step %d sets_payload = %v, want %v", i, got, want)
			}
		}
		jsonEqual(t, "webhook input", rep.Steps[2].Input, `{"method":"POST","url":"`+recv.URL+`/orders/A-1",`+
			`"headers":{"x-source":"hookflow","x-total":"15"},"body":{"order":"A-1","total":15,"customer":"C"}}`)
		jsonEqual(t, "webhook output", rep.Steps[2].Output, `{"sent":false}`)
		if got := recv.Count(); got != 0 {
			t.Errorf("receiver got %d requests, want 0", got)
		}
	})

	t.Run("Sent", func(t *testing.T) {
		ev := jsonEvent(`{"id":"A-2","amount":1000,"customer":"c"}`)
		rep := e.Test(ctx, c, &ev, TestOptions{Send: true})
		if rep.Status != store.StatusSucceeded || len(rep.Steps) != 3 {
			t.Fatalf("report = %+v, want succeeded", rep)
		}
		if s := rep.Steps[2]; s.StatusCode != 200 {
			t.Errorf("webhook status code = %d, want 200", s.StatusCode)
		}
		out := mustJSON(t, rep.Steps[2].Output).(map[string]any)
		if out["status"] != 200.0 || out["body"].(map[string]any)["received"] != true {
			t.Errorf("webhook output = %s, want the receiver's answer", rep.Steps[2].Output)
		}
		hits := recv.On("/orders/A-2")
		if len(hits) != 1 {
			t.Fatalf("receiver got %d requests, want 1", len(hits))
		}
		jsonEqual(t, "sent body", hits[0].Body, `{"order":"A-2","total":10,"customer":"C"}`)
	})

	t.Run("Filtered", func(t *testing.T) {
		ev := jsonEvent(`{"id":"A-3","amount":5,"customer":"c"}`)
		rep := e.Test(ctx, c, &ev, TestOptions{Send: true})
		if rep.Status != store.StatusFiltered || len(rep.Steps) != 1 || rep.Steps[0].Status != store.StepFiltered {
			t.Errorf("report = %+v, want filtered at the first step", rep)
		}
	})

	t.Run("FailedExpr", func(t *testing.T) {
		ev := jsonEvent(`{"id":"A-4","amount":"lots","customer":"c"}`)
		rep := e.Test(ctx, c, &ev, TestOptions{})
		if rep.Status != store.StatusFailed || !strings.HasPrefix(rep.Error, "step big: ") || len(rep.Steps) != 1 || rep.Steps[0].Error == "" {
			t.Errorf("report = %+v, want failed at step big with its error", rep)
		}
	})

	t.Run("FailedSend", func(t *testing.T) {
		before := recv.Count()
		ev := jsonEvent(`{"id":"A-500","amount":1000,"customer":"c"}`)
		rep := e.Test(ctx, c, &ev, TestOptions{Send: true})
		if rep.Status != store.StatusFailed || !strings.Contains(rep.Error, "500") || rep.Steps[2].StatusCode != 500 {
			t.Errorf("report = %+v, want failed with the 500", rep)
		}
		if got := recv.Count() - before; got != 1 {
			t.Errorf("a test run sent %d times, want once (never retried)", got)
		}
	})

	t.Run("DelayDoesNotWait", func(t *testing.T) {
		c := compile(t, `{
  "format": "hookflow/v1", "name": "Later",
  "trigger": {"type": "manual"},
  "steps": [
    {"id": "wait", "type": "delay", "for": "24h"},
    {"id": "after", "type": "transform", "expr": "{until: steps.wait.until}"}
  ]
}`, nil)
		ev := jsonEvent(`{}`)
		rep := e.Test(ctx, c, &ev, TestOptions{})
		if rep.Status != store.StatusSucceeded || len(rep.Steps) != 2 || rep.Steps[0].Status != store.StepWaiting || rep.Steps[0].Until == "" {
			t.Errorf("report = %+v, want the delay shown as waiting and the run carried on", rep)
		}
	})
}

// TestWholeNumbers: JSON whole numbers are ints to expressions, so % works
// and ids past 2^53 stay exact through a transform.
func TestWholeNumbers(t *testing.T) {
	t.Parallel()
	e, _ := testEngine(t)
	c := compile(t, `{"format": "hookflow/v1", "name": "n", "trigger": {"type": "manual"}, "steps": [
		{"id": "even", "type": "filter", "expr": "payload.n % 2 == 0"},
		{"id": "shape", "type": "transform", "expr": "{id: payload.id, half: payload.n / 2, price: payload.price * 2}"}]}`, nil)
	ev := jsonEvent(`{"n": 4, "id": 9007199254740993, "price": 1.25}`)
	rep := e.Test(context.Background(), c, &ev, TestOptions{})
	if rep.Status != store.StatusSucceeded {
		t.Fatalf("report = %+v, want succeeded", rep)
	}
	if got := string(rep.Steps[1].Output); got != `{"half":2,"id":9007199254740993,"price":2.5}` {
		t.Errorf("transform output %s", got)
	}
	odd := jsonEvent(`{"n": 3}`)
	if rep := e.Test(context.Background(), c, &odd, TestOptions{}); rep.Status != store.StatusFiltered {
		t.Errorf("odd n: %s, want filtered", rep.Status)
	}
}
