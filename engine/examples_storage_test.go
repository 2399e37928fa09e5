package engine

import (
	"strings"
	"testing"

	"github.com/hookflow/hookflow/store"
)

func init() {
	exampleCases["lead-dedupe"] = testLeadDedupe
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
