package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// repeat is a step kind for these tests only: it runs its steps times
// times over, each round recorded under "ID[round]", as a loop over items
// will. It is how the engine's nested steps are held to their promises
// before a kind users see holds steps.
type repeat struct {
	Times int              `json:"times,omitempty"`
	Steps []workflows.Step `json:"steps,omitempty"`
}

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{Type: "test_repeat", Title: "Repeat (tests only)", Summary: "Runs its steps times times.",
			Fields: []workflows.Field{
				{Name: "times", Label: "Times", Kind: workflows.ValueNumber},
				{Name: "steps", Label: "Steps", Kind: workflows.ValueSteps},
			}},
		New: func() workflows.StepSettings { return &repeat{} },
	})
}

type repeatStep struct {
	times int
	steps []*workflows.CompiledStep
}

func (r *repeat) Compile(b *workflows.StepBuild) (any, error) {
	steps, err := b.Steps("steps", r.Steps)
	if err != nil {
		return nil, err
	}
	return &repeatStep{times: max(r.Times, 1), steps: steps}, nil
}

func (r *repeatStep) Run(ctx context.Context, rt kinds.Runtime) kinds.Outcome {
	var outs []any
	for i := range r.times {
		o := rt.RunSteps(ctx, r.steps, kinds.Nested{Path: fmt.Sprintf("%s[%d]", rt.Path(), i)})
		if o.Status != store.StepSucceeded {
			return o
		}
		outs = append(outs, o.Output)
	}
	return kinds.Outcome{Status: store.StepSucceeded, Output: map[string]any{"count": r.times, "results": outs}}
}

// repeatWorkflow repeats a transform and a webhook step; steps after the
// loop see the payload as it was before it.
const repeatWorkflow = `{
  "format": "hookflow/v1", "id": "nested", "name": "Nested",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "each", "type": "test_repeat", "times": 3, "steps": [
      {"id": "shape", "type": "transform", "expr": "{order: payload.order}"},
      {"id": "send", "type": "webhook", "url": "{{ vars.recv }}/item", "body": "payload",
       "retry": {"max_attempts": 3, "initial": "10ms", "max": "20ms"}}
    ]},
    {"id": "after", "type": "transform", "expr": "{order: payload.order, rounds: steps.each.count}"}
  ]
}`

// TestNestedStepsRecordedUnderPaths: each attempt of a nested step is
// recorded with its path, under its holder's index, before the holder's
// own record; the payload the nested steps made does not leak out.
func TestNestedStepsRecordedUnderPaths(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(repeatWorkflow)
	run := b.accept(wf, `{"order": "A-1"}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q)", r.Status, r.Error)
	}
	var got []string
	for _, r := range b.results(run) {
		got = append(got, fmt.Sprintf("%s@%d#%d:%s", r.StepID, r.StepIndex, r.Attempt, r.Status))
	}
	want := []string{
		"each[0].shape@0#1:succeeded", "each[0].send@0#1:succeeded",
		"each[1].shape@0#1:succeeded", "each[1].send@0#1:succeeded",
		"each[2].shape@0#1:succeeded", "each[2].send@0#1:succeeded",
		"each@0#1:succeeded", "after@1#1:succeeded",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("records\n %v\nwant\n %v", got, want)
	}
	if n := b.recv.Count(); n != 3 {
		t.Errorf("receiver got %d requests, want 3", n)
	}
	after := b.resultsOf(run, "after")
	jsonEqual(t, "after's output", after[0].Output, `{"order": "A-1", "rounds": 3}`)
}

// TestNestedStepRetriesWhereItStopped: a nested webhook that fails makes
// the run retry; the run resumes at that nested step, its attempt counted
// from its own records, and the nested steps done before are not run
// again (the receiver gets each round once).
func TestNestedStepRetriesWhereItStopped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.N == 2 { // round 1's first attempt
			return receivertest.Reply{Status: 503}
		}
		return receivertest.Reply{}
	})
	wf := b.save(repeatWorkflow)
	run := b.accept(wf, `{"order": "A-2"}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q)", r.Status, r.Error)
	}
	if n := b.recv.Count(); n != 4 {
		t.Errorf("receiver got %d requests, want 4 (three rounds, one retried)", n)
	}
	sends := b.resultsOf(run, "each[1].send")
	if len(sends) != 2 || sends[0].Status != store.StepRetrying || sends[1].Status != store.StepSucceeded || sends[1].Attempt != 2 {
		t.Errorf("each[1].send attempts = %+v; want retrying then succeeded as attempt 2", sends)
	}
	if n := len(b.resultsOf(run, "each[0].send")); n != 1 {
		t.Errorf("each[0].send recorded %d times, want once", n)
	}
	if n := len(b.resultsOf(run, "each[0].shape")); n != 1 {
		t.Errorf("each[0].shape ran %d times, want once", n)
	}
}

// TestNestedStepsResumeAfterShutdown: a nested webhook's record is written
// as soon as it is sent (a crash after it does not send it again), and a
// run given back while a nested webhook is in flight resumes, on another
// engine, at that nested step: the rounds already sent are not sent again.
func TestNestedStepsResumeAfterShutdown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	block := make(chan struct{})
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.N == 2 {
			return receivertest.Reply{Block: block}
		}
		return receivertest.Reply{}
	})
	wf := b.save(repeatWorkflow)
	run := b.accept(wf, `{"order": "A-3"}`)
	b.recv.Wait(t, 2)
	// Round 1's call is in flight: round 0's is already on record, as a
	// crash here would find it.
	waitUntil(t, "each[0].send on record while round 1 is in flight", func() bool {
		rs := b.resultsOf(run, "each[0].send")
		return len(rs) == 1 && rs[0].Status == store.StepSucceeded
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_ = b.engine.Shutdown(ctx)
	close(block)
	if r := b.waitStatus(run, store.StatusQueued); r.NextStep != 0 {
		t.Fatalf("given back at step %d, want 0 (the loop)", r.NextStep)
	}

	again := b.newEngine(b.spy, nil)
	b.start(again)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q)", r.Status, r.Error)
	}
	if n := b.recv.Count(); n != 4 {
		t.Errorf("receiver got %d requests, want 4: round 0 once, round 1 twice (cut off, then again), round 2 once", n)
	}
	if n := len(b.resultsOf(run, "each[0].send")); n != 1 {
		t.Errorf("each[0].send recorded %d times, want once", n)
	}
}

// TestNestedDelayResumesAfterIt: a delay inside nested steps makes the run
// wait at its holder; once due, the run goes on after the delay, inside
// the holder, not from the holder's start nor after it.
func TestNestedDelayResumesAfterIt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "nested-wait", "name": "Nested wait",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "each", "type": "test_repeat", "times": 2, "steps": [
      {"id": "pause", "type": "delay", "for": "50ms"},
      {"id": "send", "type": "webhook", "url": "{{ vars.recv }}/item"}
    ]}
  ]
}`)
	run := b.accept(wf, `{"order": "A-4"}`)
	b.waitStatus(run, store.StatusWaiting)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q)", r.Status, r.Error)
	}
	if n := b.recv.Count(); n != 2 {
		t.Errorf("receiver got %d requests, want 2", n)
	}
	for _, path := range []string{"each[0].pause", "each[1].pause", "each[0].send", "each[1].send"} {
		if n := len(b.resultsOf(run, path)); n != 1 {
			t.Errorf("%s recorded %d times, want once", path, n)
		}
	}
}

// TestNestedStepsCompileErrors: a nested step's mistake is named by its
// path in the definition, and step ids are unique across the nesting.
func TestNestedStepsCompileErrors(t *testing.T) {
	t.Parallel()
	for def, want := range map[string]string{
		`[{"id": "each", "type": "test_repeat", "steps": [{"id": "a", "type": "transform", "expr": "payload"}, {"id": "send", "type": "webhook", "url": "ftp://x"}]}]`: `steps[0].steps[1].url`,
		`[{"id": "each", "type": "test_repeat", "steps": [{"id": "a", "type": "webhook", "url": "https://x", "colour": 1}]}]`:                                          `steps[0].steps[0].colour`,
		`[{"id": "a", "type": "transform", "expr": "payload"}, {"id": "each", "type": "test_repeat", "steps": [{"id": "a", "type": "transform", "expr": "payload"}]}]`: `steps[1].steps[0].id`,
		`[{"id": "each", "type": "test_repeat", "steps": [{"id": "each", "type": "transform", "expr": "payload"}]}]`:                                                   `steps[0].steps[0].id`,
		`[{"id": "each", "type": "test_repeat", "steps": []}]`:                                                                                                         `steps[0].steps`,
	} {
		w, err := workflows.Decode([]byte(`{"format": "hookflow/v1", "name": "n", "trigger": {"type": "manual"}, "steps": ` + def + `}`))
		if err == nil {
			_, err = workflows.Compile(w)
		}
		var fe *workflows.FieldError
		if !errors.As(err, &fe) || fe.Field != want {
			t.Errorf("%s: %v, want an error at %s", def, err, want)
		}
	}
}

// TestNestedStepsInATestRun: a test run shows each nested step's attempt
// with its path and type, before its holder's.
func TestNestedStepsInATestRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c, err := compileDefinition([]byte(repeatWorkflow))
	if err != nil {
		t.Fatal(err)
	}
	ev := jsonEvent(`{"order": "A-5"}`)
	rep := b.engine.Test(b.ctx, c, &ev, TestOptions{})
	var got []string
	for _, s := range rep.Steps {
		got = append(got, s.Step+":"+s.Type+":"+s.Status)
	}
	want := "each[0].shape:transform:succeeded each[0].send:webhook:succeeded each[1].shape:transform:succeeded " +
		"each[1].send:webhook:succeeded each[2].shape:transform:succeeded each[2].send:webhook:succeeded " +
		"each:test_repeat:succeeded after:transform:succeeded"
	if strings.Join(got, " ") != want || rep.Status != store.StatusSucceeded {
		t.Errorf("test run %s:\n %s\nwant\n %s", rep.Status, strings.Join(got, " "), want)
	}
	if n := b.recv.Count(); n != 0 {
		t.Errorf("a test run without send made %d requests", n)
	}
}
