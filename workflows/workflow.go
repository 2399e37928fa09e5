package workflows

import (
	"bytes"
	"encoding/json"
)

// Format is the only definition format this version reads and writes.
const Format = "hookflow/v1"

// Workflow is one stored automation: a trigger and the steps that run, in
// order, for every event the trigger accepts.
type Workflow struct {
	// Format must be "hookflow/v1".
	Format string `json:"format"`
	// ID is the stable identifier, [a-z0-9][a-z0-9-]{0,63}; generated on
	// create when empty.
	ID string `json:"id,omitempty"`
	// Name is what people see in lists.
	Name string `json:"name"`
	// Enabled workflows accept events; disabled ones answer 404 on their
	// trigger URL. Absent means true.
	Enabled bool `json:"enabled"`
	// Trigger says what starts a run.
	Trigger Trigger `json:"trigger"`
	// Steps run in order; a filter that answers false ends the run.
	Steps []Step `json:"steps"`
	// Vars are constants available to expressions as vars.NAME.
	Vars map[string]any `json:"vars,omitempty"`
	// OnFailure names another workflow started when a run fails for good.
	OnFailure string `json:"on_failure,omitempty"`
	// OnFailureMode says when OnFailure is started: "issue" (the default)
	// when a failure opens an issue (its workflow, step and error class
	// first fail, or fail again after the issue was resolved), "every" for
	// every failed run.
	OnFailureMode string `json:"on_failure_mode,omitempty"`
	// Concurrency caps the runs of this workflow executing at once
	// (0: no limit beyond the worker pool).
	Concurrency int `json:"concurrency,omitempty"`
	// Tags group workflows in lists ("billing", "alerts").
	Tags []string `json:"tags,omitempty"`
}

// Trigger says what starts a run of a workflow: its type names a trigger
// kind (webhook, cron, manual, ...), whose own fields sit beside "type"
// in the definition and are decoded into Settings.
type Trigger struct {
	// Type names the trigger's kind.
	Type string
	// Settings are the kind's own fields; nil where the type is unknown
	// (Compile refuses it).
	Settings TriggerSettings

	raw rawFields // the fields of a type no kind has
}

// Auth is how a webhook trigger authenticates its caller.
type Auth struct {
	// Type is none, token, basic, hmac, github, stripe, shopify, slack or
	// standard.
	Type string `json:"type"`
	// Secret is the shared secret or token; usually "{{ secrets.NAME }}".
	Secret string `json:"secret,omitempty"`
	// Header carries the token or signature (token, hmac).
	Header string `json:"header,omitempty"`
	// Query is the query parameter that may carry the token (token).
	Query string `json:"query,omitempty"`
	// Username for basic auth (Secret is the password).
	Username string `json:"username,omitempty"`
	// Algorithm of an hmac signature: sha256 (default), sha1 or sha512.
	Algorithm string `json:"algorithm,omitempty"`
	// Encoding of an hmac signature: hex (default) or base64.
	Encoding string `json:"encoding,omitempty"`
	// Prefix before the signature in the header, e.g. "sha256=".
	Prefix string `json:"prefix,omitempty"`
}

// Step is one stage of a workflow: its type names a step kind (filter,
// transform, webhook, ...), whose own fields sit beside id, type and when
// in the definition and are decoded into Settings.
type Step struct {
	// ID names the step; later steps read its output as steps.ID.
	ID string
	// Type names the step's kind.
	Type string
	// When is a condition (an expression or a match object); the step
	// runs only where it holds.
	When Condition
	// Settings are the kind's own fields; nil where the type is unknown
	// (Compile refuses it).
	Settings StepSettings

	raw rawFields // the fields of a type no kind has
}

// authField is one field of an Auth that is set.
type authField struct{ name, value string }

// set lists the fields beyond type that are set, in the struct's order.
func (a *Auth) set() []authField {
	var out []authField
	for _, f := range []authField{
		{"secret", a.Secret}, {"header", a.Header}, {"query", a.Query}, {"username", a.Username},
		{"algorithm", a.Algorithm}, {"encoding", a.Encoding}, {"prefix", a.Prefix},
	} {
		if f.value != "" {
			out = append(out, f)
		}
	}
	return out
}

// value is one field's value by its JSON name.
func (a *Auth) value(name string) string {
	for _, f := range a.set() {
		if f.name == name {
			return f.value
		}
	}
	return ""
}

// MarshalJSON writes the workflow with its steps always a list: a workflow
// with no steps yet exports "steps": [], never null ("<", ">" and "&" as
// they are, as Encode writes them).
func (w Workflow) MarshalJSON() ([]byte, error) {
	type plain Workflow
	if w.Steps == nil {
		w.Steps = []Step{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(plain(w)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// The values of Workflow.OnFailureMode.
const (
	OnFailureIssue = "issue"
	OnFailureEvery = "every"
)
