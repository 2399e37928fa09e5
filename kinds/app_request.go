package kinds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hookflow/hookflow/apps"
	"github.com/hookflow/hookflow/workflows"
)

// An app step's request is the app's, with the step's values in place of
// {{ with.NAME }}: written out as a webhook step's settings, it is
// compiled and sent as a webhook step is.

// composer writes an action's request with a step's values in place of
// {{ with.NAME }}: the result is a webhook step's settings, whose
// templates are the step's own.
type composer struct {
	values map[string]withValue
	// at: a webhook field -> the field of the action its value came from,
	// to place an error the webhook's compilation finds.
	at map[string]string
}

func (c *composer) compile(b *workflows.StepBuild, s *AppStep, action *apps.Action) (*webhookStep, error) {
	r := action.Request
	w := &Webhook{Method: r.MethodOrPost(), Timeout: s.Timeout, Retry: s.Retry, Headers: map[string]string{}}
	url, first, err := c.substitute(r.URL)
	if err != nil {
		return nil, b.Errorf("with", "%v", err)
	}
	if first != "" {
		c.at["url"] = first
		if !strings.HasPrefix(url, "{{") && !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
			return nil, b.Errorf("with."+first, "must start with http:// or https://")
		}
	}
	w.URL = url
	for name, v := range r.Headers {
		h, f, err := c.substitute(v)
		if err != nil {
			return nil, b.Errorf("with", "%v", err)
		}
		c.at["headers."+name] = f
		w.Headers[name] = h
	}
	w.BodyFormat = r.BodyFormat
	if body := bytes.TrimSpace(r.Body); len(body) > 0 && body[0] == '"' {
		// text, or xml as written: a template, sent as it is.
		var src string
		if err := json.Unmarshal(body, &src); err != nil {
			return nil, b.Errorf("with", "the app's body: %v", err)
		}
		tmpl, f, err := c.substitute(src)
		if err != nil {
			return nil, b.Errorf("with", "%v", err)
		}
		c.at["body"] = f
		w.Body = workflows.Body{Expr: tmpl}
	} else {
		m, err := c.body(r.Body)
		if err != nil {
			return nil, b.Errorf("with", "%v", err)
		}
		w.Body = workflows.Body{Mapping: m}
	}
	if r.ContentType != "" {
		w.Headers["Content-Type"] = r.ContentType
	}
	compiled, err := w.Compile(b)
	if err != nil {
		return nil, c.place(b, err)
	}
	return compiled.(*webhookStep), nil
}

// place moves an error the webhook's compilation placed at one of its
// fields (url, headers.X, body.K) to the action's field the value came
// from (with.NAME).
func (c *composer) place(b *workflows.StepBuild, err error) error {
	var fe *workflows.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	prefix := strings.TrimSuffix(b.Field("x"), "x")
	best := ""
	for k := range c.at {
		if (fe.Field == prefix+k || strings.HasPrefix(fe.Field, prefix+k+".")) && len(k) > len(best) {
			best = k
		}
	}
	if best == "" || c.at[best] == "" {
		return err
	}
	moved := *fe
	moved.Field = prefix + "with." + c.at[best]
	return &moved
}

// substitute writes an app's template with the values in place; first
// is the first field it holds ("" for none).
func (c *composer) substitute(src string) (out, first string, err error) {
	parts, err := apps.Parse(src)
	if err != nil {
		return "", "", err
	}
	var sb strings.Builder
	for _, p := range parts {
		if p.Field == "" {
			sb.WriteString(p.Literal)
			continue
		}
		if first == "" {
			first = p.Field
		}
		if v, ok := c.values[p.Field]; ok {
			sb.WriteString(v.text())
		}
	}
	return sb.String(), first, nil
}

// body composes the JSON body's mapping.
func (c *composer) body(raw json.RawMessage) (*workflows.Mapping, error) {
	m := &workflows.Mapping{}
	if len(raw) == 0 {
		return m, nil
	}
	src := &workflows.Mapping{}
	if err := src.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	for _, f := range src.Fields {
		var x any
		dec := json.NewDecoder(bytes.NewReader(f.Value))
		dec.UseNumber()
		if err := dec.Decode(&x); err != nil {
			return nil, err
		}
		s, isString := x.(string)
		if !isString {
			if !hasRefs(x) {
				m.Fields = append(m.Fields, f)
				continue
			}
			expr, err := c.exprOf(x, true)
			if err != nil {
				return nil, err
			}
			m.Fields = append(m.Fields, workflows.MappingField{Key: f.Key, Value: jsonString("{{ " + expr + " }}")})
			continue
		}
		parts, err := apps.Parse(s)
		if err != nil {
			return nil, err
		}
		if len(parts) == 1 && parts[0].Field != "" {
			name := parts[0].Field
			c.at["body."+f.Key] = name
			v, ok := c.values[name]
			switch {
			case !ok: // neither given nor defaulted: left out
			case v.literal != nil:
				m.Fields = append(m.Fields, workflows.MappingField{Key: f.Key, Value: v.literal})
			default:
				m.Fields = append(m.Fields, workflows.MappingField{Key: f.Key, Value: jsonString(v.template)})
			}
			continue
		}
		out, first, err := c.substitute(s)
		if err != nil {
			return nil, err
		}
		c.at["body."+f.Key] = first
		m.Fields = append(m.Fields, workflows.MappingField{Key: f.Key, Value: jsonString(out)})
	}
	return m, nil
}

// hasRefs reports whether a JSON value of the app's holds {{ with.NAME }}.
func hasRefs(x any) bool {
	switch v := x.(type) {
	case string:
		return strings.Contains(v, "{{")
	case map[string]any:
		for _, e := range v {
			if hasRefs(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if hasRefs(e) {
				return true
			}
		}
	}
	return false
}

// exprOf writes a JSON value as an expression that builds it: for a body
// value with fields inside an object or a list, which a mapping's
// dotted keys cannot reach. refs: a string that is {{ with.NAME }} is the
// field's value (the app's JSON); otherwise strings are as they are (a
// step's JSON value).
func (c *composer) exprOf(x any, refs bool) (string, error) {
	switch v := x.(type) {
	case nil:
		return "nil", nil
	case bool:
		return strconv.FormatBool(v), nil
	case json.Number:
		return v.String(), nil
	case string:
		if !refs {
			return quoteExpr(v), nil
		}
		parts, err := apps.Parse(v)
		if err != nil {
			return "", err
		}
		if len(parts) == 1 && parts[0].Field != "" {
			return c.fieldExpr(parts[0].Field)
		}
		return quoteExpr(v), nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var sb strings.Builder
		sb.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				sb.WriteString(", ")
			}
			e, err := c.exprOf(v[k], refs)
			if err != nil {
				return "", err
			}
			sb.WriteString(quoteExpr(k) + ": " + e)
		}
		sb.WriteString(" }") // never "}}", which would end the {{ }}
		return sb.String(), nil
	case []any:
		var sb strings.Builder
		sb.WriteString("[")
		for i, e := range v {
			if i > 0 {
				sb.WriteString(", ")
			}
			s, err := c.exprOf(e, refs)
			if err != nil {
				return "", err
			}
			sb.WriteString(s)
		}
		sb.WriteString(" ]")
		return sb.String(), nil
	}
	return "", fmt.Errorf("unexpected JSON value %T", x)
}

// fieldExpr is an expression giving a field's value: its JSON value, or
// what its template gives (text, where the template has text around its
// {{ }} or several of them).
func (c *composer) fieldExpr(name string) (string, error) {
	v, ok := c.values[name]
	if !ok {
		return "nil", nil
	}
	if v.literal != nil {
		var x any
		dec := json.NewDecoder(bytes.NewReader(v.literal))
		dec.UseNumber()
		if err := dec.Decode(&x); err != nil {
			return "", err
		}
		return c.exprOf(x, false)
	}
	var parts []string
	rest := v.template
	single := ""
	for rest != "" {
		i := strings.Index(rest, "{{")
		if i < 0 {
			parts = append(parts, quoteExpr(rest))
			break
		}
		if i > 0 {
			parts = append(parts, quoteExpr(rest[:i]))
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return "", fmt.Errorf("with.%s: unclosed {{", name)
		}
		e := strings.TrimSpace(rest[i+2 : i+2+j])
		single = "(" + e + ")"
		parts = append(parts, "string(("+e+") ?? \"\")")
		rest = rest[i+2+j+2:]
	}
	switch {
	case len(parts) == 0:
		return `""`, nil
	case len(parts) == 1 && single != "":
		return single, nil // one {{ }}: its value, of its own type
	}
	return "(" + strings.Join(parts, " + ") + ")", nil
}

// quoteExpr writes a string as an expression's string literal, its
// braces escaped so that it cannot end the {{ }} it is written in.
func quoteExpr(s string) string {
	q := strconv.Quote(s)
	q = strings.ReplaceAll(q, "{", `\u007b`)
	return strings.ReplaceAll(q, "}", `\u007d`)
}

func jsonString(s string) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimSpace(buf.Bytes())
}
