package workflows

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestTemplateRender(t *testing.T) {
	t.Parallel()
	env := &Env{
		Payload: map[string]any{
			"id":    12,
			"price": 1.5,
			"big":   1e21,
			"huge":  1e300,
			"name":  "Ada & <Bob>",
			"none":  nil,
			"ok":    true,
			"tags":  []any{"a", "b"},
			"item":  map[string]any{"sku": "X-1", "qty": 2},
			"when":  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		},
		Vars: map[string]any{"base": "https://api.example"},
	}
	tests := []struct {
		name string
		tpl  string
		want string
	}{
		{"empty", "", ""},
		{"literal", "https://example.com/a?b=c", "https://example.com/a?b=c"},
		{"literal braces", "{ not a template }", "{ not a template }"},
		{"only an expression", "{{ payload.id }}", "12"},
		{"several parts", "{{ vars.base }}/items/{{ payload.id }}?name={{ urlEncode(payload.name) }}", "https://api.example/items/12?name=Ada+%26+%3CBob%3E"},
		{"adjacent expressions", "{{payload.id}}{{payload.id}}", "1212"},
		{"integer", "{{ payload.id }}", "12"},
		{"integer arithmetic", "{{ payload.id * 2 }}", "24"},
		{"float", "{{ payload.price }}", "1.5"},
		{"float that is whole", "{{ payload.id / 4 }}", "3"},
		{"large float without exponent", "{{ payload.big }}", "1000000000000000000000"},
		{"nil", "[{{ payload.none }}]", "[]"},
		{"missing field", "[{{ payload.missing }}]", "[]"},
		{"boolean", "{{ payload.ok }}", "true"},
		{"string unchanged", "{{ payload.name }}", "Ada & <Bob>"},
		{"array as JSON", "{{ payload.tags }}", `["a","b"]`},
		{"map as JSON", "{{ payload.item }}", `{"qty":2,"sku":"X-1"}`},
		{"map with HTML characters", "{{ {a: '<&>'} }}", `{"a":"<&>"}`},
		{"time as RFC 3339", "{{ payload.when }}", "2026-01-02T03:04:05Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tpl, err := CompileTemplate(tt.tpl)
			if err != nil {
				t.Fatalf("CompileTemplate(%q): %v", tt.tpl, err)
			}
			if tpl.String() != tt.tpl {
				t.Errorf("String() = %q, want the source %q", tpl.String(), tt.tpl)
			}
			got, err := tpl.Render(env)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got != tt.want {
				t.Errorf("Render = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTemplateIsLiteral(t *testing.T) {
	t.Parallel()
	for tpl, want := range map[string]bool{"": true, "https://x": true, "a{b}c": true, "{{ 1 }}": false, "x{{ 1 }}y": false} {
		c, err := CompileTemplate(tpl)
		if err != nil {
			t.Fatalf("CompileTemplate(%q): %v", tpl, err)
		}
		if c.IsLiteral() != want {
			t.Errorf("IsLiteral(%q) = %v, want %v", tpl, !want, want)
		}
	}
}

func TestTemplateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tpl     string
		message string
		line    int
		column  int
	}{
		{"unclosed", "https://x/{{ payload.id", "unclosed {{", 1, 11},
		{"unclosed after a good part", "{{ 1 }} and {{ 2", "unclosed {{", 1, 13},
		{"empty", "a{{ }}b", "empty {{ }}", 1, 2},
		{"empty without spaces", "{{}}", "empty {{ }}", 1, 1},
		{"bad expression", "https://x/{{ payload. }}", "unexpected end of expression", 1, 22},
		{"bad expression in the second part", "{{ 1 }}/{{ nope }}", "unknown name nope", 1, 12},
		{"on the second line of the template", "a\nb{{ payload. }}", "unexpected end of expression", 2, 13},
		{"on the second line of the expression", "x{{ payload.a ==\n ) }}", "unexpected token", 2, 2},
		{"after a multibyte character", "é{{ payload. }}", "unexpected end of expression", 1, 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := CompileTemplate(tt.tpl)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("CompileTemplate(%q) = %v, want a *FieldError", tt.tpl, err)
			}
			if !strings.Contains(fe.Message, tt.message) {
				t.Errorf("Message = %q, want it to contain %q", fe.Message, tt.message)
			}
			if fe.Line != tt.line || fe.Column != tt.column {
				t.Errorf("at %d:%d, want %d:%d", fe.Line, fe.Column, tt.line, tt.column)
			}
		})
	}
}

func TestTemplateRenderError(t *testing.T) {
	t.Parallel()
	tpl, err := CompileTemplate("x={{ payload.a.b.c }}")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tpl.Render(&Env{Payload: map[string]any{"a": 1}}); err == nil {
		t.Error("Render succeeded on a field of a number")
	}
}

func TestStringify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"s", "s"},
		{true, "true"},
		{12, "12"},
		{int64(-7), "-7"},
		{12.0, "12"},
		{1.5, "1.5"},
		{0.1, "0.1"},
		{1e21, "1000000000000000000000"},
		{-2.5e-7, "-0.00000025"},
		{math.Inf(1), "+Inf"},
		{[]any{1, "a", nil}, `[1,"a",null]`},
		{map[string]any{"b": 1, "a": []any{}}, `{"a":[],"b":1}`},
		{2 * time.Second, "2s"},
		{func() {}, "<func>"},
	}
	for _, tt := range tests {
		got := Stringify(tt.in)
		if tt.want == "<func>" {
			if got == "" {
				t.Errorf("Stringify(func) = %q, want something", got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("Stringify(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
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
