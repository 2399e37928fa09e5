package engine

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
)

func init() {
	exampleCases["order-lines-to-erp"] = testOrderLinesToERP
	exampleCases["payment-paths"] = testPaymentPaths
}

// testOrderLinesToERP: each line of a paid order is posted to the ERP on
// its own; a line the ERP refuses does not stop the others, and the chat
// message counts the lines sent.
func testOrderLinesToERP(t *testing.T, x *example) {
	x.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if strings.Contains(string(h.Body), `"CAP-01"`) {
			return receivertest.Reply{Status: 422, Body: `{"error": "unknown sku"}`}
		}
		return receivertest.Reply{}
	})
	order := `{"id": 1, "name": "1042", "currency": "EUR", "line_items": [
	  {"sku": "MUG-BLUE", "title": "Blue mug", "quantity": 2, "price": "12.00"},
	  {"sku": "TEE-M", "title": "T-shirt, M", "quantity": 1, "price": "25.00"},
	  {"sku": "CAP-01", "title": "Cap", "quantity": 1, "price": "25.50"}]}`
	run := x.deliver(t, jsonEvent2(order, map[string]string{"x-shopify-webhook-id": "wh-1"}), false)
	if r := x.waitFinished(run.RunID); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	var lines []string
	for _, h := range x.recv.On("/erp/orders/1042/lines") {
		var m map[string]any
		_ = json.Unmarshal(h.Body, &m)
		if h.Header.Get("Authorization") != "Bearer erp-api-token" {
			t.Errorf("line sent with Authorization %q", h.Header.Get("Authorization"))
		}
		lines = append(lines, strings.Join([]string{m["sku"].(string), jsonString(m["line"]), jsonString(m["quantity"]), m["currency"].(string)}, " "))
	}
	sort.Strings(lines)
	if got := strings.Join(lines, ", "); got != "CAP-01 3 1 EUR, MUG-BLUE 1 2 EUR, TEE-M 2 1 EUR" {
		t.Errorf("lines sent: %s", got)
	}
	chat := x.recv.On("/chat")
	if len(chat) != 1 {
		t.Fatalf("%d chat messages", len(chat))
	}
	jsonEqual(t, "chat message", chat[0].Body, `{"text": "Order 1042: 2 of 3 lines sent to the ERP"}`)
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// testPaymentPaths: a big payment goes to a person, a small one to the
// books, a failed one nowhere.
func testPaymentPaths(t *testing.T, x *example) {
	big := x.deliver(t, jsonEvent2(`{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1", "amount": 250000, "currency": "usd", "receipt_email": "bo@example.com"}}}`, nil), false)
	small := x.deliver(t, jsonEvent2(`{"id": "evt_2", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_2", "amount": 1250, "currency": "eur"}}}`, nil), false)
	failed := x.deliver(t, jsonEvent2(`{"id": "evt_3", "type": "payment_intent.payment_failed", "data": {"object": {"id": "pi_3", "amount": 900000, "currency": "usd"}}}`, nil), false)
	for _, id := range []string{big.RunID, small.RunID} {
		if r := x.waitFinished(id); r.Status != store.StatusSucceeded {
			t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
		}
	}
	if r := x.waitFinished(failed.RunID); r.Status != store.StatusFiltered {
		t.Errorf("failed payment's run = %s, want filtered", r.Status)
	}
	alerts, books := x.recv.On("/slack_webhook"), x.recv.On("/books/entries")
	if len(alerts) != 1 || len(books) != 1 {
		t.Fatalf("%d alerts, %d book entries; want 1 each", len(alerts), len(books))
	}
	jsonEqual(t, "alert", alerts[0].Body, `{"text": "Big payment: bo@example.com paid 2500.00 USD; please check it"}`)
	jsonEqual(t, "book entry", books[0].Body, `{"reference": "pi_2", "amount": 12.5, "currency": "EUR"}`)
	if got := x.resultsOf(big.RunID, "route.big.alert"); len(got) != 1 {
		t.Errorf("route.big.alert records = %d", len(got))
	}
}
