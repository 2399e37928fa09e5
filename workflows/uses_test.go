package workflows_test

import (
	"encoding/json"
	"testing"

	_ "github.com/hookflow/hookflow/kinds" // the kinds the definitions use
	"github.com/hookflow/hookflow/workflows"
)

func TestUsesTrigger(t *testing.T) {
	for _, c := range []struct {
		name  string
		steps string
		want  bool
	}{
		{"payload only", `[{"id":"f","type":"filter","expr":"payload.n > 1"},
			{"id":"t","type":"transform","expr":"{n: payload.n, s: steps.f}"}]`, false},
		{"filter", `[{"id":"f","type":"filter","expr":"trigger.method == 'POST'"}]`, true},
		{"when", `[{"id":"t","type":"transform","when":"trigger.query.x == '1'","expr":"payload"}]`, true},
		{"transform", `[{"id":"t","type":"transform","expr":"{body: trigger.body}"}]`, true},
		{"whole environment", `[{"id":"t","type":"transform","expr":"$env.trigger.headers"}]`, true},
		{"url template", `[{"id":"w","type":"webhook","url":"https://example.com/{{ trigger.query.id }}"}]`, true},
		{"header template", `[{"id":"w","type":"webhook","url":"https://example.com/",
			"headers":{"x-from":"{{ trigger.headers['user-agent'] }}"}}]`, true},
		{"webhook body", `[{"id":"w","type":"webhook","url":"https://example.com/","body":"{at: trigger.received_at}"}]`, true},
		{"literal templates", `[{"id":"w","type":"webhook","url":"https://example.com/trigger",
			"headers":{"x-trigger":"trigger"}}]`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var steps []workflows.Step
			if err := json.Unmarshal([]byte(c.steps), &steps); err != nil {
				t.Fatal(err)
			}
			compiled, err := workflows.Compile(&workflows.Workflow{Format: workflows.Format, Name: "w", Trigger: webhookTrigger(t), Steps: steps})
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if got := compiled.UsesTrigger(); got != c.want {
				t.Errorf("UsesTrigger() = %v, want %v", got, c.want)
			}
		})
	}
}

func TestReadsPayload(t *testing.T) {
	for _, c := range []struct {
		name string
		step string
		want bool
	}{
		{"filter on headers", `{"id":"s","type":"filter","expr":"trigger.headers['x-kind'] == 'order'"}`, false},
		{"filter on payload", `{"id":"s","type":"filter","expr":"payload.status == 'paid'"}`, true},
		{"when", `{"id":"s","type":"transform","when":"payload.n > 1","expr":"{n: 1}"}`, true},
		{"transform of steps", `{"id":"s","type":"transform","expr":"{n: vars.n}"}`, false},
		{"whole environment", `{"id":"s","type":"filter","expr":"$env.vars.on"}`, true},
		{"webhook body", `{"id":"s","type":"webhook","url":"https://example.com/","body":"{n: payload.n}"}`, true},
		{"webhook url template", `{"id":"s","type":"webhook","url":"https://example.com/{{ payload.id }}"}`, true},
		{"webhook header template", `{"id":"s","type":"webhook","url":"https://example.com/",
			"headers":{"x-id":"{{ payload.id }}"}}`, true},
		// The payload's own bytes are sent: the run needs no decoded value.
		{"webhook without body", `{"id":"s","type":"webhook","url":"https://example.com/"}`, false},
		{"delay until", `{"id":"s","type":"delay","until":"payload.at"}`, true},
		// The respond step answers with the payload itself, not through
		// an expression: it takes the payload from the run when it does.
		{"respond", `{"id":"s","type":"respond"}`, false},
		{"respond with a body", `{"id":"s","type":"respond","body":"{ok: true}"}`, false},
		{"respond with a body of the payload", `{"id":"s","type":"respond","body":"{id: payload.id}"}`, true},
		{"literal template", `{"id":"s","type":"webhook","url":"https://example.com/payload"}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var s workflows.Step
			if err := json.Unmarshal([]byte(c.step), &s); err != nil {
				t.Fatal(err)
			}
			compiled, err := workflows.Compile(&workflows.Workflow{Format: workflows.Format, Name: "w", Trigger: webhookTrigger(t), Steps: []workflows.Step{s}})
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if got := compiled.Steps[0].ReadsPayload(); got != c.want {
				t.Errorf("ReadsPayload() = %v, want %v", got, c.want)
			}
		})
	}
}

func TestDecodesPayload(t *testing.T) {
	const webhook = `{"type":"webhook"}`
	for _, c := range []struct {
		name    string
		trigger string
		steps   string
		want    bool
	}{
		{"filter on headers", webhook, `[{"id":"f","type":"filter","expr":"trigger.headers['x-kind'] == 'order'"}]`, false},
		{"body sent on as it is", webhook, `[{"id":"w","type":"webhook","url":"https://example.com/"}]`, false},
		{"a later step reads it", webhook, `[{"id":"f","type":"filter","expr":"true"},
			{"id":"t","type":"transform","expr":"{n: payload.n}"}]`, true},
		{"respond answers with it", webhook, `[{"id":"r","type":"respond"}]`, true},
		{"respond with a body of its own", webhook, `[{"id":"r","type":"respond","body":"{ok: true}"}]`, false},
		{"sync answers with the final payload", `{"type":"webhook","response":{"mode":"sync"}}`,
			`[{"id":"f","type":"filter","expr":"true"}]`, true},
		{"async", `{"type":"webhook","response":{"mode":"async"}}`, `[{"id":"f","type":"filter","expr":"true"}]`, false},
		{"schema", `{"type":"webhook","schema":{"type":"object"}}`, `[{"id":"f","type":"filter","expr":"true"}]`, true},
		{"idempotency key", `{"type":"webhook","idempotency_key":"trigger.headers['x-id']"}`,
			`[{"id":"f","type":"filter","expr":"true"}]`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := workflows.Workflow{Format: workflows.Format, Name: "w"}
			if err := json.Unmarshal([]byte(c.trigger), &w.Trigger); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(c.steps), &w.Steps); err != nil {
				t.Fatal(err)
			}
			compiled, err := workflows.Compile(&w)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if got := compiled.DecodesPayload(); got != c.want {
				t.Errorf("DecodesPayload() = %v, want %v", got, c.want)
			}
		})
	}
}

// webhookTrigger is a webhook trigger with no settings.
func webhookTrigger(t *testing.T) workflows.Trigger {
	t.Helper()
	var tr workflows.Trigger
	if err := json.Unmarshal([]byte(`{"type": "webhook"}`), &tr); err != nil {
		t.Fatal(err)
	}
	return tr
}
