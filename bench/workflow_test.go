package bench

import (
	"encoding/json"
	"testing"
	"time"

	_ "github.com/hookflow/hookflow/kinds" // the kinds the definitions use
	"github.com/hookflow/hookflow/workflows"
)

// TestWorkflowDefinitions checks that both bench workflows are valid and
// that their expressions do what the accounting relies on, for the order
// payload and for payloads of other shapes.
func TestWorkflowDefinitions(t *testing.T) {
	t.Parallel()
	for _, mode := range []Mode{ModeDrop, ModeIngest, ModeE2E, ModeBurst} {
		def, err := workflowDefinition(mode, "http://127.0.0.1:9/", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		w, err := workflows.Decode(def)
		if err != nil {
			t.Fatalf("%s: decode: %v", mode, err)
		}
		if err := workflows.Validate(w); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
	}
	if _, err := workflowDefinition("bogus", "", 0); err == nil {
		t.Error("an unknown mode has a workflow")
	}

	filterTrue, err := workflows.CompileBool(benchFilterTrue)
	if err != nil {
		t.Fatal(err)
	}
	filterFalse, err := workflows.CompileBool(benchFilterFalse)
	if err != nil {
		t.Fatal(err)
	}
	transform, err := workflows.CompileExpr(benchTransform)
	if err != nil {
		t.Fatal(err)
	}
	var order any
	if err := json.Unmarshal(DefaultPayload, &order); err != nil {
		t.Fatal(err)
	}
	trigger := map[string]any{"headers": map[string]any{"x-bench-seq": "17", "content-type": "application/json"}}
	for name, payload := range map[string]any{
		"order": order, "other object": map[string]any{"items": []any{1, "x"}}, "string": "hi", "null": nil,
	} {
		env := &workflows.Env{Payload: payload, Trigger: trigger}
		if ok, err := workflows.EvalBool(filterTrue, env); err != nil || !ok {
			t.Errorf("%s: the e2e filter = %v, %v; want true", name, ok, err)
		}
		if ok, err := workflows.EvalBool(filterFalse, env); err != nil || ok {
			t.Errorf("%s: the ingest filter = %v, %v; want false", name, ok, err)
		}
		v, err := workflows.Eval(transform, env)
		if err != nil {
			t.Errorf("%s: transform: %v", name, err)
			continue
		}
		if m, _ := v.(map[string]any); m["seq"] != "17" {
			t.Errorf("%s: transform = %v; want seq 17 carried", name, v)
		}
		if name == "order" {
			out, _ := json.Marshal(v)
			want := `{"currency":"USD","email":"jane.doe@example.com","order":"ord_0123456789abcdef","seq":"17",` +
				`"skus":["SKU-0000","SKU-0001","SKU-0002","SKU-0003","SKU-0004","SKU-0005","SKU-0006","SKU-0007"],"total":150.5}`
			if string(out) != want {
				t.Errorf("transform of the order:\n got %s\nwant %s", out, want)
			}
		}
	}
}

func TestParseMode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Mode{"e2e": ModeE2E, "burst": ModeBurst, "drop": ModeDrop, "ingest": ModeDrop, "loop": ModeLoop} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseMode("fast"); err == nil {
		t.Error(`ParseMode("fast"): no error`)
	}
}
