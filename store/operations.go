package store

import (
	"context"
	"errors"
	"time"
)

// ErrRunCancelled is returned (wrapped) by RunUpdate, and at its index by
// RunUpdateMany, for an update of a run whose cancellation was asked for
// while an attempt was in flight (RunCancel): the update was applied, step
// attempts and all, but the run ended cancelled instead of going on. Its
// owner must stop working on it.
var ErrRunCancelled = errors.New("run cancelled")

// OperationsStore is what the people who run Hookflow act through on runs
// in bulk and on their failures: run controls (retry now, cancel), durable
// bulk replay jobs, and failures grouped into issues.
type OperationsStore interface {
	// RunRetryNow makes a retrying run due at now. ErrConflict where the
	// run is not retrying; ErrNotFound where there is no such run.
	RunRetryNow(ctx context.Context, id string, now time.Time) (Run, error)
	// RunCancel ends a queued, retrying or waiting run (or a running one
	// whose lease has run out) as cancelled at p.Now. A run whose attempt
	// is in flight is marked: its owner's next update is applied and
	// then ends the run cancelled (ErrRunCancelled). It returns the run as
	// it now is and whether it is cancelled already (false: marked).
	// ErrConflict where the run has finished; ErrNotFound where there is
	// no such run.
	RunCancel(ctx context.Context, p RunCancelParams) (run Run, cancelled bool, err error)
	// RunCount counts the runs RunList would list without a limit (Before,
	// Limit and ReplayOf aside).
	RunCount(ctx context.Context, p RunListParams) (int, error)

	// ReplayJobCreate stores a new bulk replay job, state running.
	ReplayJobCreate(ctx context.Context, j ReplayJob) (ReplayJob, error)
	// ReplayJobGet returns one job (ErrNotFound).
	ReplayJobGet(ctx context.Context, id string) (ReplayJob, error)
	// ReplayJobList returns the latest jobs, newest first (p.State, when
	// set, keeps those in that state).
	ReplayJobList(ctx context.Context, p ReplayJobListParams) ([]ReplayJob, error)
	// ReplayJobCancel ends a running job as cancelled (ErrConflict where it
	// has ended; ErrNotFound).
	ReplayJobCancel(ctx context.Context, id string, now time.Time) (ReplayJob, error)
	// ReplayJobClaim leases a running job to p.Owner where its lease has
	// run out, is p.Owner's, or is held by p.Takeover (an owner known to
	// be gone). ErrLeaseLost where it could not be had.
	ReplayJobClaim(ctx context.Context, p ReplayJobClaimParams) (ReplayJob, error)
	// ReplayJobAdvance records a step of a job in one transaction, fenced
	// by its lease: the replays of p.Items inserted, the cursor moved to
	// the last item, the counts grown, the lease extended; with p.Finish
	// the job ends done. ErrLeaseLost, and nothing written, where the job
	// is no longer running under p.Owner (cancelled, or taken over).
	ReplayJobAdvance(ctx context.Context, p ReplayJobAdvanceParams) (ReplayJob, error)

	// FailureIssueList returns issues, last seen first, filtered by
	// workflow and state.
	FailureIssueList(ctx context.Context, p FailureIssueListParams) ([]FailureIssue, error)
	// FailureIssueGet returns one issue (ErrNotFound).
	FailureIssueGet(ctx context.Context, id string) (FailureIssue, error)
	// FailureIssueSetState sets an issue's state (open, acknowledged,
	// resolved) by hand (ErrNotFound).
	FailureIssueSetState(ctx context.Context, id, state string, now time.Time) (FailureIssue, error)
}

// RunCancelParams cancels a run.
type RunCancelParams struct {
	ID  string
	Now time.Time
}
