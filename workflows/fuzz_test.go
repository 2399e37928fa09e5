package workflows_test

import (
	"bytes"
	"os"
	"testing"

	_ "github.com/hookflow/hookflow/kinds" // the kinds the definitions use
	"github.com/hookflow/hookflow/workflows"
)

// FuzzDecode feeds arbitrary documents to Decode, DecodeBundle and Compile:
// none may panic, and whatever decodes must survive an Encode round trip.
func FuzzDecode(f *testing.F) {
	for _, file := range goldenFiles(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		designExample,
		minimal,
		`[` + minimal + `]`,
		`{"format": "hookflow/v1", "workflows": [` + minimal + `]}`,
		`{"format": "hookflow/v1", "name": "x", "trigger": {"type": "cron", "schedule": "@daily", "timezone": "Europe/Berlin"}, "steps": [{"id": "a", "type": "filter", "expr": "payload.x ==\n )"}]}`,
		`{"format": "hookflow/v1", "name": "x", "trigger": {"type": "webhook", "schema": {"type": "object"}}, "steps": [{"id": "a", "type": "webhook", "url": "https://x/{{ payload.", "headers": {"X": "{{}}"}}]}`,
		`{"steps": [{"id": "a", "status": 1e400, "retry": {"max_attempts": "x"}}], "ID": 1}`,
		`{"format": "hookflow/v1", "name": "x", "trigger": {"type": "manual"}, "steps": [{"id": "d", "type": "delay", "until": "date(payload.at)"}], "vars": {"a": [1, {"b": null}]}}`,
		`null`, ``, `{`, `[1, 2]`, `{"workflows": null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if ws, err := workflows.DecodeBundle(data); err == nil {
			for _, w := range ws {
				_, _ = workflows.Compile(w)
			}
		}
		w, err := workflows.Decode(data)
		if err != nil {
			if _, ok := err.(*workflows.FieldError); !ok {
				t.Fatalf("Decode error %v is a %T, want *workflows.FieldError", err, err)
			}
			return
		}
		_, compileErr := workflows.Compile(w)
		enc, err := workflows.Encode(w)
		if err != nil {
			t.Fatalf("Encode of a decoded definition: %v", err)
		}
		w2, err := workflows.Decode(enc)
		if err != nil {
			t.Fatalf("workflows.Decode(workflows.Encode(w)): %v\n%s", err, enc)
		}
		enc2, err := workflows.Encode(w2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("Encode is not stable:\n%s\n---\n%s", enc, enc2)
		}
		if _, err := workflows.Compile(w2); (err == nil) != (compileErr == nil) {
			t.Fatalf("Compile before the round trip: %v, after: %v", compileErr, err)
		}
	})
}
