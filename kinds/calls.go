package kinds

import (
	"context"
	"time"
)

// Calls is what steps that wait on the world or on other runs (wait,
// workflow) need of the engine beyond Runtime. The engine's runtime
// implements it; a step given a runtime without it fails, saying so.
type Calls interface {
	// WaitBegin records that the step under way (at its Path) waits
	// until a time (zero: for ever), unless it did already, and gives its
	// wait as stored: Until as first recorded, and the request that
	// resumed it, if one came. The run's next waiting write names the
	// step, so a request that came meanwhile makes it due at once.
	WaitBegin(ctx context.Context, until time.Time) (WaitState, error)
	// StartRun starts a run of another workflow (its current revision)
	// with payload, as the step's child: written in the same transaction
	// as the run's progress after this step, so that a crash can neither
	// start it twice nor lose it. Its id is the same on every attempt of
	// the step (ChildRunID). It fails where the workflow does not exist
	// or the depth of calls would pass MaxCallDepth.
	StartRun(ctx context.Context, workflowID string, payload any) (string, error)
	// ChildRunID is the id of the run the step under way starts, the same
	// on every attempt of it.
	ChildRunID() string
	// RunResult reads a run: its status, and once it has finished, its
	// final payload (or its respond step's body) and error.
	RunResult(ctx context.Context, runID string) (RunResult, error)
}

// WaitState is a wait step's wait as stored.
type WaitState struct {
	// Until is when the wait gives up; zero: never.
	Until time.Time
	// Resumed: a request came; Output is what it brought, as the step's
	// output.
	Resumed bool
	Output  any
}

// RunResult is what a step learns of a run it started.
type RunResult struct {
	Status string
	// Output is the run's final payload, or the body its respond step
	// answered with; set once it has finished.
	Output any
	// Error is why it failed.
	Error string
}

// MaxCallDepth bounds how deep workflows may call workflows: a run started
// by a workflow step started by another... at most this many levels down.
const MaxCallDepth = 8

// WorkflowCaller is implemented by the programs of steps that start runs
// of other workflows: the engine refuses, when a workflow is saved, calls
// that go round in a circle.
type WorkflowCaller interface{ CallsWorkflow() string }
