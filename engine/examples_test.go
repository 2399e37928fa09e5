package engine

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/internal/smtptest"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// exampleCases drives each example in workflows/examples with realistic
// events; every example needs one.
var exampleCases = map[string]func(t *testing.T, x *example){
	"github-push-to-chat":      testGitHubPushToChat,
	"paid-order-to-fulfilment": testPaidOrderToFulfilment,
	"form-to-crm":              testFormToCRM,
	"payment-to-slack":         testPaymentToSlack,
	"nightly-report":           testNightlyReport,
	"uptime-check":             testUptimeCheck,
	"order-to-airtable":        testOrderToAirtable,
	"slack-command":            testSlackCommand,
	"refund-approval":          testRefundApproval,
}

// exampleSecrets are the named secrets the examples read as secrets.NAME.
var exampleSecrets = map[string]any{
	"github":             "gh-webhook-secret",
	"stripe":             "whsec_stripe_endpoint_secret",
	"fulfilment_signing": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	"crm_token":          "crm-api-token",
	"helpdesk_token":     "helpdesk-api-token",
	"form_key":           "form-key-123",
	"report_token":       "report-api-token",
	"airtable_token":     "airtable-api-token",
	"shopify":            "shopify-app-secret",
	"slack_signing":      "slack-signing-secret",
	"refund_key":         "refund-key-123",
	"payments_token":     "payments-api-token",
	"erp_token":          "erp-api-token",
	"books_token":        "books-api-token",
	"rabbitmq":           amqpURL,
}

// example is one example workflow saved in a test bundle, its outbound
// URLs pointing at the bundle's receiver.
type example struct {
	*bundle
	w        *workflows.Workflow
	compiled *workflows.Compiled
	wf       store.Workflow
	// mail is the SMTP server its email steps send to (nil: none).
	mail *smtptest.Server
}

// TestExamples checks every example file: it is valid, written as Encode
// writes it, sends only to URLs from its vars, and does what it says with a
// realistic event.
func TestExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../workflows/examples/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 8 {
		t.Fatalf("%d examples in workflows/examples, want at least 8", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			w, err := workflows.Decode(raw)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if err := workflows.Validate(w); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if enc, _ := workflows.Encode(w); !bytes.Equal(enc, raw) {
				t.Errorf("%s is not in the form workflows.Encode writes; it would be:\n%s", file, enc)
			}
			if w.ID != name {
				t.Errorf("id %q, want the file's name %q", w.ID, name)
			}
			run, ok := exampleCases[name]
			if !ok {
				t.Fatalf("no test case for example %s: add one to exampleCases", name)
			}

			mail, secrets := exampleMail(t, w)
			b := setup(t, withConfig(func(c *Config) {
				c.Secrets = func(context.Context) (map[string]any, error) { return secrets, nil }
			}))
			for i, s := range w.Steps {
				wh, ok := s.Settings.(*kinds.Webhook)
				if !ok {
					continue
				}
				v, _ := strings.CutPrefix(wh.URL, "{{ vars.")
				v, _, _ = strings.Cut(v, " }}")
				if _, ok := w.Vars[v]; !ok || !strings.HasSuffix(v, "_url") || !strings.HasPrefix(wh.URL, "{{ vars.") {
					t.Fatalf("steps[%d].url %q: outbound URLs must start with a vars.*_url value", i, wh.URL)
				}
			}
			for i, s := range w.Steps {
				if a, ok := s.Settings.(*kinds.AppStep); ok {
					if where := appAddress(a); !strings.HasPrefix(where, `"{{ vars.`) || !strings.HasSuffix(where, `_url }}"`) {
						t.Fatalf("steps[%d]: the app's address is %s: it must be a vars.*_url value", i, where)
					}
				}
			}
			for k := range w.Vars {
				if strings.HasSuffix(k, "_url") {
					w.Vars[k] = b.recv.URL + "/" + strings.TrimSuffix(k, "_url")
				}
			}
			res, err := b.engine.SaveWorkflow(b.ctx, w)
			if err != nil {
				t.Fatalf("SaveWorkflow: %v", err)
			}
			c, err := workflows.Compile(w)
			if err != nil {
				t.Fatal(err)
			}
			run(t, &example{bundle: b, w: w, compiled: c, wf: res.Workflow, mail: mail})
		})
	}
}

// deliver accepts an event the way the webhook trigger does (its
// idempotency key computed from the trigger's expression).
func (x *example) deliver(t *testing.T, ev store.Event, sync bool) store.AcceptResult {
	t.Helper()
	if wt, ok := x.compiled.Trigger.(*kinds.WebhookTrigger); ok && wt.Idempotency != nil {
		env := workflows.Env{Payload: ParsePayload(&ev), Trigger: TriggerInfo(&ev), Vars: x.w.Vars}
		k, err := workflows.Eval(wt.Idempotency, &env)
		if err != nil {
			t.Fatalf("idempotency key: %v", err)
		}
		ev.IdempotencyKey = workflows.Stringify(k)
	}
	res, err := x.engine.Accept(x.ctx, AcceptParams{WorkflowID: x.wf.ID, Revision: x.wf.Revision, Event: ev, Sync: sync})
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	return res
}

// secret reads a named secret, or a var where the example keeps the value
// there (the thank-you page).
func (x *example) secret(name string) string {
	if v, ok := exampleSecrets[name]; ok {
		return v.(string)
	}
	return x.w.Vars[name].(string)
}

func hmacHex(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

const githubPush = `{
  "ref": "refs/heads/%s",
  "before": "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
  "after": "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
  "repository": {"id": 812345678, "name": "hookflow", "full_name": "hookflow/hookflow",
    "private": false, "html_url": "https://github.com/hookflow/hookflow", "default_branch": "main"},
  "pusher": {"name": "octocat", "email": "octocat@github.com"},
  "sender": {"login": "octocat", "id": 583231, "type": "User"},
  "created": false, "deleted": false, "forced": false, "base_ref": null,
  "compare": "https://github.com/hookflow/hookflow/compare/1a2b3c4d5e6f...9f8e7d6c5b4a",
  "commits": [
    {"id": "5e4d3c2b1a0987654321fedcba9876543210abcd", "tree_id": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
     "distinct": true, "message": "Retry webhooks with backoff\n\nHonour Retry-After on 429 and 503.",
     "timestamp": "2026-11-22T10:04:05+01:00",
     "url": "https://github.com/hookflow/hookflow/commit/5e4d3c2b1a0987654321fedcba9876543210abcd",
     "author": {"name": "Mona Lisa", "email": "mona@example.com", "username": "mona"},
     "committer": {"name": "Mona Lisa", "email": "mona@example.com", "username": "mona"},
     "added": [], "removed": [], "modified": ["engine/step_webhook.go"]},
    {"id": "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", "tree_id": "b2c3d4e5f60718293a4b5c6d7e8f901234567890",
     "distinct": true, "message": "Fix typo in README",
     "timestamp": "2026-11-22T10:06:00+01:00",
     "url": "https://github.com/hookflow/hookflow/commit/9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
     "author": {"name": "Octo Cat", "email": "octocat@github.com", "username": "octocat"},
     "committer": {"name": "GitHub", "email": "noreply@github.com", "username": "web-flow"},
     "added": [], "removed": [], "modified": ["README.md"]}
  ],
  "head_commit": {"id": "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", "message": "Fix typo in README"}
}`

func testGitHubPushToChat(t *testing.T, x *example) {
	secret := x.secret("github")
	event := func(kind, delivery, body string) store.Event {
		return store.Event{Source: "webhook", Method: "POST", Body: []byte(body), Headers: map[string]string{
			"content-type":                           "application/json",
			"user-agent":                             "GitHub-Hookshot/4c2d8e1",
			"x-github-event":                         kind,
			"x-github-delivery":                      delivery,
			"x-github-hook-id":                       "512345678",
			"x-hub-signature-256":                    "sha256=" + hmacHex(secret, body),
			"x-github-hook-installation-target-type": "repository",
		}}
	}

	push := fmt.Sprintf(githubPush, "main")
	first := x.deliver(t, event("push", "72d3162e-cc78-11e3-81ab-4c9367dc0958", push), false)
	if r := x.waitFinished(first.RunID); r.Status != store.StatusSucceeded {
		t.Fatalf("push run = %s (%q), want succeeded", r.Status, r.Error)
	}
	// GitHub redelivers with the same delivery id: nothing new starts.
	again := x.deliver(t, event("push", "72d3162e-cc78-11e3-81ab-4c9367dc0958", push), false)
	if !again.Duplicate || again.RunID != first.RunID {
		t.Errorf("redelivery = %+v, want a duplicate of %s", again, first.RunID)
	}
	// Not a push, or not to the default branch: filtered.
	ping := x.deliver(t, event("ping", "8e1f4d3a-cc78-11e3-81ab-4c9367dc0958", `{"zen":"Keep it logically awesome.","hook_id":512345678}`), false)
	branch := x.deliver(t, event("push", "9a0b1c2d-cc78-11e3-81ab-4c9367dc0958", fmt.Sprintf(githubPush, "feature/retry")), false)
	for _, id := range []string{ping.RunID, branch.RunID} {
		if r := x.waitFinished(id); r.Status != store.StatusFiltered {
			t.Errorf("run = %s (%q), want filtered", r.Status, r.Error)
		}
	}

	hits := x.recv.Hits()
	if len(hits) != 1 || hits[0].Path != "/chat_webhook" {
		t.Fatalf("receiver got %d requests (%v), want one to /chat_webhook", len(hits), hits)
	}
	jsonEqual(t, "chat message", hits[0].Body, `{
  "text": "octocat pushed 2 commits to <https://github.com/hookflow/hookflow/compare/1a2b3c4d5e6f...9f8e7d6c5b4a|hookflow/hookflow@main>",
  "attachments": [{
    "color": "#24292f",
    "text": "<https://github.com/hookflow/hookflow/commit/5e4d3c2b1a0987654321fedcba9876543210abcd|`+"`5e4d3c2`"+`> Retry webhooks with backoff (Mona Lisa)\n<https://github.com/hookflow/hookflow/commit/9f8e7d6c5b4a39281706f5e4d3c2b1a098765432|`+"`9f8e7d6`"+`> Fix typo in README (Octo Cat)"
  }],
  "unfurl_links": false
}`)
}

const stripeCheckout = `{
  "id": "%s",
  "object": "event",
  "api_version": "2024-06-20",
  "created": 1763805600,
  "livemode": false,
  "pending_webhooks": 1,
  "request": {"id": null, "idempotency_key": null},
  "type": "checkout.session.completed",
  "data": {
    "object": {
      "id": "cs_test_a1B2c3D4e5F6g7H8",
      "object": "checkout.session",
      "amount_subtotal": 12900,
      "amount_total": %d,
      "client_reference_id": "A-1001",
      "currency": "eur",
      "customer": "cus_QbC2dEfGhIjK",
      "customer_details": {"email": "jane@example.com", "name": "Jane Doe", "phone": null,
        "address": {"city": "Berlin", "country": "DE", "line1": "Friedrichstraße 1", "line2": null, "postal_code": "10117", "state": null}},
      "metadata": {"skus": "TSHIRT-M,MUG-01"},
      "mode": "payment",
      "payment_intent": "pi_3QbC2dEfGhIjKlMn0aBcDeFg",
      "payment_status": "%s",
      "shipping_details": {"name": "Jane Doe",
        "address": {"city": "Berlin", "country": "DE", "line1": "Friedrichstraße 1", "line2": null, "postal_code": "10117", "state": null}},
      "status": "complete"
    }
  }
}`

func testPaidOrderToFulfilment(t *testing.T, x *example) {
	secret := x.secret("stripe")
	event := func(body string) store.Event {
		ts := fmt.Sprint(time.Now().Unix())
		return store.Event{Source: "webhook", Method: "POST", Body: []byte(body), Headers: map[string]string{
			"content-type":     "application/json; charset=utf-8",
			"user-agent":       "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
			"stripe-signature": "t=" + ts + ",v1=" + hmacHex(secret, ts+"."+body),
		}}
	}

	paid := x.deliver(t, event(fmt.Sprintf(stripeCheckout, "evt_1QbC2dEfGhIjKlMn", 12900, "paid")), false)
	if r := x.waitFinished(paid.RunID); r.Status != store.StatusSucceeded {
		t.Fatalf("paid run = %s (%q), want succeeded", r.Status, r.Error)
	}
	// Stripe retries an event with the same id: nothing new starts.
	if again := x.deliver(t, event(fmt.Sprintf(stripeCheckout, "evt_1QbC2dEfGhIjKlMn", 12900, "paid")), false); !again.Duplicate {
		t.Errorf("redelivery = %+v, want a duplicate", again)
	}
	unpaid := x.deliver(t, event(fmt.Sprintf(stripeCheckout, "evt_2RcD3eFgHiJkLmNo", 12900, "unpaid")), false)
	small := x.deliver(t, event(fmt.Sprintf(stripeCheckout, "evt_3SdE4fGhIjKlMnOp", 50, "paid")), false)
	for _, id := range []string{unpaid.RunID, small.RunID} {
		if r := x.waitFinished(id); r.Status != store.StatusFiltered {
			t.Errorf("run = %s (%q), want filtered", r.Status, r.Error)
		}
	}

	hits := x.recv.Hits()
	if len(hits) != 1 || hits[0].Path != "/fulfilment/orders/A-1001" {
		t.Fatalf("receiver got %d requests (%v), want one to /fulfilment/orders/A-1001", len(hits), hits)
	}
	h := hits[0]
	jsonEqual(t, "fulfilment order", h.Body, `{
  "order_id": "A-1001",
  "checkout_session": "cs_test_a1B2c3D4e5F6g7H8",
  "total": 129,
  "currency": "EUR",
  "customer": {"name": "Jane Doe", "email": "jane@example.com"},
  "ship_to": {"city": "Berlin", "country": "DE", "line1": "Friedrichstraße 1", "line2": null, "postal_code": "10117", "state": null},
  "skus": ["TSHIRT-M", "MUG-01"]
}`)
	for name, want := range map[string]string{"Idempotency-Key": "cs_test_a1B2c3D4e5F6g7H8", "X-Source": "hookflow", "Content-Type": "application/json"} {
		if got := h.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if err := actions.Verify(x.secret("fulfilment_signing"), h.Header, h.Body, time.Now(), 0); err != nil {
		t.Errorf("fulfilment request signature: %v", err)
	}
}

func testFormToCRM(t *testing.T, x *example) {
	form := func(v url.Values) store.Event {
		return store.Event{Source: "webhook", Method: "POST", Body: []byte(v.Encode()),
			Query: "key=" + url.QueryEscape(x.secret("form_key")),
			Headers: map[string]string{
				"content-type": "application/x-www-form-urlencoded",
				"origin":       "https://www.example.com",
				"referer":      "https://www.example.com/contact",
				"user-agent":   "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
			}}
	}

	// A sales enquiry: the visitor is sent to the thank-you page at once;
	// the CRM gets the contact and sales hear of it.
	sales := x.deliver(t, form(url.Values{
		"name": {" Jane  van Doe "}, "email": {"Jane.Doe@Example.com "}, "company": {"Acme GmbH"},
		"topic": {"sales"}, "message": {"We need 200 seats. "}, "website": {""},
	}), true)
	resp, err := x.engine.AwaitResponse(x.ctx, sales.RunID, waitFor)
	if err != nil {
		t.Fatalf("AwaitResponse: %v", err)
	}
	want := Response{Status: 303, Headers: map[string]string{"Location": x.secret("thank_you_page")}, Body: "Thank you, we will be in touch."}
	if !reflect.DeepEqual(resp, want) {
		t.Errorf("form response = %+v, want %+v", resp, want)
	}
	if r := x.waitFinished(sales.RunID); r.Status != store.StatusSucceeded {
		t.Fatalf("sales run = %s (%q), want succeeded", r.Status, r.Error)
	}

	// A support request without a company opens a ticket instead.
	support := x.deliver(t, form(url.Values{
		"name": {"Max Mustermann"}, "email": {"max@example.org"}, "topic": {"support"},
		"message": {"I cannot log in since the update."}, "website": {""},
	}), false)
	if r := x.waitFinished(support.RunID); r.Status != store.StatusSucceeded {
		t.Fatalf("support run = %s (%q), want succeeded", r.Status, r.Error)
	}

	// A bot filling the hidden field is dropped.
	bot := x.deliver(t, form(url.Values{
		"name": {"Buy now"}, "email": {"bot@spam.example"}, "message": {"cheap"}, "website": {"http://spam.example"},
	}), false)
	if r := x.waitFinished(bot.RunID); r.Status != store.StatusFiltered {
		t.Errorf("bot run = %s (%q), want filtered", r.Status, r.Error)
	}

	crm := x.recv.On("/crm/contacts")
	if len(crm) != 2 {
		t.Fatalf("CRM got %d contacts, want 2", len(crm))
	}
	jsonEqual(t, "CRM contact", crm[0].Body, `{"properties": {"email": "jane.doe@example.com", "firstname": "Jane",
  "lastname": "van Doe", "company": "Acme GmbH", "lead_source": "website-contact-form"}}`)
	jsonEqual(t, "CRM contact", crm[1].Body, `{"properties": {"email": "max@example.org", "firstname": "Max",
  "lastname": "Mustermann", "company": "", "lead_source": "website-contact-form"}}`)
	for _, h := range crm {
		if got, want := h.Header.Get("Authorization"), "Bearer "+x.secret("crm_token"); got != want {
			t.Errorf("CRM Authorization = %q, want %q", got, want)
		}
	}

	chat := x.recv.On("/chat_webhook")
	if len(chat) != 1 {
		t.Fatalf("chat got %d messages, want 1", len(chat))
	}
	jsonEqual(t, "sales alert", chat[0].Body,
		`{"text": "New sales enquiry from Jane van Doe (Acme GmbH) <mailto:jane.doe@example.com>: We need 200 seats."}`)

	tickets := x.recv.On("/helpdesk/tickets")
	if len(tickets) != 1 {
		t.Fatalf("helpdesk got %d tickets, want 1", len(tickets))
	}
	jsonEqual(t, "ticket", tickets[0].Body, `{"ticket": {
  "requester": {"name": "Max Mustermann", "email": "max@example.org"},
  "subject": "Website: max@example.org",
  "comment": {"body": "I cannot log in since the update."},
  "tags": ["website", "contact-form"]
}}`)
	if got, want := tickets[0].Header.Get("Authorization"), "Bearer "+x.secret("helpdesk_token"); got != want {
		t.Errorf("helpdesk Authorization = %q, want %q", got, want)
	}
	if n := x.recv.Count(); n != 4 {
		t.Errorf("receiver got %d requests in all, want 4", n)
	}
}
