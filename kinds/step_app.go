package kinds

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/hookflow/hookflow/apps"
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
					Help:   "Network errors, timeouts, 408, 429 and 5xx answers are retried, waiting longer each time; other answers fail the step at once.",
					Fields: retryFields},
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
			if b.Stored() { // the app's file has changed since: the field is gone
				b.Dropped("with." + name)
				continue
			}
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
	hook, err := c.compile(b, s, action)
	if err != nil {
		return nil, err
	}
	return &appStep{hook: hook}, nil
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

// appStep is an app step compiled: the webhook step of its request, with
// its body in the app's format (json, form, multipart, xml or text).
type appStep struct {
	hook *webhookStep
}

var (
	_ Step     = (*appStep)(nil)
	_ Outbound = (*appStep)(nil)
)

// Timeout is how long one attempt may take.
func (s *appStep) Timeout() time.Duration { return s.hook.Timeout() }

// Run sends the request as the webhook step does.
func (s *appStep) Run(ctx context.Context, rt Runtime) Outcome { return s.hook.Run(ctx, rt) }
