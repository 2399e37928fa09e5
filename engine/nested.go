package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// Steps a step holds (a loop's body, a path's) run through the same
// runStep as the workflow's own, within the step that holds them: the
// run's cursor (NextStep) stays on that step while they run. Each attempt
// of a nested step is recorded with the path of the step it is in
// ("each_line[3].send") as its step id, under the holding step's index;
// those records are the cursor within: a run that resumes runs the holding
// step again, and RunSteps passes over the nested steps its records show
// done, restoring their outputs, and goes on with the first that is not.

// errLeaseLost ends nested steps where the run's lease was lost: another
// worker has the run, and this one must stop without recording anything.
var errLeaseLost = errors.New("run lease lost")

// nestedRun is what runState keeps for nested steps while a step runs.
type nestedRun struct {
	// index is the top-level step's index, under which nested records go.
	index int
	// pending are nested steps' records not written yet.
	pending []store.StepResult
	// records are the run's recorded attempts, by step id or path.
	records map[string][]store.StepResult
	// types are the nested steps' types, by path (for test reports).
	types map[string]string
	// checkpoint writes the pending records with the run's progress (after
	// a nested step called out, so a crash does not call again); extend
	// makes the run's lease outlast a coming call. Both report false where
	// the lease was lost. Nil in a test run and at accept.
	checkpoint func(ctx context.Context) bool
	extend     func(ctx context.Context, timeout time.Duration) bool
}

// Path is the step's place in the workflow.
func (st *runState) Path() string { return st.path }

// RunSteps runs nested steps (see kinds.Runtime).
func (st *runState) RunSteps(ctx context.Context, steps []*workflows.CompiledStep, n kinds.Nested) kinds.Outcome {
	parentPath, parentAttempt := st.path, st.attempt
	defer func() { st.path, st.attempt = parentPath, parentAttempt }()
	if !n.KeepPayload {
		payload, raw, isBody, pending := st.env.Payload, st.payloadJSON, st.payloadIsBody, st.payloadPending
		defer func() {
			st.env.Payload, st.payloadJSON, st.payloadIsBody, st.payloadPending = payload, raw, isBody, pending
		}()
	}
	var last any
	for _, s := range steps {
		path := n.Path + "." + s.ID
		if rec, done := st.nested.done(path); done && !waitsAgain(s, rec) {
			out, err := recordedOutput(rec)
			if err != nil {
				return kinds.Outcome{Status: store.StepFailed, Err: fmt.Errorf("%s: restore its output: %w", path, err)}
			}
			if rec.Status == store.StepSkipped {
				st.env.Steps[s.ID] = nil
				continue
			}
			st.apply(s, out, rec.Output)
			last = out
			continue
		}
		if ob, ok := s.Program.(kinds.Outbound); ok && st.nested.extend != nil &&
			!st.nested.extend(ctx, ob.Timeout()) {
			return kinds.Outcome{Status: store.StepFailed, Err: errLeaseLost}
		}
		st.path = path
		res, out := st.eng.runStep(ctx, st, s, len(st.nested.records[path])+1)
		res.StepID, res.StepIndex = path, st.nested.index
		st.nested.record(res, s.Type)
		switch out.status {
		case store.StepSucceeded:
			st.apply(s, out.output, out.raw)
			last = out.output
			if _, ok := s.Program.(kinds.Outbound); ok && st.nested.checkpoint != nil && !st.nested.checkpoint(ctx) {
				return kinds.Outcome{Status: store.StepFailed, Err: errLeaseLost}
			}
		case store.StepSkipped:
			st.env.Steps[s.ID] = nil
		default:
			err := out.err
			if err != nil {
				err = fmt.Errorf("step %q: %w", path, err)
			}
			again := out.status == store.StepWaiting || out.status == store.StepRetrying
			return kinds.Outcome{Status: out.status, Err: err, At: out.at, Again: again}
		}
	}
	return kinds.Outcome{Status: store.StepSucceeded, Output: last}
}

// done returns the last record of the nested step at path where it shows
// the step done: succeeded, skipped, or a wait that has come to its end
// (the run runs again only once it has).
func (n *nestedRun) done(path string) (store.StepResult, bool) {
	recs := n.records[path]
	if len(recs) == 0 {
		return store.StepResult{}, false
	}
	r := recs[len(recs)-1]
	return r, completed(r.Status) || r.Status == store.StepSkipped
}

// record keeps a nested step's attempt, to write and to look up.
func (n *nestedRun) record(r store.StepResult, typ string) {
	n.pending = append(n.pending, r)
	if n.records == nil {
		n.records, n.types = map[string][]store.StepResult{}, map[string]string{}
	}
	n.records[r.StepID] = append(n.records[r.StepID], r)
	n.types[r.StepID] = typ
}

// take returns the pending nested records, and forgets them.
func (n *nestedRun) take() []store.StepResult {
	p := n.pending
	n.pending = nil
	return p
}

// recordedOutput decodes a record's output.
func recordedOutput(r store.StepResult) (any, error) {
	if len(r.Output) == 0 {
		return nil, nil
	}
	return decodeJSON(r.Output)
}
