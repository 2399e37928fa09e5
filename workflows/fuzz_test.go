package workflows

import (
	"bytes"
	"os"
	"testing"
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
		if ws, err := DecodeBundle(data); err == nil {
			for _, w := range ws {
				_, _ = Compile(w)
			}
		}
		w, err := Decode(data)
		if err != nil {
			if _, ok := err.(*FieldError); !ok {
				t.Fatalf("Decode error %v is a %T, want *FieldError", err, err)
			}
			return
		}
		_, compileErr := Compile(w)
		enc, err := Encode(w)
		if err != nil {
			t.Fatalf("Encode of a decoded definition: %v", err)
		}
		w2, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(w)): %v\n%s", err, enc)
		}
		enc2, err := Encode(w2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("Encode is not stable:\n%s\n---\n%s", enc, enc2)
		}
		if _, err := Compile(w2); (err == nil) != (compileErr == nil) {
			t.Fatalf("Compile before the round trip: %v, after: %v", compileErr, err)
		}
	})
}

// FuzzTemplate compiles and renders arbitrary templates: no panics, and an
// error's position lies within the template.
func FuzzTemplate(f *testing.F) {
	for _, seed := range []string{
		"", "https://x/{{ payload.id }}", "{{", "}}", "{{}}", "{{ payload. }}", "a\nb{{ x ==\n ) }}",
		"é{{ 1 + }}", "{{ toJSON(payload) }}-{{ vars.x ?? 'd' }}", "{{ '}}' }}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tpl, err := CompileTemplate(s)
		if err != nil {
			fe, ok := err.(*FieldError)
			if !ok {
				t.Fatalf("error %v is a %T, want *FieldError", err, err)
			}
			lines := bytes.Count([]byte(s), []byte("\n")) + 1
			if fe.Line > lines || fe.Line < 0 || fe.Column < 0 {
				t.Fatalf("error at %d:%d outside a template of %d lines: %v", fe.Line, fe.Column, lines, err)
			}
			return
		}
		if tpl.String() != s {
			t.Fatalf("String() = %q, want %q", tpl.String(), s)
		}
		_, _ = tpl.Render(testEnv())
	})
}
