package workflows

import (
	"context"
	"strings"
)

// RenderEscaped is Render with every {{ }} value passed through escape
// before it lands (an email's HTML: html.EscapeString, so that a value
// from the event shows as text and cannot add markup); the literal parts
// are kept as written.
func (t *Template) RenderEscaped(env *Env, escape func(string) string) (string, error) {
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
		s := escape(Stringify(v))
		if err := env.Budget.charge(len(s)); err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}
