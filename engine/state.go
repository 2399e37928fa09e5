package engine

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"mime"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// runState is what the steps of one run read and change: the expression
// environment, with the payload and earlier steps' outputs.
type runState struct {
	compiled *workflows.Compiled
	env      workflows.Env
	// payloadJSON is the JSON of env.Payload where it is known (the
	// event's body, a transform's recorded output), so the payload is
	// encoded once per change rather than once per step.
	payloadJSON []byte
	// payloadIsBody: payloadJSON is the event's body (no transform yet).
	payloadIsBody bool
	// payloadPending: env.Payload is still to be decoded from payloadJSON,
	// the event's body (see LazyPayload); payload() does it.
	payloadPending bool
	// payloadFrom is the record of the top-level step whose output the
	// payload is (made in this execution, or read back by restore): later
	// records holding those bytes keep a reference to it instead
	// (store.InputRef). lastRecord is the record runStep made (or restore
	// read) last, which apply turns into payloadFrom.
	payloadFrom, lastRecord recordRef
	// secretVals caches secretValues (nil: not made yet).
	secretVals []string
	runID      string
	// test: a test run; calls out are made only when send is set.
	test bool
	send bool
	// eng and attempt are the engine running the step under way, and its
	// attempt: what the step sees through kinds.Runtime.
	eng     *Engine
	attempt int
	// path is the step under way's place in the workflow (kinds.Runtime's
	// Path), and nested what its nested steps need (nested.go).
	path   string
	nested *nestedRun
	// input, where set, is what a step's record shows as its input while
	// the payload is the one its nested steps started with (kinds.Nested).
	input any
	// calls is what its calls and waits need (calls.go).
	calls *callState
	// event is the run's event (its id and headers name the trace).
	event *store.Event
}

// at says the run is at the top-level step s, the i-th.
func (st *runState) at(i int, s *workflows.CompiledStep) {
	st.path, st.nested.index = s.ID, i
}

var _ kinds.Runtime = (*runState)(nil)

// Env is the step's expression environment.
func (st *runState) Env() *workflows.Env { return &st.env }

// Payload is the current payload, decoded first where still pending.
func (st *runState) Payload() any { return st.payload() }

// PayloadJSON is the payload's JSON where it is known.
func (st *runState) PayloadJSON() []byte { return st.payloadJSON }

// Now reads the engine's clock.
func (st *runState) Now() time.Time { return st.eng.now() }

// RunID is the run's id.
func (st *runState) RunID() string { return st.runID }

// Attempt numbers the attempt at the step under way.
func (st *runState) Attempt() int { return st.attempt }

// Test reports a test run, and whether it sends its requests.
func (st *runState) Test() (test, send bool) { return st.test, st.send }

// Send makes an outbound request through the engine's sender.
func (st *runState) Send(ctx context.Context, req actions.Request) (*actions.Response, error) {
	return st.eng.sender.Send(ctx, req)
}

// Dial connects through the engine's sender's egress guard.
func (st *runState) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return st.eng.sender.Dial(ctx, network, addr)
}

// TLSConfig is a copy of the engine's sender's TLS settings.
func (st *runState) TLSConfig() *tls.Config { return st.eng.sender.TLSConfig() }

// ConnScope is the engine's sender: connections a step keeps open (to a
// broker, a database) are shared only by steps dialing through it.
func (st *runState) ConnScope() any { return st.eng.sender }

// RedactHeader is a header's value as it may be recorded.
func (st *runState) RedactHeader(name, value string) string { return st.redactHeader(name, value) }

// Redact hides secret values inside s.
func (st *runState) Redact(s string) string { return redactString(s, st.secretValues()) }

func newRunState(c *workflows.Compiled, ev *store.Event, runID string, secrets map[string]any) *runState {
	return newRunStateOf(c, ev, runID, secrets, DecodePayload(ev))
}

// newRunStateOf is newRunState with the event's payload already decoded.
func newRunStateOf(c *workflows.Compiled, ev *store.Event, runID string, secrets map[string]any, p Payload) *runState {
	vars := c.Workflow.Vars
	if vars == nil {
		vars = map[string]any{}
	}
	if secrets == nil {
		secrets = map[string]any{}
	}
	payload, isJSON := p.Value, p.JSON
	var trigger map[string]any // left out where no step reads it
	if c.UsesTrigger() {
		trigger = TriggerInfo(ev)
	}
	st := &runState{
		compiled: c,
		event:    ev,
		runID:    runID,
		nested:   &nestedRun{},
		env: workflows.Env{
			Payload: payload,
			Trigger: trigger,
			Steps:   map[string]any{},
			Vars:    vars,
			Secrets: secrets,
			Run:     map[string]any{"id": runID, "workflow": c.Workflow.ID, "attempt": 1},
		},
	}
	if isJSON {
		st.payloadJSON, st.payloadIsBody, st.payloadPending = ev.Body, true, p.Deferred
	}
	st.calls = &callState{} // shared with the run's forks (a loop's items)
	st.calls.fromEvent(ev)
	return st
}

// payload returns the run's payload, decoding the event's body first if
// that is still to be done.
func (st *runState) payload() any {
	if st.payloadPending {
		st.payloadPending = false
		v, err := decodeJSON(st.payloadJSON)
		if err != nil { // not for a body LazyPayload took as JSON
			v = string(st.payloadJSON)
		}
		st.env.Payload = v
	}
	return st.env.Payload
}

// apply records a succeeded step's output where later steps see it.
func (st *runState) apply(s *workflows.CompiledStep, output any, raw []byte) {
	made := st.lastRecord
	st.lastRecord = recordRef{}
	st.env.Steps[s.ID] = output
	if pc, ok := s.Program.(kinds.PayloadCarrier); ok {
		st.input = nil
		st.env.Payload = pc.PayloadOf(output)
		st.payloadJSON, st.payloadIsBody, st.payloadPending = nil, false, false
		st.payloadFrom = recordRef{}
	}
	if _, ok := s.Program.(kinds.PayloadSetter); ok {
		st.input = nil // the payload is a step's own again
		st.env.Payload = output
		st.payloadJSON, st.payloadIsBody, st.payloadPending = raw, false, false
		st.payloadFrom = recordRef{}
		if made.step == s && made.stepID == s.ID && !strings.Contains(st.path, ".") {
			st.payloadFrom = made // a top-level step's, just recorded
		}
	}
}

// recordRef names a step attempt's record and holds its output as stored.
type recordRef struct {
	step    *workflows.CompiledStep
	stepID  string
	attempt int
	output  []byte
}

// inputRef is the reference a record with this input keeps to the record
// the payload came from, where the input holds that record's output.
func (st *runState) inputRef(input []byte) *store.InputRef {
	if st.payloadFrom.step == nil {
		return nil
	}
	return store.RefInput(input, st.payloadFrom.stepID, st.payloadFrom.attempt, st.payloadFrom.output)
}

// restore replays the recorded outputs of the steps before next, so a
// resumed run continues with the payload and step outputs it had.
func (st *runState) restore(results []store.StepResult, next int) error {
	last := map[int]store.StepResult{}
	for _, r := range results {
		st.nested.keep(r)
		if r.StepIndex < len(st.compiled.Steps) && r.StepID != st.compiled.Steps[r.StepIndex].ID {
			continue // a nested step's: RunSteps reads it
		}
		if r.StepIndex < next && completed(r.Status) {
			last[r.StepIndex] = r
		}
	}
	for i := 0; i < next && i < len(st.compiled.Steps); i++ {
		r, ok := last[i]
		if !ok {
			continue
		}
		var out any
		if len(r.Output) > 0 {
			var err error
			if out, err = decodeJSON(r.Output); err != nil {
				return err
			}
		}
		if r.Status == store.StepSucceeded {
			st.lastRecord = recordRef{step: st.compiled.Steps[i], stepID: r.StepID, attempt: r.Attempt, output: r.Output}
		}
		st.apply(st.compiled.Steps[i], out, r.Output)
	}
	return nil
}

// completed reports whether a step attempt's output is what later steps
// see: a succeeded attempt, or a delay that waited (the run is past it).
func completed(stepStatus string) bool {
	return stepStatus == store.StepSucceeded || stepStatus == store.StepWaiting
}

// ParsePayload turns an event's body into the run's first payload: JSON
// bodies decoded, form bodies as a map, other bodies as text, and an empty
// body as the query parameters.
func ParsePayload(ev *store.Event) any { return DecodePayload(ev).Value }

// Payload is an event's payload as ParsePayload makes it, and what the
// body turned out to be.
type Payload struct {
	Value any
	// JSON: the body was decoded as JSON, so its bytes are the payload's
	// encoding.
	JSON bool
	// BadJSON: the content type announces JSON and the body is not, or the
	// body is JSON with a number beyond float64's range (Err says where).
	BadJSON bool
	// Err is why the body was refused as JSON, where BadJSON.
	Err error
	// Deferred: the body is valid JSON not decoded yet (Value is nil); a
	// run decodes it when a step first reads the payload.
	Deferred bool
}

// DecodePayload is ParsePayload with what the body turned out to be. A
// caller that needs the payload before Accept (a trigger checking it)
// passes it on in AcceptParams, so that the body is decoded once.
func DecodePayload(ev *store.Event) Payload {
	mt, _, _ := mime.ParseMediaType(ev.Headers["content-type"])
	body := ev.Body
	switch {
	case len(body) == 0:
		return Payload{Value: valuesMap(parseQuery(ev.Query))}
	case mt == "application/x-www-form-urlencoded":
		if vals, err := url.ParseQuery(string(body)); err == nil {
			return Payload{Value: valuesMap(vals)}
		}
	case jsonMediaType(mt):
		v, err := decodeJSON(body)
		if err == nil {
			return Payload{Value: v, JSON: true}
		}
		// A body sent without a type that is not JSON is text; one that is
		// JSON but holds a number no run can hold is refused all the same.
		var re *NumberRangeError
		if mt != "" || errors.As(err, &re) {
			return Payload{Value: string(body), BadJSON: true, Err: err}
		}
	}
	return Payload{Value: string(body)}
}

// jsonMediaType reports whether a body of media type mt is read as JSON:
// application/json, a +json type, or none given.
func jsonMediaType(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == ""
}

// LazyPayload is DecodePayload that only checks a JSON body (Deferred): a
// run decodes it when a step first reads the payload, so one whose steps
// never do (a filter on the headers, a webhook step sending the body on as
// it is) does not pay for it. A trigger that checks the payload itself
// (a schema, an idempotency key) wants DecodePayload.
func LazyPayload(ev *store.Event) Payload {
	mt, _, _ := mime.ParseMediaType(ev.Headers["content-type"])
	if len(ev.Body) > 0 && jsonMediaType(mt) && validJSON(ev.Body) {
		return Payload{JSON: true, Deferred: true}
	}
	return DecodePayload(ev)
}

// PreparePayload reads an event's body as the workflow needs it, the one
// place that chooses: decoded at once where the workflow reads its payload
// as it arrives or in its steps (c.DecodesPayload), only checked otherwise
// (LazyPayload), so that a trigger never chooses between decoders.
func PreparePayload(c *workflows.Compiled, ev *store.Event) Payload {
	if c.DecodesPayload() {
		return DecodePayload(ev)
	}
	return LazyPayload(ev)
}

// TriggerInfo is the trigger object expressions see.
func TriggerInfo(ev *store.Event) map[string]any {
	headers := make(map[string]any, len(ev.Headers))
	for k, v := range ev.Headers {
		headers[k] = v
	}
	m := map[string]any{
		"source":      ev.Source,
		"method":      ev.Method,
		"headers":     headers,
		"query":       valuesMap(parseQuery(ev.Query)),
		"body":        string(ev.Body),
		"received_at": ev.ReceivedAt,
		"event_id":    ev.ID,
		"meta":        ev.Meta, // a broker's or poll's (nil: none)
	}
	if p := parentRun(ev); p != "" {
		m["parent_run"] = p
	}
	return m
}

func parseQuery(q string) url.Values {
	v, _ := url.ParseQuery(q)
	return v
}

// valuesMap flattens url.Values: one value as a string, several as a list.
func valuesMap(v url.Values) map[string]any {
	m := make(map[string]any, len(v))
	for k, vs := range v {
		if len(vs) == 1 {
			m[k] = vs[0]
			continue
		}
		list := make([]any, len(vs))
		for i, s := range vs {
			list[i] = s
		}
		m[k] = list
	}
	return m
}

// jsonOf encodes a value for the step record; nil stays empty.
func jsonOf(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

// durationSince is the elapsed time, never negative.
func durationSince(now, start time.Time) time.Duration {
	if d := now.Sub(start); d > 0 {
		return d
	}
	return 0
}
