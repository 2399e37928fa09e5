package engine

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/apps"
	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
)

// appSecrets are the secrets the app workflows read; a webhook URL's
// secret is made from the receiver's URL.
func appSecrets(recv string) map[string]any {
	return map[string]any{
		"slack_hook":      recv + "/services/T0001/B0001/slacksecrettoken1",
		"discord_hook":    recv + "/api/webhooks/1234567890/discordsecrettoken",
		"teams_hook":      recv + "/workflows/teams/triggers/manual/paths/invoke?sig=teamssecretsig",
		"mattermost_hook": recv + "/hooks/mattermostsecretkey",
		"telegram_bot":    "123456:ABC-telegram-secret-token",
		"pagerduty":       "R0UT1NGK3Y0000000000000000000000",
	}
}

// appCase is one shipped app's action, run through the engine: the
// request it must make, as the provider documents it.
type appCase struct {
	name, step, event string
	method, uri, body string
	// secret is a value the recorded step input must not show.
	secret string
}

var appCases = []appCase{
	{name: "slack",
		step: `{"id": "notify", "type": "app", "app": "slack", "action": "send_message", "with": {
		  "webhook_url": "{{ secrets.slack_hook }}",
		  "text": "{{ payload.customer }} paid {{ formatMoney(payload.amount / 100, payload.currency) }}",
		  "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*New payment*"}}]}}`,
		event:  `{"customer": "Ann Lee", "amount": 12000, "currency": "usd"}`,
		method: "POST", uri: "/services/T0001/B0001/slacksecrettoken1",
		body:   `{"text": "Ann Lee paid 120.00 USD", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*New payment*"}}]}`,
		secret: "slacksecrettoken1"},
	{name: "discord",
		step: `{"id": "notify", "type": "app", "app": "discord", "action": "send_message", "with": {
		  "webhook_url": "{{ secrets.discord_hook }}", "content": "Deploy {{ payload.version }} is live", "username": "Hookflow",
		  "embeds": "{{ [{title: 'Release ' + payload.version, url: payload.url, color: 5814783}] }}"}}`,
		event:  `{"version": "1.4.2", "url": "https://example.com/releases/1.4.2"}`,
		method: "POST", uri: "/api/webhooks/1234567890/discordsecrettoken",
		body:   `{"content": "Deploy 1.4.2 is live", "username": "Hookflow", "embeds": [{"title": "Release 1.4.2", "url": "https://example.com/releases/1.4.2", "color": 5814783}]}`,
		secret: "discordsecrettoken"},
	{name: "teams message",
		step: `{"id": "notify", "type": "app", "app": "teams", "action": "send_message", "with": {
		  "webhook_url": "{{ secrets.teams_hook }}", "text": "**Order {{ payload.id }}** failed: {{ payload.reason }}"}}`,
		event:  `{"id": "A-17", "reason": "card declined {code: 51}"}`,
		method: "POST", uri: "/workflows/teams/triggers/manual/paths/invoke?sig=teamssecretsig",
		body: `{"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null,
		  "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
		    "body": [{"type": "TextBlock", "text": "**Order A-17** failed: card declined {code: 51}", "wrap": true}]}}]}`,
		secret: "teamssecretsig"},
	{name: "teams card",
		step: `{"id": "notify", "type": "app", "app": "teams", "action": "send_card", "with": {
		  "webhook_url": "{{ secrets.teams_hook }}",
		  "card": "{{ {type: 'AdaptiveCard', version: '1.4', body: [{type: 'TextBlock', text: 'Order ' + payload.id, weight: 'Bolder'}]} }}"}}`,
		event:  `{"id": "A-18"}`,
		method: "POST", uri: "/workflows/teams/triggers/manual/paths/invoke?sig=teamssecretsig",
		body: `{"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null,
		  "content": {"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "TextBlock", "text": "Order A-18", "weight": "Bolder"}]}}]}`,
		secret: "teamssecretsig"},
	{name: "telegram",
		step: `{"id": "notify", "type": "app", "app": "telegram", "action": "send_message", "with": {
		  "base_url": "{{ vars.recv }}", "bot_token": "{{ secrets.telegram_bot }}", "chat_id": "{{ payload.chat }}",
		  "text": "<b>New order</b> {{ payload.id }}", "parse_mode": "HTML", "disable_notification": true}}`,
		event:  `{"chat": -1001234567890, "id": "A-19"}`,
		method: "POST", uri: "/bot123456:ABC-telegram-secret-token/sendMessage",
		body:   `{"chat_id": -1001234567890, "text": "<b>New order</b> A-19", "parse_mode": "HTML", "disable_notification": true}`,
		secret: "ABC-telegram-secret-token"},
	{name: "mattermost",
		step: `{"id": "notify", "type": "app", "app": "mattermost", "action": "send_message", "with": {
		  "webhook_url": "{{ secrets.mattermost_hook }}", "text": "Build {{ payload.build }} failed", "channel": "town-square"}}`,
		event:  `{"build": 311}`,
		method: "POST", uri: "/hooks/mattermostsecretkey",
		body:   `{"text": "Build 311 failed", "channel": "town-square"}`,
		secret: "mattermostsecretkey"},
	{name: "pagerduty trigger",
		step: `{"id": "notify", "type": "app", "app": "pagerduty", "action": "trigger", "with": {
		  "base_url": "{{ vars.recv }}", "routing_key": "{{ secrets.pagerduty }}",
		  "summary": "Run {{ payload.run }} of {{ payload.workflow }} failed", "source": "hookflow",
		  "severity": "critical", "dedup_key": "wf-{{ payload.workflow }}", "custom_details": "{{ payload }}"}}`,
		event:  `{"run": "r-1", "workflow": "payments"}`,
		method: "POST", uri: "/v2/enqueue",
		body: `{"routing_key": "R0UT1NGK3Y0000000000000000000000", "event_action": "trigger", "dedup_key": "wf-payments",
		  "payload": {"summary": "Run r-1 of payments failed", "source": "hookflow", "severity": "critical",
		    "custom_details": {"run": "r-1", "workflow": "payments"}}}`,
		secret: "R0UT1NGK3Y0000000000000000000000"},
	{name: "pagerduty acknowledge",
		step: `{"id": "notify", "type": "app", "app": "pagerduty", "action": "acknowledge", "with": {
		  "base_url": "{{ vars.recv }}", "routing_key": "{{ secrets.pagerduty }}", "dedup_key": "wf-{{ payload.workflow }}"}}`,
		event:  `{"workflow": "payments"}`,
		method: "POST", uri: "/v2/enqueue",
		body:   `{"routing_key": "R0UT1NGK3Y0000000000000000000000", "event_action": "acknowledge", "dedup_key": "wf-payments"}`,
		secret: "R0UT1NGK3Y0000000000000000000000"},
	{name: "pagerduty resolve",
		step: `{"id": "notify", "type": "app", "app": "pagerduty", "action": "resolve", "with": {
		  "base_url": "{{ vars.recv }}", "routing_key": "{{ secrets.pagerduty }}", "dedup_key": "wf-{{ payload.workflow }}"}}`,
		event:  `{"workflow": "payments"}`,
		method: "POST", uri: "/v2/enqueue",
		body:   `{"routing_key": "R0UT1NGK3Y0000000000000000000000", "event_action": "resolve", "dedup_key": "wf-payments"}`,
		secret: "R0UT1NGK3Y0000000000000000000000"},
}

// TestAppSteps: each shipped app's action, in a workflow run by the
// engine, makes the request its provider documents (method, path,
// content type, JSON body) to a local receiver standing in for it; the
// recorded request hides the secrets in it.
func TestAppSteps(t *testing.T) {
	t.Parallel()
	for _, c := range appCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var recvURL string
			b := setup(t, withConfig(func(cfg *Config) {
				cfg.Secrets = func(context.Context) (map[string]any, error) { return appSecrets(recvURL), nil }
			}))
			recvURL = b.recv.URL
			wf := b.save(fmt.Sprintf(`{"format": "hookflow/v1", "id": "app-step", "name": "App step",
			  "trigger": {"type": "webhook"}, "steps": [%s]}`, c.step))
			run := b.accept(wf, c.event)
			if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
				t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
			}
			hits := b.recv.Hits()
			if len(hits) != 1 {
				t.Fatalf("receiver got %d requests, want 1", len(hits))
			}
			h := hits[0]
			if h.Method != c.method || h.URI != c.uri {
				t.Errorf("request %s %s, want %s %s", h.Method, h.URI, c.method, c.uri)
			}
			if ct := h.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			if h.WebhookID() == "" {
				t.Error("no webhook-id")
			}
			jsonEqual(t, "body", h.Body, c.body)
			rs := b.resultsOf(run, "notify")
			if len(rs) != 1 {
				t.Fatalf("%d results of notify, want 1", len(rs))
			}
			if in := string(rs[0].Input); strings.Contains(in, c.secret) || !strings.Contains(in, "[redacted]") {
				t.Errorf("recorded input shows the secret, or hides nothing: %s", in)
			}
			if rs[0].StatusCode != http.StatusOK {
				t.Errorf("recorded status %d", rs[0].StatusCode)
			}
		})
	}
}

// TestAppStepRetries: an app's request is retried like a webhook's, with
// the same webhook-id, until the provider takes it.
func TestAppStepRetries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(statuses(503, 429, 200))
	wf := b.save(`{"format": "hookflow/v1", "id": "app-retry", "name": "App retry", "trigger": {"type": "webhook"},
	  "steps": [{"id": "page", "type": "app", "app": "pagerduty", "action": "resolve",
	    "with": {"base_url": "{{ vars.recv }}", "routing_key": "rk-0001", "dedup_key": "{{ payload.key }}"},
	    "retry": {"max_attempts": 3, "initial": "10ms", "max": "20ms"}}]}`)
	run := b.accept(wf, `{"key": "order-9"}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	hits := b.recv.Hits()
	if len(hits) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(hits))
	}
	for _, h := range hits {
		if h.WebhookID() != hits[0].WebhookID() || h.WebhookID() == "" {
			t.Errorf("webhook-id %q, want %q on every attempt", h.WebhookID(), hits[0].WebhookID())
		}
		jsonEqual(t, "body", h.Body, `{"routing_key": "rk-0001", "event_action": "resolve", "dedup_key": "order-9"}`)
	}
	if n := len(b.resultsOf(run, "page")); n != 3 {
		t.Errorf("%d attempts recorded, want 3", n)
	}
}

// TestAppStepTextBody: a custom app whose action sends text sends its
// body as it is written, with its content type, and fails at once on a
// 4xx as a webhook does.
func TestAppStepTextBody(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	doc := `{"format": "hookflow/app-v1", "id": "engine-text-app", "name": "Metrics", "category": "Monitoring",
	  "actions": [{"id": "push", "title": "Push a line",
	    "fields": [{"name": "base_url", "label": "Address", "kind": "text", "required": true},
	               {"name": "metric", "label": "Metric", "kind": "template", "required": true},
	               {"name": "value", "label": "Value", "kind": "number", "required": true}],
	    "request": {"method": "POST", "url": "{{ with.base_url }}/write", "body_format": "text",
	      "content_type": "text/plain; version=0.0.4", "body": "{{ with.metric }} {{ with.value }}\n"}}]}`
	if err := os.WriteFile(filepath.Join(dir, "metrics.json"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errs, err := apps.LoadDir(dir); err != nil || len(errs) > 0 {
		t.Fatalf("LoadDir: %v %v", err, errs)
	}
	t.Cleanup(func() { apps.Remove("engine-text-app") })
	b := setup(t)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.N == 2 {
			return receivertest.Reply{Status: http.StatusBadRequest}
		}
		return receivertest.Reply{}
	})
	wf := b.save(`{"format": "hookflow/v1", "id": "app-text", "name": "App text", "trigger": {"type": "webhook"},
	  "steps": [{"id": "push", "type": "app", "app": "engine-text-app", "action": "push",
	    "with": {"base_url": "{{ vars.recv }}", "metric": "orders_total{shop=\"{{ payload.shop }}\"}", "value": "{{ payload.n }}"}}]}`)
	run := b.accept(wf, `{"shop": "eu", "n": 41}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	h := b.recv.Hits()[0]
	if h.URI != "/write" || string(h.Body) != "orders_total{shop=\"eu\"} 41\n" || h.Header.Get("Content-Type") != "text/plain; version=0.0.4" {
		t.Errorf("request %s %q %q", h.URI, h.Body, h.Header.Get("Content-Type"))
	}
	if in := string(b.resultsOf(run, "push")[0].Input); !strings.Contains(in, `"body":"orders_total{shop=\"eu\"} 41\n"`) {
		t.Errorf("recorded input %s, want the text body", in)
	}
	run = b.accept(wf, `{"shop": "us", "n": 2}`)
	if r := b.waitFinished(run); r.Status != store.StatusFailed || !strings.Contains(r.Error, "400") {
		t.Errorf("run = %s (%q), want failed at once on 400", r.Status, r.Error)
	}
	if n := len(b.recv.Hits()); n != 2 {
		t.Errorf("%d requests, want 2 (no retry of a 400)", n)
	}
}
