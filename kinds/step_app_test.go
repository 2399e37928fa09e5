package kinds

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/workflows"
)

// appDef is a valid app step to change one field of.
func appDef() def {
	return def{"id": "page", "type": "app", "app": "pagerduty", "action": "trigger",
		"with": def{"routing_key": "{{ secrets.pd }}", "summary": "Run {{ payload.run_id }} failed", "source": "hookflow"}}
}

// TestAppCompileErrors: an app step with one mistake is refused at the
// field at fault, saying why.
func TestAppCompileErrors(t *testing.T) {
	t.Parallel()
	with := func(s def) def { return s["with"].(def) }
	tests := []struct {
		name    string
		mutate  func(s def)
		field   string
		message string
	}{
		{"app missing", func(s def) { delete(s, "app") }, "steps[5].app", "is required (discord,"},
		{"app unknown", func(s def) { s["app"] = "myspace" }, "steps[5].app", `unknown app "myspace"`},
		{"action missing", func(s def) { delete(s, "action") }, "steps[5].action", "PagerDuty has trigger, acknowledge, resolve"},
		{"action unknown", func(s def) { s["action"] = "page" }, "steps[5].action", `unknown action "page" of PagerDuty`},
		{"field unknown", func(s def) { with(s)["urgency"] = "high" }, "steps[5].with.urgency", "is not a field of PagerDuty trigger (routing_key, summary"},
		{"field required", func(s def) { delete(with(s), "summary") }, "steps[5].with.summary", "is required (Summary)"},
		{"field null", func(s def) { with(s)["source"] = nil }, "steps[5].with.source", "is required"},
		{"option wrong", func(s def) { with(s)["severity"] = "bad" }, "steps[5].with.severity", "must be one of critical, error, warning, info"},
		{"option template", func(s def) { with(s)["severity"] = "{{ payload.sev }}" }, "steps[5].with.severity", "must be one of"},
		{"text not text", func(s def) { with(s)["summary"] = 12 }, "steps[5].with.summary", "must be text"},
		{"template broken", func(s def) { with(s)["summary"] = "{{ payload. }}" }, "steps[5].with.summary", ""},
		{"template unclosed", func(s def) { with(s)["source"] = "{{ payload.host" }, "steps[5].with.source", "unclosed"},
		{"base url not http", func(s def) { with(s)["base_url"] = "ftp://events.example" }, "steps[5].with.base_url", "must start with http:// or https://"},
		{"event in host", func(s def) { with(s)["base_url"] = "https://{{ payload.host }}" }, "steps[5].with.base_url", "may not be part of the URL"},
		{"json template broken", func(s def) { with(s)["custom_details"] = "{{ payload[ }}" }, "steps[5].with.custom_details", ""},
		{"boolean wrong", func(s def) {
			s["app"], s["action"] = "telegram", "send_message"
			s["with"] = def{"bot_token": "{{ secrets.tg }}", "chat_id": "1", "text": "hi", "disable_notification": "yes"}
		}, "steps[5].with.disable_notification", "must be true or false"},
		{"timeout", func(s def) { s["timeout"] = "soon" }, "steps[5].timeout", "duration"},
		{"retry", func(s def) { s["retry"] = def{"max_attempts": 500} }, "steps[5].retry.max_attempts", "between 1 and 100"},
		{"unknown step field", func(s def) { s["url"] = "https://example.com" }, "steps[5].url", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := appDef()
			tt.mutate(s)
			w := validDefinition()
			w["steps"] = append(w["steps"].([]any), s)
			_, err := compileDef(t, w)
			var fe *workflows.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FieldError", err, err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Message, tt.message) {
				t.Errorf("error at %q: %q; want at %q, containing %q", fe.Field, fe.Message, tt.field, tt.message)
			}
		})
	}
}

// TestAppCompose: the action's request is written with the step's values:
// a field's {{ }} keeps its type, a field left out leaves its key out,
// and a value inside the app's objects and lists is built by an
// expression that cannot be cut short by braces in the text.
func TestAppCompose(t *testing.T) {
	t.Parallel()
	env := &workflows.Env{Payload: map[string]any{"id": "A-1", "amount": 12.5, "card": map[string]any{"type": "AdaptiveCard"}},
		Secrets: map[string]any{"hook": "https://teams.example/hook"}}
	tests := []struct {
		app, action string
		with        def
		url, body   string
	}{
		{"teams", "send_message", def{"webhook_url": "{{ secrets.hook }}", "text": "Order {{ payload.id }}: {{ payload.amount }} }} {x}"},
			"https://teams.example/hook",
			`{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,"content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"Order A-1: 12.5 }} {x}","wrap":true}]}}]}`},
		{"teams", "send_card", def{"webhook_url": "https://teams.example/x", "card": "{{ payload.card }}"},
			"https://teams.example/x",
			`{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,"content":{"type":"AdaptiveCard"}}]}`},
		{"teams", "send_card", def{"webhook_url": "https://teams.example/x", "card": def{"type": "AdaptiveCard", "body": []any{def{"text": "{{ not a template }}"}}}},
			"https://teams.example/x",
			`{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,"content":{"type":"AdaptiveCard","body":[{"text":"{{ not a template }}"}]}}]}`},
		{"pagerduty", "trigger", def{"routing_key": "rk", "summary": "{{ payload.amount }}", "source": "s", "custom_details": def{"n": 1}},
			"https://events.pagerduty.com/v2/enqueue",
			`{"routing_key":"rk","event_action":"trigger","payload":{"summary":12.5,"source":"s","severity":"error","custom_details":{"n":1}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.app+"/"+tt.action, func(t *testing.T) {
			s := def{"id": "notify", "type": "app", "app": tt.app, "action": tt.action, "with": tt.with}
			w := validDefinition()
			w["steps"] = []any{s}
			c, err := compileDef(t, w)
			if err != nil {
				t.Fatal(err)
			}
			hook := c.Steps[0].Program.(*appStep).hook
			url, err := hook.url.Render(env)
			if err != nil || url != tt.url {
				t.Errorf("url %q (%v), want %q", url, err, tt.url)
			}
			body, err := hook.body.eval(env)
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			raw, _ := json.Marshal(body)
			_ = json.Unmarshal(raw, &got)
			if err := json.Unmarshal([]byte(tt.body), &want); err != nil {
				t.Fatal(err)
			}
			g, _ := json.Marshal(got)
			wa, _ := json.Marshal(want)
			if string(g) != string(wa) {
				t.Errorf("body\n%s\nwant\n%s", g, wa)
			}
		})
	}
}
