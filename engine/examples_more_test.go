package engine

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
	"github.com/hookflow/hookflow/workflows/examples"
)

func jsonEvent2(body string, headers map[string]string) store.Event {
	h := map[string]string{"content-type": "application/json"}
	for k, v := range headers {
		h[k] = v
	}
	return store.Event{Source: "webhook", Method: "POST", Body: []byte(body), Headers: h}
}

func testPaymentToSlack(t *testing.T, x *example) {
	paid := x.deliver(t, jsonEvent2(`{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"amount": 12000, "currency": "usd", "receipt_email": "ann@example.com", "metadata": {"customer_name": "Ann Lee"}}}}`, nil), false)
	noName := x.deliver(t, jsonEvent2(`{"id": "evt_2", "type": "payment_intent.succeeded", "data": {"object": {"amount": 250000, "currency": "jpy", "receipt_email": "bo@example.com", "metadata": {}}}}`, nil), false)
	small := x.deliver(t, jsonEvent2(`{"id": "evt_3", "type": "payment_intent.succeeded", "data": {"object": {"amount": 900, "currency": "usd"}}}`, nil), false)
	failed := x.deliver(t, jsonEvent2(`{"id": "evt_4", "type": "payment_intent.payment_failed", "data": {"object": {"amount": 90000, "currency": "usd"}}}`, nil), false)
	for _, id := range []string{paid.RunID, noName.RunID} {
		if r := x.waitFinished(id); r.Status != store.StatusSucceeded {
			t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
		}
	}
	for _, id := range []string{small.RunID, failed.RunID} {
		if r := x.waitFinished(id); r.Status != store.StatusFiltered {
			t.Errorf("run = %s (%q), want filtered", r.Status, r.Error)
		}
	}
	var texts []string
	for _, h := range x.recv.On("/slack_webhook") {
		var m map[string]string
		_ = json.Unmarshal(h.Body, &m)
		texts = append(texts, m["text"])
	}
	if len(texts) != 2 || !contains(texts, "Ann Lee paid 120.00 USD") || !contains(texts, "bo@example.com paid 2500 JPY") {
		t.Errorf("messages = %q", texts)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func testNightlyReport(t *testing.T, x *example) {
	x.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.Path == "/report_api/daily" {
			return receivertest.Reply{Body: `{"date": "2026-05-01", "orders": 42, "revenue": 1234.5, "currency": "eur"}`}
		}
		return receivertest.Reply{}
	})
	ev := jsonEvent2(`{"scheduled_at": "2026-04-30T23:30:00Z", "schedule": "0 7 * * *", "timezone": "Europe/Berlin"}`, nil)
	ev.Source = "cron"
	run := x.deliver(t, ev, false)
	if r := x.waitFinished(run.RunID); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	report := x.recv.On("/report_api/daily")
	if len(report) != 1 || report[0].URI != "/report_api/daily?date=2026-05-01" || report[0].Header.Get("Authorization") != "Bearer "+x.secret("report_token") {
		t.Fatalf("report requests = %+v", report)
	}
	post := x.recv.On("/chat_webhook")
	if len(post) != 1 {
		t.Fatalf("%d chat posts, want 1", len(post))
	}
	jsonEqual(t, "chat message", post[0].Body, `{"text": "Sales on 2026-05-01: 42 orders, 1234.50 EUR"}`)
}

func testUptimeCheck(t *testing.T, x *example) {
	ev := jsonEvent2(`{"scheduled_at": "2026-05-01T12:05:00Z"}`, nil)
	ev.Source = "cron"
	run := x.deliver(t, ev, false)
	if r := x.waitFinished(run.RunID); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	if hits := x.recv.On("/site/healthz"); len(hits) != 1 || hits[0].Method != "GET" {
		t.Errorf("health checks = %+v, want one GET /site/healthz", hits)
	}
}

func testOrderToAirtable(t *testing.T, x *example) {
	headers := map[string]string{"x-shopify-webhook-id": "b54557e4", "x-shopify-topic": "orders/create"}
	order := `{"name": "#1001", "email": "ann@example.com", "financial_status": "%s", "currency": "EUR", "total_price": "59.90",
	  "customer": {"first_name": "ann", "last_name": "LEE"}, "line_items": [{"sku": "A"}, {"sku": "B"}]}`
	paid := x.deliver(t, jsonEvent2(fmt.Sprintf(order, "paid"), headers), false)
	headers2 := map[string]string{"x-shopify-webhook-id": "c1", "x-shopify-topic": "orders/create"}
	pending := x.deliver(t, jsonEvent2(fmt.Sprintf(order, "pending"), headers2), false)
	if r := x.waitFinished(paid.RunID); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	if r := x.waitFinished(pending.RunID); r.Status != store.StatusFiltered {
		t.Errorf("pending run = %s, want filtered", r.Status)
	}
	rows := x.recv.On("/airtable_api/appXXXXXXXXXXXXXX/Orders")
	if len(rows) != 1 || rows[0].Header.Get("Authorization") != "Bearer "+x.secret("airtable_token") {
		t.Fatalf("rows = %+v", rows)
	}
	jsonEqual(t, "row", rows[0].Body, `{"fields": {"Order": "#1001", "Email": "ann@example.com", "Total": "59.90", "Currency": "EUR",
	  "Items": 2, "Customer": "Ann Lee"}, "typecast": true}`)
}

func testSlackCommand(t *testing.T, x *example) {
	x.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		return receivertest.Reply{Body: `{"id": "1001", "status": "shipped", "total": 59.9, "currency": "eur"}`}
	})
	form := url.Values{"command": {"/order"}, "text": {" 1001 "}, "user_name": {"ann"}}
	ev := store.Event{Source: "webhook", Method: "POST", Body: []byte(form.Encode()),
		Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}}
	run := x.deliver(t, ev, true)
	resp, err := x.engine.AwaitResponse(x.ctx, run.RunID, waitFor)
	if err != nil {
		t.Fatalf("AwaitResponse: %v", err)
	}
	body, _ := json.Marshal(resp.Body)
	if resp.Status != 200 {
		t.Errorf("status %d", resp.Status)
	}
	jsonEqual(t, "answer", body, `{"response_type": "ephemeral", "text": "Order 1001 is shipped (59.90 EUR)"}`)
	if hits := x.recv.On("/orders_api/orders/1001"); len(hits) != 1 {
		t.Errorf("lookups = %+v", x.recv.Hits())
	}
}

// TestTemplatesWithTheirSamples: every template the editor offers comes
// with a sample a new workflow made from it goes through: the sample reads
// as a payload, and the steps before the first call out run on it without
// failing or filtering it out.
func TestTemplatesWithTheirSamples(t *testing.T) {
	t.Parallel()
	ts, err := examples.Templates()
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) < 8 {
		t.Fatalf("%d templates, want at least 8", len(ts))
	}
	b := setup(t)
	for _, tpl := range ts {
		w, err := workflows.Decode(tpl.Definition)
		if err != nil {
			t.Fatalf("%s: %v", tpl.ID, err)
		}
		c, err := workflows.Compile(w)
		if err != nil {
			t.Fatalf("%s: %v", tpl.ID, err)
		}
		body := []byte(tpl.Sample.Body)
		var text string
		if json.Unmarshal(body, &text) == nil {
			body = []byte(text)
		}
		ev := store.Event{Source: "webhook", Method: tpl.Sample.Method, Headers: tpl.Sample.Headers, Query: tpl.Sample.Query, Body: body}
		if p := DecodePayload(&ev); p.BadJSON || p.Value == nil {
			t.Errorf("%s: the sample's body does not read: %v", tpl.ID, p.Err)
			continue
		}
		rep := b.engine.Test(b.ctx, c, &ev, TestOptions{})
		for i, s := range rep.Steps {
			if _, outbound := c.Steps[min(i, len(c.Steps)-1)].Program.(kinds.Outbound); outbound {
				break
			}
			if s.Status != store.StepSucceeded && s.Status != store.StepSkipped {
				t.Errorf("%s: on its sample, step %s is %s (%s)", tpl.ID, s.Step, s.Status, s.Error)
			}
		}
	}
}
