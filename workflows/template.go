package workflows

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"
)

// Template is a string field with "{{ expr }}" parts, compiled once.
type Template struct {
	source string
	parts  []templatePart
	// url: a URL template, whose values from the event are escaped for
	// where they land (template_url.go).
	url bool
}

type templatePart struct {
	literal string
	program *vm.Program
	// fromEvent: in a URL template, a value from the event (not the
	// first part); escaped: it is urlEncode(...)'s.
	fromEvent, escaped bool
}

// CompileTemplate parses the "{{ expr }}" parts of s and compiles each.
// An error is a *FieldError (without Field) whose Line and Column locate
// the problem within s, not within the expression alone.
func CompileTemplate(s string) (*Template, error) {
	t := &Template{source: s}
	rest, offset := s, 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				t.parts = append(t.parts, templatePart{literal: rest})
			}
			return t, nil
		}
		if i > 0 {
			t.parts = append(t.parts, templatePart{literal: rest[:i]})
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			line, col := position(s[:offset+i])
			return nil, &FieldError{Message: "unclosed {{", Line: line, Column: col}
		}
		src := rest[i+2 : i+2+j]
		if strings.TrimSpace(src) == "" {
			line, col := position(s[:offset+i])
			return nil, &FieldError{Message: "empty {{ }}", Line: line, Column: col}
		}
		p, err := CompileExpr(src)
		if err != nil {
			fe := fieldErr("", "", err)
			if fe.Line > 0 {
				// fe is placed within src; src starts at line, col of s.
				line, col := position(s[:offset+i+2])
				if fe.Line == 1 {
					fe.Column += col - 1
				}
				fe.Line += line - 1
			}
			return nil, fe
		}
		t.parts = append(t.parts, templatePart{program: p})
		offset += i + 2 + j + 2
		rest = rest[i+2+j+2:]
	}
}

// IsLiteral reports whether the template has no expressions.
func (t *Template) IsLiteral() bool {
	for _, p := range t.parts {
		if p.program != nil {
			return false
		}
	}
	return true
}

// String returns the template's source.
func (t *Template) String() string { return t.source }

// Render evaluates the template's expressions and joins the parts.
func (t *Template) Render(env *Env) (string, error) {
	if len(t.parts) == 1 && t.parts[0].program == nil {
		return t.parts[0].literal, nil
	}
	return t.render(env, nil)
}

// RenderEscaped is Render with every {{ }} value passed through escape
// before it lands (an email's HTML: html.EscapeString, so that a value
// from the event shows as text and cannot add markup); the literal parts
// are kept as written.
func (t *Template) RenderEscaped(env *Env, escape func(string) string) (string, error) {
	return t.render(env, escape)
}

// render joins the parts, each {{ }} value passed through escape where
// given, else placed as a URL template places a value from the event.
func (t *Template) render(env *Env, escape func(string) string) (string, error) {
	if env == nil || env.Budget == nil { // the parts share one budget
		e := Env{}
		if env != nil {
			e = *env
		}
		e.Budget = NewBudget(context.Background())
		env = &e
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.program == nil {
			b.WriteString(p.literal)
			continue
		}
		v, err := Eval(p.program, env)
		if err != nil {
			return "", err
		}
		s := Stringify(v)
		if escape != nil {
			s = escape(s)
		} else if p.fromEvent {
			if s, err = placeURLValue(b.String(), s, p.escaped); err != nil {
				return "", err
			}
		}
		if err := env.Budget.charge(len(s)); err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// Stringify renders an expression value for a string field: strings as they
// are, numbers (never with an exponent) and booleans in their usual form,
// times as RFC 3339, nil as "", everything else as JSON.
func Stringify(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return x.String()
	default:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return fmt.Sprint(x)
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
}
