package engine

import (
	"strconv"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/store"
)

func init() {
	exampleCases["lead-dedupe"] = testLeadDedupe
	exampleCases["orders-per-customer"] = testOrdersPerCustomer
	exampleSecrets["lead_form_key"] = "lead-form-key-123"
}

// testLeadDedupe: a new lead reaches the CRM; the same address again, in
// other case, is stopped as a duplicate; another lead goes through, and a
// submission without a valid address is filtered before the dedupe.
func testLeadDedupe(t *testing.T, x *example) {
	lead := func(body string) store.Run {
		t.Helper()
		run := x.deliver(t, jsonEvent2(body, map[string]string{"x-form-key": x.secret("lead_form_key")}), false)
		return x.waitFinished(run.RunID)
	}
	if r := lead(`{"email": " Grace.Hopper@Example.com", "first_name": "Grace", "last_name": "Hopper", "company": "Navy Labs"}`); r.Status != store.StatusSucceeded {
		t.Fatalf("first lead = %s (%q), want succeeded", r.Status, r.Error)
	}
	r := lead(`{"email": "grace.hopper@example.com", "first_name": "Grace"}`)
	if r.Status != store.StatusFiltered {
		t.Fatalf("repeat = %s (%q), want filtered", r.Status, r.Error)
	}
	if once := x.resultsOf(r.ID, "once"); len(once) != 1 || !strings.HasPrefix(once[0].Error, "duplicate: ") {
		t.Errorf("repeat's dedupe step = %+v, want a duplicate", once)
	}
	if r := lead(`{"email": "ada@example.com", "first_name": "Ada", "source": "webinar"}`); r.Status != store.StatusSucceeded {
		t.Fatalf("another lead = %s (%q), want succeeded", r.Status, r.Error)
	}
	if r := lead(`{"email": "not an address"}`); r.Status != store.StatusFiltered || len(x.resultsOf(r.ID, "once")) != 0 {
		t.Errorf("bad address = %s, want filtered before the dedupe step", r.Status)
	}
	hits := x.recv.On("/crm/contacts")
	if len(hits) != 2 {
		t.Fatalf("the CRM got %d contacts, want 2", len(hits))
	}
	jsonEqual(t, "first contact", hits[0].Body, `{"properties": {"email": "grace.hopper@example.com", "firstname": "Grace", "lastname": "Hopper", "company": "Navy Labs", "lead_source": "lead-form"}}`)
	jsonEqual(t, "second contact", hits[1].Body, `{"properties": {"email": "ada@example.com", "firstname": "Ada", "lastname": "", "company": "", "lead_source": "webinar"}}`)
	if got := hits[0].Header.Get("Authorization"); got != "Bearer crm-api-token" {
		t.Errorf("Authorization %q", got)
	}
}

// testOrdersPerCustomer: paid orders are counted per customer, the chat
// hearing which order of theirs each is; an unpaid one is not counted.
func testOrdersPerCustomer(t *testing.T, x *example) {
	order := func(hook, name string, customer int, status string) store.Run {
		t.Helper()
		body := `{"name": "` + name + `", "financial_status": "` + status + `", "currency": "EUR", "total_price": "59.90",
		  "customer": {"id": ` + strconv.Itoa(customer) + `, "first_name": "ann", "last_name": "lee"}}`
		run := x.deliver(t, jsonEvent2(body, map[string]string{"x-shopify-webhook-id": hook, "x-shopify-topic": "orders/paid"}), false)
		return x.waitFinished(run.RunID)
	}
	for i, o := range []struct {
		name     string
		customer int
		status   string
		want     string
	}{
		{"#1001", 7, "paid", store.StatusSucceeded},
		{"#1002", 8, "paid", store.StatusSucceeded},
		{"#1003", 7, "pending", store.StatusFiltered},
		{"#1004", 7, "paid", store.StatusSucceeded},
	} {
		if r := order("wh-"+strconv.Itoa(i), o.name, o.customer, o.status); r.Status != o.want {
			t.Fatalf("order %s = %s (%q), want %s", o.name, r.Status, r.Error, o.want)
		}
	}
	chat := x.recv.On("/chat_webhook")
	if len(chat) != 3 {
		t.Fatalf("%d chat messages, want 3", len(chat))
	}
	jsonEqual(t, "first", chat[0].Body, `{"text": "Ann Lee placed their first order, #1001 (59.90 EUR)"}`)
	jsonEqual(t, "other customer", chat[1].Body, `{"text": "Ann Lee placed their first order, #1002 (59.90 EUR)"}`)
	jsonEqual(t, "second", chat[2].Body, `{"text": "Ann Lee placed their order number 2 this year, #1004 (59.90 EUR)"}`)
}
