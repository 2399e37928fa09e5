package kinds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/apps"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// The kinds of value of an app step's own fields, which the editor draws
// with the app's forms: a pick of the apps, of the app's actions, and the
// chosen action's fields.
const (
	ValueApp       = "app"
	ValueAppAction = "app_action"
	ValueAppWith   = "app_with"
)

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:    "app",
			Title:   "Use an app",
			Summary: "Does something in an app (Slack, Teams, PagerDuty...) from a form; sent and retried like a webhook.",
			Fields: []workflows.Field{
				{Name: "app", Label: "App", Kind: ValueApp, Required: true,
					Help: "The app's id: a shipped app (slack, discord, teams, telegram, mattermost, pagerduty) or one loaded with serve --apps."},
				{Name: "action", Label: "Action", Kind: ValueAppAction, Required: true,
					Help: "What to do in the app, such as send_message."},
				{Name: "with", Label: "Fields", Kind: ValueAppWith,
					Help: "The action's fields: text with {{ }} parts filled in from the run, such as {{ payload.id }}; secrets as {{ secrets.NAME }}."},
				{Name: "timeout", Label: "Timeout", Kind: workflows.ValueDuration, Default: DefaultTimeout.String(),
					Help: "How long one attempt may take before it counts as failed and is retried."},
				{Name: "retry", Label: "Retries", Kind: workflows.ValueObject,
					Help: "Network errors, timeouts, 408, 429 and 5xx answers are retried, waiting longer each time; other answers fail the step at once.",
					Fields: []workflows.Field{
						{Name: "max_attempts", Label: "Attempts", Kind: workflows.ValueNumber, Default: DefaultMaxAttempts,
							Help: "Attempts in all, the first included (1 to 100)."},
						{Name: "initial", Label: "First wait", Kind: workflows.ValueDuration, Default: DefaultInitial.String(),
							Help: "The longest wait before the second attempt; each wait after may be twice the one before."},
						{Name: "max", Label: "Longest wait", Kind: workflows.ValueDuration, Default: DefaultMaxBackoff.String(),
							Help: "No wait between attempts is longer than this."},
					}},
			},
			Example: []byte(`{"id": "notify", "type": "app", "app": "slack", "action": "send_message", "with": {"webhook_url": "{{ secrets.slack_hook }}", "text": "New order {{ payload.id }}"}}`),
		},
		New: func() workflows.StepSettings { return &AppStep{} },
	})
}

// AppStep does one action of an app (package apps): the action's request,
// made from the values of its fields, is sent as a webhook step's is.
type AppStep struct {
	// App is the app's id.
	App string `json:"app,omitempty"`
	// Action is the id of the app's action.
	Action string `json:"action,omitempty"`
	// With holds the values of the action's fields: a string is a
	// template; a json, number or boolean field may also take a JSON value.
	With map[string]json.RawMessage `json:"with,omitempty"`
	// Timeout of one attempt, e.g. "10s" (default 30s).
	Timeout string `json:"timeout,omitempty"`
	// Retry sets how failed attempts are retried.
	Retry *Retry `json:"retry,omitempty"`
}

// withValue is the value a step gives a field: a template's source, or a
// JSON value of another type.
type withValue struct {
	template string
	literal  json.RawMessage // non-nil: not a template
}

// text is the value placed in a template of the app's: the template's
// source, or the JSON value written as text.
func (v withValue) text() string {
	if v.literal == nil {
		return v.template
	}
	var x any
	if err := json.Unmarshal(v.literal, &x); err != nil {
		return string(v.literal)
	}
	if s, ok := x.(string); ok {
		return s
	}
	return strings.TrimSpace(string(v.literal))
}

// Compile checks the app, the action and the values of its fields, and
// compiles the action's request as a webhook step's.
func (s *AppStep) Compile(b *workflows.StepBuild) (any, error) {
	if s.App == "" {
		return nil, b.Errorf("app", "is required (%s)", strings.Join(apps.IDs(), ", "))
	}
	app, ok := apps.Lookup(s.App)
	if !ok {
		return nil, b.Errorf("app", "unknown app %q (%s)", s.App, strings.Join(apps.IDs(), ", "))
	}
	if s.Action == "" {
		return nil, b.Errorf("action", "is required (%s has %s)", app.Name, strings.Join(app.ActionIDs(), ", "))
	}
	action, ok := app.Action(s.Action)
	if !ok {
		return nil, b.Errorf("action", "unknown action %q of %s (%s)", s.Action, app.Name, strings.Join(app.ActionIDs(), ", "))
	}
	names := make([]string, 0, len(s.With))
	for name := range s.With {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, ok := action.Field(name); !ok {
			return nil, b.Errorf("with."+name, "is not a field of %s %s (%s)", app.Name, action.ID, strings.Join(action.FieldNames(), ", "))
		}
	}
	values := map[string]withValue{}
	for _, f := range action.Fields {
		raw, given := s.With[f.Name]
		if !given || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			if f.Default != nil {
				lit, err := json.Marshal(f.Default)
				if err != nil {
					return nil, b.Errorf("with."+f.Name, "the app's default is not JSON: %v", err)
				}
				values[f.Name] = withValue{literal: lit}
			} else if f.Required {
				return nil, b.Errorf("with."+f.Name, "is required (%s)", f.Label)
			}
			continue
		}
		v, err := checkWith(b, f, raw)
		if err != nil {
			return nil, err
		}
		values[f.Name] = v
	}
	c := composer{values: values, at: map[string]string{}}
	hook, text, err := c.compile(b, s, action)
	if err != nil {
		return nil, err
	}
	return &appStep{hook: hook, text: text}, nil
}

// checkWith checks a field's value against the field, and compiles its
// templates so that a mistake is placed at with.NAME.
func checkWith(b *workflows.StepBuild, f workflows.Field, raw json.RawMessage) (withValue, error) {
	at := "with." + f.Name
	var x any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		return withValue{}, b.Errorf(at, "not a JSON value: %v", err)
	}
	s, isString := x.(string)
	template := func() (withValue, error) {
		if _, err := b.Template(at, s); err != nil {
			return withValue{}, err
		}
		return withValue{template: s}, nil
	}
	switch f.Kind {
	case workflows.ValueText, workflows.ValueTemplate, workflows.ValueSecret:
		if !isString {
			return withValue{}, b.Errorf(at, "must be text")
		}
		return template()
	case workflows.ValueNumber:
		if _, ok := x.(json.Number); ok {
			return withValue{literal: raw}, nil
		}
		if isString && strings.Contains(s, "{{") {
			return template()
		}
		return withValue{}, b.Errorf(at, "must be a number, or {{ }} giving one")
	case workflows.ValueBoolean:
		if _, ok := x.(bool); ok {
			return withValue{literal: raw}, nil
		}
		if isString && strings.Contains(s, "{{") {
			return template()
		}
		return withValue{}, b.Errorf(at, "must be true or false, or {{ }} giving one")
	case workflows.ValueSelect:
		for _, o := range f.Options {
			if isString && o.Value == s {
				return withValue{literal: raw}, nil
			}
		}
		vals := make([]string, len(f.Options))
		for i, o := range f.Options {
			vals[i] = o.Value
		}
		return withValue{}, b.Errorf(at, "must be one of %s", strings.Join(vals, ", "))
	case workflows.ValueJSON:
		if isString && strings.Contains(s, "{{") {
			return template()
		}
		return withValue{literal: raw}, nil
	}
	return withValue{}, b.Errorf(at, "the app's field is of an unknown kind %q", f.Kind)
}

// composer writes an action's request with a step's values in place of
// {{ with.NAME }}: the result is a webhook step's settings, whose
// templates are the step's own.
type composer struct {
	values map[string]withValue
	// at: a webhook field -> the field of the action its value came from,
	// to place an error the webhook's compilation finds.
	at map[string]string
}

func (c *composer) compile(b *workflows.StepBuild, s *AppStep, action *apps.Action) (*webhookStep, *workflows.Template, error) {
	r := action.Request
	w := &Webhook{Method: r.MethodOrPost(), Timeout: s.Timeout, Retry: s.Retry, Headers: map[string]string{}}
	url, first, err := c.substitute(r.URL)
	if err != nil {
		return nil, nil, b.Errorf("with", "%v", err)
	}
	if first != "" {
		c.at["url"] = first
		if !strings.HasPrefix(url, "{{") && !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
			return nil, nil, b.Errorf("with."+first, "must start with http:// or https://")
		}
	}
	w.URL = url
	for name, v := range r.Headers {
		h, f, err := c.substitute(v)
		if err != nil {
			return nil, nil, b.Errorf("with", "%v", err)
		}
		c.at["headers."+name] = f
		w.Headers[name] = h
	}
	var text *workflows.Template
	switch r.BodyFormat {
	case "text":
		var src string
		if err := json.Unmarshal(r.Body, &src); err != nil {
			return nil, nil, b.Errorf("with", "the app's body: %v", err)
		}
		body, f, err := c.substitute(src)
		if err != nil {
			return nil, nil, b.Errorf("with", "%v", err)
		}
		at := "with"
		if f != "" {
			at += "." + f
		}
		if text, err = b.Template(at, body); err != nil {
			return nil, nil, err
		}
		if r.ContentType == "" {
			w.Headers["Content-Type"] = "text/plain; charset=utf-8"
		}
	default:
		m, err := c.body(r.Body)
		if err != nil {
			return nil, nil, b.Errorf("with", "%v", err)
		}
		w.Body = workflows.Body{Mapping: m}
	}
	if r.ContentType != "" {
		w.Headers["Content-Type"] = r.ContentType
	}
	compiled, err := w.Compile(b)
	if err != nil {
		return nil, nil, c.place(b, err)
	}
	return compiled.(*webhookStep), text, nil
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

// appStep is an app step compiled: the webhook step of its request, and
// for a text body, the body's template.
type appStep struct {
	hook *webhookStep
	text *workflows.Template // nil: the hook's JSON body
}

var (
	_ Step     = (*appStep)(nil)
	_ Outbound = (*appStep)(nil)
)

// Timeout is how long one attempt may take.
func (s *appStep) Timeout() time.Duration { return s.hook.timeout }

func (s *appStep) Run(ctx context.Context, rt Runtime) Outcome {
	if s.text == nil {
		return s.hook.Run(ctx, rt)
	}
	req, err := s.hook.request(rt)
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: err}
	}
	body, err := s.text.Render(rt.Env())
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("body: %w", err)}
	}
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		req.Body = nil
	} else {
		req.Body = []byte(body)
	}
	req.WebhookID = WebhookID(rt.RunID(), rt.Path())
	req.Timestamp = rt.Now()
	record := requestRecord(rt, actions.Request{Method: req.Method, URL: req.URL, Header: req.Header})
	if req.Body != nil {
		record["body"] = rt.Redact(body)
	}
	if test, send := rt.Test(); test && !send {
		return Outcome{Status: store.StepSucceeded, Input: record, Output: map[string]any{"sent": false}}
	}
	resp, err := rt.Send(ctx, req)
	out := Outcome{Status: store.StepSucceeded, Input: record}
	if resp != nil {
		out.StatusCode = resp.Status
		out.Output = resp.Output()
	}
	if err == nil {
		return out
	}
	out.Err = err
	out.Status = store.StepFailed
	var de *actions.DeliveryError
	if test, _ := rt.Test(); ctx.Err() != nil || !errors.As(err, &de) || !de.Retryable || test {
		return out
	}
	if rt.Attempt() >= s.hook.retry.MaxAttempts {
		out.Err = fmt.Errorf("%w (gave up after %d attempts)", err, rt.Attempt())
		return out
	}
	out.Status = store.StepRetrying
	out.At = rt.Now().Add(Backoff(s.hook.retry, rt.Attempt(), de.RetryAfter))
	return out
}
