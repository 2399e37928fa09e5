package engine

import (
	"context"
	"fmt"
	"maps"
	"sync"
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
var errLeaseLost = kinds.ErrRunLost

// nestedRun is what runState keeps for nested steps while a step runs. It
// is shared by the forks of a run's state (a loop's items run at once),
// hence its lock.
type nestedRun struct {
	mu sync.Mutex
	// index is the top-level step's index, under which nested records go.
	index int
	// pending are nested steps' records not written yet.
	pending []store.StepResult
	// records are the run's recorded attempts, by step id or path, without
	// their input (only their status and output are read back).
	records map[string][]store.StepResult
	// types are the nested steps' types, by path (for test reports).
	types map[string]string
	// checkpoint writes the pending records with the run's progress (after
	// a nested step called out, so a crash does not call again); extend
	// makes the run's lease outlast a coming call. Both report false where
	// the lease was lost. Nil in a test run and at accept. Calls to them
	// are made under io, one at a time.
	io         sync.Mutex
	checkpoint func(ctx context.Context) bool
	extend     func(ctx context.Context, timeout time.Duration) bool
}

// Path is the step's place in the workflow.
func (st *runState) Path() string { return st.path }

// RunSteps runs nested steps (see kinds.Runtime).
func (st *runState) RunSteps(ctx context.Context, steps []*workflows.CompiledStep, n kinds.Nested) kinds.Outcome {
	parentPath, parentAttempt, parentInput := st.path, st.attempt, st.input
	defer func() { st.path, st.attempt, st.input = parentPath, parentAttempt, parentInput }()
	if !n.KeepPayload {
		payload, raw, isBody, pending, from := st.env.Payload, st.payloadJSON, st.payloadIsBody, st.payloadPending, st.payloadFrom
		defer func() {
			st.env.Payload, st.payloadJSON, st.payloadIsBody, st.payloadPending = payload, raw, isBody, pending
			st.payloadFrom = from
		}()
	}
	if n.Input != nil {
		st.input = n.Input
	}
	var last any
	for _, s := range steps {
		path := n.Path + "." + s.ID
		rec, attempts, done := st.nested.done(path)
		if done && !waitsAgain(s, rec) {
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
		if rec.Status == store.StepFailed {
			// Failed for good in an earlier execution of the run (a loop
			// that goes on past failed items resumed for another item):
			// not made again.
			return kinds.Outcome{Status: store.StepFailed, Err: fmt.Errorf("step %q: %s", path, rec.Error)}
		}
		if ob, ok := s.Program.(kinds.Outbound); ok && !st.nested.extendLease(ctx, ob.Timeout()) {
			return kinds.Outcome{Status: store.StepFailed, Err: errLeaseLost}
		}
		st.path = path
		res, out := st.eng.runStep(ctx, st, s, attempts+1)
		if out.status == store.StepFailed && ctx.Err() != nil {
			// Shutting down: the step is given back, not failed.
			return kinds.Outcome{Status: store.StepFailed, Err: ctx.Err()}
		}
		if out.paused && !madeRequest(out.err) {
			// No attempt was made (its destination is paused): not
			// recorded, so not counted against its retries.
			return kinds.Outcome{Status: store.StepRetrying, Err: fmt.Errorf("step %q: %w", path, out.err), At: out.at, Again: true, Paused: true}
		}
		res.StepID, res.StepIndex = path, st.nested.index
		st.nested.record(res, s.Type)
		switch out.status {
		case store.StepSucceeded:
			st.apply(s, out.output, out.raw)
			last = out.output
			if _, ok := s.Program.(kinds.Outbound); ok && !st.nested.save(ctx) {
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
			wakes := out.wakes || (out.status == store.StepWaiting && waitsAgain(s, store.StepResult{Status: out.status}))
			return kinds.Outcome{Status: out.status, Err: err, At: out.at, Again: again, Wakes: wakes}
		}
	}
	return kinds.Outcome{Status: store.StepSucceeded, Output: last}
}

// Fork is a runtime for nested steps run beside others (see kinds.Runtime).
func (st *runState) Fork() kinds.Runtime {
	st.payload()      // decoded once, here, not by each fork
	st.secretValues() // likewise
	f := *st
	f.env.Steps = maps.Clone(st.env.Steps)
	f.env.Run = maps.Clone(st.env.Run)
	f.env.Budget, f.env.Tick, f.env.Keep = nil, nil, nil
	return &f
}

// Previous is the output of the step's last recorded attempt.
func (st *runState) Previous() any {
	st.nested.mu.Lock()
	recs := st.nested.records[st.path]
	st.nested.mu.Unlock()
	if len(recs) == 0 {
		return nil
	}
	out, err := recordedOutput(recs[len(recs)-1])
	if err != nil {
		return nil
	}
	return out
}

// done returns the last record of the nested step at path, how many
// attempts it has, and whether the record shows the step done: succeeded,
// skipped, or a wait that has come to its end (the run runs again only
// once it has).
func (n *nestedRun) done(path string) (store.StepResult, int, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	recs := n.records[path]
	if len(recs) == 0 {
		return store.StepResult{}, 0, false
	}
	r := recs[len(recs)-1]
	return r, len(recs), completed(r.Status) || r.Status == store.StepSkipped
}

// record keeps a nested step's attempt, to write and to look up.
func (n *nestedRun) record(r store.StepResult, typ string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pending = append(n.pending, r)
	n.keep(r)
	n.types[r.StepID] = typ
}

// keep adds a record to those looked up (n.mu held).
func (n *nestedRun) keep(r store.StepResult) {
	if n.records == nil {
		n.records, n.types = map[string][]store.StepResult{}, map[string]string{}
	}
	r.Input = nil
	n.records[r.StepID] = append(n.records[r.StepID], r)
}

// take returns the pending nested records, and forgets them.
func (n *nestedRun) take() []store.StepResult {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.pending
	n.pending = nil
	return p
}

// save writes the pending records with the run's progress, where the run
// is written (not in a test run); false where the lease was lost.
func (n *nestedRun) save(ctx context.Context) bool {
	n.io.Lock()
	defer n.io.Unlock()
	return n.checkpoint == nil || n.checkpoint(ctx)
}

// extendLease makes the run's lease outlast a coming call of timeout;
// false where the lease was lost.
func (n *nestedRun) extendLease(ctx context.Context, timeout time.Duration) bool {
	n.io.Lock()
	defer n.io.Unlock()
	return n.extend == nil || n.extend(ctx, timeout)
}

// recordedOutput decodes a record's output.
func recordedOutput(r store.StepResult) (any, error) {
	if len(r.Output) == 0 {
		return nil, nil
	}
	return decodeJSON(r.Output)
}
