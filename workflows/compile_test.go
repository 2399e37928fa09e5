package workflows

import (
	"regexp"
	"testing"
)

func TestCompileNil(t *testing.T) {
	t.Parallel()
	if _, err := Compile(nil); err == nil {
		t.Error("Compile(nil) succeeded")
	}
}

func TestFieldErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *FieldError
		want string
	}{
		{&FieldError{Field: "name", Message: "is required"}, "name: is required"},
		{&FieldError{Field: "steps[0].expr", Step: "paid", Message: "unexpected token", Line: 2, Column: 3}, `step "paid": steps[0].expr: unexpected token (2:3)`},
		{&FieldError{Message: "unclosed {{", Line: 1, Column: 4}, "unclosed {{ (1:4)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// fieldPath is DESIGN's style for FieldError.Field: dotted names with
// [index] after lists, e.g. steps[2].expr or steps[0].headers.X-Name.
var fieldPath = regexp.MustCompile(`^[a-z_]+(\[\d+\])?(\.[A-Za-z0-9_!#$%&'*+.^` + "`" + `|~-]+(\[\d+\])?)*$`)

// TestCompileNoSteps: a workflow of a trigger alone is valid (its URL
// works before any step is added) and encodes its steps as [], with the
// steps left out of the definition or null.
func TestCompileNoSteps(t *testing.T) {
	t.Parallel()
	for _, def := range []string{
		`{"format": "hookflow/v1", "name": "Bare", "trigger": {"type": "manual"}}`,
		`{"format": "hookflow/v1", "name": "Bare", "trigger": {"type": "manual"}, "steps": null}`,
		`{"format": "hookflow/v1", "name": "Bare", "trigger": {"type": "manual"}, "steps": []}`,
	} {
		w, err := Decode([]byte(def))
		if err != nil {
			t.Fatalf("Decode(%s): %v", def, err)
		}
		c, err := Compile(w)
		if err != nil {
			t.Fatalf("Compile(%s): %v", def, err)
		}
		if len(c.Steps) != 0 {
			t.Errorf("%d compiled steps, want none", len(c.Steps))
		}
		out, err := Encode(w)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`"steps": \[\]`).Match(out) {
			t.Errorf("Encode(%s) =\n%s\nwant \"steps\": []", def, out)
		}
	}
}
