package workflows

import (
	"encoding/json"
	"testing"
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
			var steps []Step
			if err := json.Unmarshal([]byte(c.steps), &steps); err != nil {
				t.Fatal(err)
			}
			compiled, err := Compile(&Workflow{Format: Format, Name: "w", Trigger: Trigger{Type: TriggerWebhook}, Steps: steps})
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if got := compiled.UsesTrigger(); got != c.want {
				t.Errorf("UsesTrigger() = %v, want %v", got, c.want)
			}
		})
	}
}
