package workflows

import (
	"errors"
	"strings"
	"testing"
)

// TestURLTemplate: values from the event are escaped for where they land
// in a URL and cannot move the request to another host; the workflow's own
// values, and an expression that starts the URL, go in as written.
func TestURLTemplate(t *testing.T) {
	t.Parallel()
	env := &Env{
		Payload: map[string]any{
			"id": "../x?y=@evil.example/#f", "dots": "..", "q": "a&b=c#d e", "n": 12,
			"name": "A B/C", "callback": "https://cb.example/done?k=1",
			"path": "@evil.example/",
		},
		Vars: map[string]any{
			"base": "https://api.example", "base_slash": "https://api.example/v1/", "tenant": "t1",
			"qs": "a=1&b=2",
		},
		Secrets: map[string]any{"slack_path": "T000/B000/XXXX"},
		Steps:   map[string]any{"lookup": map[string]any{"body": map[string]any{"next": "p?2"}}},
	}
	tests := []struct {
		tpl, want string
	}{
		{"{{ vars.base }}/orders/{{ payload.id }}", "https://api.example/orders/..%2Fx%3Fy%3D%40evil.example%2F%23f"},
		{"{{ vars.base }}/orders/{{ payload.dots }}/items", "https://api.example/orders/%2E%2E/items"},
		{"https://api.example/search?q={{ payload.q }}&n={{ payload.n }}", "https://api.example/search?q=a%26b%3Dc%23d+e&n=12"},
		{"https://api.example/x#{{ payload.q }}", "https://api.example/x#a%26b%3Dc%23d%20e"},
		{"{{ vars.base }}/orders/{{ urlEncode(payload.name) }}", "https://api.example/orders/A+B%2FC"},
		{"https://hooks.slack.example/services/{{ secrets.slack_path }}", "https://hooks.slack.example/services/T000/B000/XXXX"},
		{"https://{{ vars.tenant }}.api.example/{{ payload.n }}", "https://t1.api.example/12"},
		{"https://api.example/search?{{ vars.qs }}", "https://api.example/search?a=1&b=2"},
		{"{{ payload.callback }}", "https://cb.example/done?k=1"},
		{"{{ vars.base_slash }}{{ payload.path }}", "https://api.example/v1/%40evil.example%2F"},
		{"{{ vars.base }}/next/{{ steps.lookup.body.next }}", "https://api.example/next/p%3F2"},
	}
	for _, tt := range tests {
		tpl, err := CompileURLTemplate(tt.tpl)
		if err != nil {
			t.Errorf("CompileURLTemplate(%q): %v", tt.tpl, err)
			continue
		}
		got, err := tpl.Render(env)
		if err != nil || got != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.tpl, got, err, tt.want)
		}
	}

	// Refused when saved: the value would be part of the host.
	for _, src := range []string{
		"http://host{{ payload.path }}",
		"https://api.{{ payload.n }}.example/",
		"https://user:{{ trigger.headers.x }}@api.example/",
		"https://api.example:{{ payload.n }}/",
		"https://{{ vars.tenant }}{{ payload.n }}/x",
	} {
		if _, err := CompileURLTemplate(src); err == nil || !strings.Contains(err.Error(), "may not be part of the URL's scheme, host or port") {
			t.Errorf("CompileURLTemplate(%q) = %v, want it refused", src, err)
		}
	}

	// Where a leading expression leaves the host open, the run fails.
	tpl, err := CompileURLTemplate("{{ vars.base }}{{ payload.path }}")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tpl.Render(env); !errors.Is(err, errEventInHost) {
		t.Errorf("{{ vars.base }}{{ payload.path }} = %q, %v; want refused", got, err)
	}
}

// TestCompileURLInHost: the workflow is refused with the step and field.
func TestCompileURLInHost(t *testing.T) {
	t.Parallel()
	w, err := Decode([]byte(`{"format": "hookflow/v1", "id": "x", "name": "x", "trigger": {"type": "webhook"},
  "steps": [{"id": "send", "type": "webhook", "url": "http://127.0.0.1{{ payload.path }}"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compile(w)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "steps[0].url" || fe.Step != "send" || !strings.Contains(fe.Message, "host") {
		t.Fatalf("Compile = %v, want a field error on steps[0].url", err)
	}
}
