package store

import "time"

// Replay job states.
const (
	ReplayRunning   = "running"
	ReplayDone      = "done"
	ReplayCancelled = "cancelled"
)

// Where a bulk replay starts each run again.
const (
	ReplayFromStart      = "start"
	ReplayFromFailedStep = "failed_step"
)

// ReplayJob is a durable bulk replay: every run that matched its filter
// when it was made (created before CreatedAt) is replayed once, newest
// first, at a bounded rate. Cursor is the last source run dealt with.
type ReplayJob struct {
	ID string
	// The filter: WorkflowID and Status (empty: any), Since <= created <
	// Until (zero: unbounded; Until is never after CreatedAt).
	WorkflowID    string
	Status        string
	Since         time.Time
	Until         time.Time
	From          string // ReplayFromStart or ReplayFromFailedStep
	RatePerSecond int
	State         string
	// Total is how many runs matched when the job was made; Done how many
	// were replayed, Failed how many could not be (their event pruned,
	// their step gone).
	Total      int
	Done       int
	Failed     int
	Cursor     string
	LastError  string
	LeaseOwner string
	LeaseUntil time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt time.Time
}

// ReplayJobListParams filters jobs.
type ReplayJobListParams struct {
	State string
	Limit int // default 50, at most 1000
}

// ReplayJobClaimParams leases a job.
type ReplayJobClaimParams struct {
	ID       string
	Owner    string
	Takeover string
	Now      time.Time
	LeaseFor time.Duration
}

// ReplayJobAdvanceParams is one step of a job.
type ReplayJobAdvanceParams struct {
	ID         string
	Owner      string
	Now        time.Time
	LeaseUntil time.Time
	Items      []ReplayJobItem
	// Finish ends the job done (no run is left).
	Finish bool
}

// ReplayJobItem is one source run dealt with: Run is its replay, nil where
// it could not be made (Error says why).
type ReplayJobItem struct {
	SourceRunID string
	Run         *RunInsertParams
	Error       string
}
