package workflows

import (
	"errors"
	"reflect"
	"testing"
)

func respondWorkflow(headers map[string]string) *Workflow {
	return &Workflow{Format: Format, ID: "r", Name: "R",
		Trigger: Trigger{Type: TriggerWebhook, Response: &Response{Mode: "sync"}},
		Steps: []Step{
			{ID: "call", Type: StepWebhook, URL: "https://example.com", Headers: map[string]string{"Set-Cookie": "outbound is fine"}},
			{ID: "reply", Type: StepRespond, Headers: headers},
		}}
}

func TestCompileRefusesRespondHeaders(t *testing.T) {
	t.Parallel()
	_, err := Compile(respondWorkflow(map[string]string{"X-Ok": "1", "access-control-allow-origin": "*", "Set-Cookie": "a=b"}))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "steps[1].headers.Set-Cookie" || fe.Step != "reply" || fe.Message != refusedCookie {
		t.Fatalf("Compile = %v; want Set-Cookie refused (the first by name)", err)
	}
	if _, err := Compile(respondWorkflow(map[string]string{"Location": "/x", "Link": "<a>", "Content-Type": "text/html"})); err != nil {
		t.Errorf("Compile of allowed headers = %v", err)
	}
}

func TestDropRefusedResponseHeaders(t *testing.T) {
	t.Parallel()
	w := respondWorkflow(map[string]string{"X-Ok": "1", "cross-origin-opener-policy": "x", "Set-Cookie": "a=b"})
	got := DropRefusedResponseHeaders(w)
	if want := []string{"steps[1].headers.Set-Cookie", "steps[1].headers.cross-origin-opener-policy"}; !reflect.DeepEqual(got, want) {
		t.Errorf("dropped %v, want %v", got, want)
	}
	if _, err := Compile(w); err != nil || len(w.Steps[1].Headers) != 1 || len(w.Steps[0].Headers) != 1 {
		t.Errorf("after the drop: %v, %v", err, w.Steps)
	}
}
