package store

import "time"

// Failure issue states: an issue is open while its failures are news,
// acknowledged once someone looks into it (new failures keep it so), and
// resolved once fixed; a new failure of a resolved issue opens it again.
const (
	IssueOpen         = "open"
	IssueAcknowledged = "acknowledged"
	IssueResolved     = "resolved"
)

// ValidIssueState reports whether s is an issue state.
func ValidIssueState(s string) bool {
	return s == IssueOpen || s == IssueAcknowledged || s == IssueResolved
}

// FailureIssue groups the failed runs of one workflow, step and error class
// (see engine.FailureClass).
type FailureIssue struct {
	ID         string
	WorkflowID string
	StepID     string
	Class      string
	State      string
	// Count counts the failed runs in the issue, ever.
	Count     int
	FirstSeen time.Time
	LastSeen  time.Time
	// SampleRunID is the latest failed run of the issue, LastError its
	// error.
	SampleRunID string
	LastError   string
	UpdatedAt   time.Time
}

// FailureRecord counts a run that failed for good into its issue, in the
// same transaction as the run's final update (RunUpdateParams.Failure):
// the issue is created open, or its count and last seen grow and, where
// it was resolved, it opens again. The run is the update's run and the
// time the update's Now.
type FailureRecord struct {
	WorkflowID string
	StepID     string
	Class      string
	Error      string
	// NewID is the id the issue gets where it is created.
	NewID string
	// Result, when not nil, is filled in once the update is written.
	Result *FailureRecorded
}

// FailureRecorded is the issue a failure was counted into, and whether
// that failure opened it (created, or reopened after being resolved).
type FailureRecorded struct {
	Issue  FailureIssue
	Opened bool
}

// FailureIssueListParams filters issues.
type FailureIssueListParams struct {
	WorkflowID string
	State      string
	Limit      int // default 50, at most 1000
}
