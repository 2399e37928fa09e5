package workflows

import (
	"strings"
	"testing"
)

// TestHints: the mistakes a person writing a condition makes most often
// come with how to write it instead.
func TestHints(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		`payload.type = 'paid'`:             "to compare, use ==",
		`payload.type == payment.succeeded`: "text must be in quotes: 'payment.succeeded'",
		`payload.status == paid`:            "text must be in quotes: 'paid'",
		`payload.x >`:                       "",
	} {
		b := &build{path: "steps[0]", step: "s"}
		_, err := b.BoolExpr("expr", src)
		if err == nil {
			t.Errorf("%s compiled", src)
			continue
		}
		got := err.(*FieldError).Hint
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%s: hint %q, want %q", src, got, want)
		}
		if _, err := CompileExpr(src); Hint(src, err) != got {
			t.Errorf("%s: Hint on expr's own error = %q, want %q", src, Hint(src, err), got)
		}
	}
}

// TestWarning: an expression that compiles but has {{ }} in it is warned of.
func TestWarning(t *testing.T) {
	t.Parallel()
	if w := Warning(`payload.name == "{{ payload.x }}"`); !strings.Contains(w, "{{ }} is for text fields") {
		t.Errorf("Warning = %q", w)
	}
	if w := Warning(`payload.name == "x"`); w != "" {
		t.Errorf("Warning = %q, want none", w)
	}
}
