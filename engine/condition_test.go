package engine

import (
	"testing"

	"github.com/hookflow/hookflow/store"
)

// TestRunSaysWhyItStopped: a run a match filters out records the rule
// that failed and the value it saw; a step whose when is false records
// which rule was false.
func TestRunSaysWhyItStopped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "why", "name": "Why",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "note", "type": "transform", "when": {"field": "payload.vip", "op": "is_true"}, "expr": "payload"},
    {"id": "big", "type": "filter", "match": {"all": [
      {"field": "payload.type", "op": "eq", "value": "payment.succeeded"},
      {"field": "payload.data.amount", "op": "gt", "value": 10000}]}},
    {"id": "send", "type": "webhook", "url": "{{ vars.recv }}/big"}
  ]
}`)
	run := b.accept(wf, `{"type": "payment.succeeded", "vip": false, "data": {"amount": 5000}}`)
	if r := b.waitFinished(run); r.Status != store.StatusFiltered {
		t.Fatalf("run = %s, want filtered", r.Status)
	}
	note := b.resultsOf(run, "note")
	if len(note) != 1 || note[0].Status != store.StepSkipped {
		t.Fatalf("note = %+v, want skipped", note)
	}
	jsonEqual(t, "note's record", note[0].Output, `{"skipped": "payload.vip is_true: was false"}`)
	big := b.resultsOf(run, "big")
	if len(big) != 1 || big[0].Status != store.StepFiltered || big[0].Error != "payload.data.amount gt 10000: was 5000" {
		t.Errorf("big = %+v, want filtered saying why", big)
	}

	run = b.accept(wf, `{"type": "payment.succeeded", "vip": true, "data": {"amount": "12000"}}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	if n := b.recv.Count(); n != 1 {
		t.Errorf("receiver got %d requests, want 1", n)
	}
}

// TestNoCodePaymentToChat: the workflow a new user builds without an
// expression (rules, a field mapping with a formatter) delivers the
// message a chat's incoming webhook takes, and filters out the rest.
func TestNoCodePaymentToChat(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "payment-to-chat", "name": "Payments to chat",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "big_payments", "type": "filter", "match": {"all": [
      {"field": "payload.type", "op": "eq", "value": "payment.succeeded"},
      {"field": "payload.data.amount", "op": "gt", "value": 10000}]}},
    {"id": "post", "type": "webhook", "url": "{{ vars.recv }}/chat",
     "body": {"text": "{{ payload.data.customer.name }} paid {{ formatMoney(payload.data.amount / 100, payload.data.currency) }}"}}
  ]
}`)
	paid := b.accept(wf, `{"type": "payment.succeeded", "data": {"amount": 12000, "currency": "usd", "customer": {"name": "Ann"}}}`)
	small := b.accept(wf, `{"type": "payment.succeeded", "data": {"amount": 900, "currency": "usd", "customer": {"name": "Bo"}}}`)
	if r := b.waitFinished(paid); r.Status != store.StatusSucceeded {
		t.Fatalf("paid run = %s (%q)", r.Status, r.Error)
	}
	if r := b.waitFinished(small); r.Status != store.StatusFiltered {
		t.Fatalf("small run = %s, want filtered", r.Status)
	}
	hits := b.recv.Hits()
	if len(hits) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(hits))
	}
	jsonEqual(t, "message", hits[0].Body, `{"text": "Ann paid 120.00 USD"}`)
}
