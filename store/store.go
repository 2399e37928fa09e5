// Package store is Hookflow's persistence: the Store interface every driver
// implements, and the records it reads and writes (workflows and their
// revisions, trigger events, runs and step attempts).
//
// The runs table is the queue: a queued run is a job, claimed by a worker
// with a lease (owner and expiry). A run whose lease expires is claimable
// again, so a dead worker's runs are finished by another. Every write that
// changes a claimed run is fenced by its owner and attempt, so a worker that
// lost its lease cannot overwrite the new owner's progress.
//
// Drivers: store/sqlite (the default, one server) and store/postgres (one
// database shared by several servers). Both pass the conformance suite in
// store/storetest.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors drivers return (wrapped) so callers can decide on them.
var (
	// ErrNotFound: no record with that key.
	ErrNotFound = errors.New("not found")
	// ErrLeaseLost: the run is no longer claimed by this owner and attempt.
	ErrLeaseLost = errors.New("run lease lost")
	// ErrConflict: a write conflicts with existing data (e.g. hook key taken).
	ErrConflict = errors.New("conflict")
)

// Store is the persistence interface. Implementations are safe for
// concurrent use.
type Store interface {
	UserStore  // users, sessions, API tokens (users.go)
	AuditStore // the audit log (audit.go)
	OperationsStore
	DestinationStore // paused destinations (destinations.go)
	RollupStore      // the dashboard's per-minute aggregates (rollups.go)
	// WorkflowSave creates the workflow or stores a new revision of it
	// (only creates it, with CreateOnly: ErrConflict if it exists).
	// The revision number increases by one on each save; the hook key is
	// generated on create and kept afterwards.
	WorkflowSave(ctx context.Context, p WorkflowSaveParams) (Workflow, error)
	// WorkflowGet returns the current revision of a workflow.
	WorkflowGet(ctx context.Context, id string) (Workflow, error)
	// WorkflowGetByHookKey resolves a hook key (a trigger URL's last segment).
	WorkflowGetByHookKey(ctx context.Context, key string) (Workflow, error)
	// WorkflowList returns every workflow, ordered by id.
	WorkflowList(ctx context.Context) ([]Workflow, error)
	// WorkflowHeads returns every workflow without its definition (nil),
	// ordered by id: what a list needs, read cheaply.
	WorkflowHeads(ctx context.Context) ([]Workflow, error)
	// WorkflowsVersion is a number that changes whenever a workflow is
	// created, saved, deleted, enabled or disabled, or gets a new hook key,
	// by any replica: schedulers and consumers read it, cheaply, to know
	// when to read the workflows again.
	WorkflowsVersion(ctx context.Context) (int64, error)
	// WorkflowActivity returns what the workflow list shows of every
	// workflow, in one query: its last run, and its runs and failures
	// since p.Since (see WorkflowActivity), ordered by workflow id.
	WorkflowActivity(ctx context.Context, p WorkflowActivityParams) ([]WorkflowActivity, error)
	// WorkflowDelete removes a workflow, its revisions, events and runs,
	// the keys of its scope in the key-value store, and its failure issues.
	WorkflowDelete(ctx context.Context, id string) error
	// WorkflowSetEnabled turns a workflow on or off without a new revision.
	WorkflowSetEnabled(ctx context.Context, id string, enabled bool) (Workflow, error)
	// WorkflowSetHookKey replaces the hook key (rotation).
	WorkflowSetHookKey(ctx context.Context, id, key string) (Workflow, error)
	// RevisionList returns a workflow's revisions, newest first.
	RevisionList(ctx context.Context, workflowID string) ([]Revision, error)
	// RevisionGet returns one revision of a workflow.
	RevisionGet(ctx context.Context, workflowID string, revision int) (Revision, error)

	// EventAccept writes each event and its queued run, all in one
	// transaction, and returns when that transaction is durable. An event
	// whose (workflow, idempotency key) was seen before starts nothing: its
	// result holds the first run's id and Duplicate. Results are in the
	// order of the params.
	EventAccept(ctx context.Context, events []EventAcceptParams) ([]AcceptResult, error)
	// EventGet returns one event.
	EventGet(ctx context.Context, id string) (Event, error)
	// EventListByWorkflow returns a workflow's latest events, newest first.
	EventListByWorkflow(ctx context.Context, workflowID string, limit int) ([]Event, error)

	// RunInsert queues a run of an existing event (replay, manual runs).
	RunInsert(ctx context.Context, p RunInsertParams) (Run, error)
	// RunClaim leases up to Limit due runs to Owner: runs queued, retrying
	// or waiting whose RunAt has come, and running runs whose lease has
	// expired. Each claimed run's Attempt and UnrecordedClaims grow by one
	// and its status becomes running. Oldest due first.
	RunClaim(ctx context.Context, p RunClaimParams) ([]Run, error)
	// RunNextDue returns the earliest time after the given one at which a
	// run comes due for RunClaim: the RunAt of a queued, retrying or
	// waiting run, or the LeaseUntil of a running one (claimable once
	// passed). Runs due at or before after are not considered. The zero
	// time when there is none.
	RunNextDue(ctx context.Context, after time.Time) (time.Time, error)
	// RunUpdate records step attempts and the run's new state in one
	// transaction, fenced by owner and attempt (ErrLeaseLost otherwise).
	// A status other than running releases the lease. An update with
	// step attempts sets UnrecordedClaims to 0; one that Releases the run
	// takes one off it.
	RunUpdate(ctx context.Context, p RunUpdateParams) error
	// RunUpdateMany applies several RunUpdates in one transaction (the
	// engine batches its workers' writes). Each update is fenced on its
	// own: one that lost its lease gets ErrLeaseLost at its index in errs
	// and writes nothing, while the others are applied. err is a store
	// failure, and then nothing was written.
	RunUpdateMany(ctx context.Context, ps []RunUpdateParams) (errs []error, err error)
	// RunGet returns one run.
	RunGet(ctx context.Context, id string) (Run, error)
	// RunList returns runs newest first, filtered and paginated.
	RunList(ctx context.Context, p RunListParams) ([]Run, error)
	// StepResultList returns every step attempt of a run in the order made.
	StepResultList(ctx context.Context, runID string) ([]StepResult, error)

	// WaitBegin records that a wait step of a run waits until p.Until
	// (zero: for ever), unless it was recorded before (a run that resumes
	// at the step): either way it returns the wait as stored, Until as
	// first recorded, with its Resume once one came. ErrNotFound where
	// the run is gone.
	WaitBegin(ctx context.Context, p WaitBeginParams) (Wait, error)
	// WaitResume records the request that resumes a wait step of a run,
	// and where the wait had begun (WaitBegin), makes the run due at p.Now
	// if it is waiting, in one transaction; a request that comes before the
	// wait begins is kept for it and wakes nothing. ErrConflict where the
	// step was resumed before or the run has finished; ErrNotFound where
	// there is no such run.
	WaitResume(ctx context.Context, p WaitResumeParams) error
	// WaitGet returns a wait step's state in a run (ErrNotFound: it has not
	// begun, and no request came).
	WaitGet(ctx context.Context, runID, stepID string) (Wait, error)

	// SettingGet and SettingPut keep small named values (e.g. the admin
	// token's hash).
	SettingGet(ctx context.Context, name string) (string, error)
	SettingPut(ctx context.Context, name, value string) error

	// SecretPut stores a named secret's ciphertext, replacing any earlier
	// one (CreatedAt is kept, UpdatedAt set to now). The store never sees a
	// secret in clear: encryption is the caller's (see package secrets).
	SecretPut(ctx context.Context, name string, ciphertext []byte, now time.Time) error
	// SecretList returns every secret, ordered by name.
	SecretList(ctx context.Context) ([]Secret, error)
	// SecretDelete removes a secret; ErrNotFound if there is none.
	SecretDelete(ctx context.Context, name string) error

	// Prune deletes finished runs (see Finished) whose FinishedAt is before
	// p.Before, with their step attempts, and the events those runs leave
	// without any run. A run not yet finished keeps its event, however
	// old. Work is done in bounded transactions (p.Limit runs; SQLite: the
	// runs of p.Limit events), so writers are never held up for long; a
	// driver may then give the freed space back to the file system.
	// Deleted events free their idempotency keys.
	Prune(ctx context.Context, p PruneParams) (PruneResult, error)

	// KVGet returns a live entry of the key-value store (ErrNotFound where
	// there is none, or it has expired).
	KVGet(ctx context.Context, p KVGetParams) (KV, error)
	// KVSet, KVIncr, KVDelete, KVAppend and KVSetIfAbsent write one entry
	// of the key-value store, each in one transaction, atomically among
	// writers of the same key (replicas too); a write whose OpID was
	// applied before changes nothing (see KVWrite). Expired entries read
	// as absent. ErrKVValue where the operation does not apply to the
	// value, or a value is over the limits.
	KVSet(ctx context.Context, p KVSetParams) (KVResult, error)
	KVIncr(ctx context.Context, p KVIncrParams) (KVResult, error)
	KVDelete(ctx context.Context, p KVDeleteParams) (KVResult, error)
	KVAppend(ctx context.Context, p KVAppendParams) (KVResult, error)
	KVSetIfAbsent(ctx context.Context, p KVSetIfAbsentParams) (KVResult, error)
	// KVList returns the live entries of a scope whose keys start with
	// p.Prefix, after p.After, ordered by key.
	KVList(ctx context.Context, p KVListParams) ([]KV, error)
	// KVPrune deletes expired entries and old records of applied OpIDs,
	// and says how many entries it deleted.
	KVPrune(ctx context.Context, p KVPruneParams) (int, error)

	TokenStore

	// Ping checks the store is reachable.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// BatchWriter is implemented by stores with a single writer (SQLite), where
// one transaction holding both a batch of accepts and a batch of run updates
// costs much less than two: the pages both touch are written once. The
// engine then runs one group-commit loop for both.
type BatchWriter interface {
	// WriteBatch does what EventAccept(accepts) and RunUpdateMany(updates)
	// do, with the same results, but returns once the transaction has
	// committed, before it is durable: the caller may answer the updates
	// then, and acknowledges the accepts only after Durable returns nil. A
	// failure of the accepts does not fail the updates, nor the reverse:
	// each part then gets the error it would have had on its own.
	WriteBatch(ctx context.Context, accepts []EventAcceptParams, updates []RunUpdateParams) BatchResult
}

// BatchResult is what a WriteBatch came to: Accepted is EventAccept's
// results (nil if AcceptErr), Updated RunUpdateMany's errs (nil if
// UpdateErr). Durable waits until the accepts are on stable storage.
type BatchResult struct {
	Accepted  []AcceptResult
	AcceptErr error
	Updated   []error
	UpdateErr error
	Durable   func() error
}

// Run statuses.
const (
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusRetrying  = "retrying"
	StatusWaiting   = "waiting"
	StatusSucceeded = "succeeded"
	StatusFiltered  = "filtered"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
)

// Step attempt statuses.
const (
	StepSucceeded = "succeeded"
	StepFailed    = "failed"
	StepSkipped   = "skipped"
	StepFiltered  = "filtered"
	StepRetrying  = "retrying"
	StepWaiting   = "waiting"
)

// Finished reports whether a run status is final.
func Finished(status string) bool {
	switch status {
	case StatusSucceeded, StatusFiltered, StatusFailed, StatusCancelled:
		return true
	}
	return false
}

// Workflow is a stored workflow at its current revision.
type Workflow struct {
	ID         string
	Revision   int
	Enabled    bool
	HookKey    string // the trigger URL's last segment: /hooks/{HookKey}
	Name       string
	Definition []byte // the hookflow/v1 JSON of this revision
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// WorkflowSaveParams creates or revises a workflow.
type WorkflowSaveParams struct {
	ID         string
	Name       string
	Enabled    bool
	Definition []byte
	// HookKey is used on create; ignored when the workflow exists.
	HookKey string
	// CreateOnly makes the save fail with ErrConflict, changing nothing,
	// when a workflow with this ID exists: of several callers creating one
	// id at once (two replicas, say), exactly one succeeds.
	CreateOnly bool
	Now        time.Time
}

// Revision is one saved version of a workflow.
type Revision struct {
	WorkflowID string
	Revision   int
	Definition []byte
	CreatedAt  time.Time
}

// Event is what a trigger received: the raw request (or the cron tick).
type Event struct {
	ID             string
	WorkflowID     string
	Source         string // webhook, cron, manual
	Method         string
	Headers        map[string]string // lower-case names
	Query          string            // raw query string
	Body           []byte
	ReceivedAt     time.Time
	IdempotencyKey string
	// Meta is what a broker or poll says of the message beside its headers
	// (subject, stream sequence, redelivery count): trigger.meta. Values
	// are JSON's (numbers float64); nil where there is none.
	Meta map[string]any
}

// EventAcceptParams is one event and the queued run it starts.
type EventAcceptParams struct {
	Event    Event
	RunID    string
	Revision int
	// Owner, when set, creates the run already claimed by Owner (status
	// running, attempt 1, one unrecorded claim, leased until LeaseUntil),
	// so the engine that accepted the event executes it without a
	// separate claim. Should that engine die, the lease expires and the
	// run is claimed as usual.
	Owner      string
	LeaseUntil time.Time
	// NextStep and Results are what the engine already executed of the run
	// before storing it (steps that touch nothing outside, run as the event
	// was accepted): the run is stored at NextStep with Results as its step
	// attempts. Status, when set, is a final status (filtered, succeeded):
	// the run ended there and is stored finished, with no lease, whatever
	// Owner says.
	NextStep int
	Results  []StepResult
	Status   string
}

// AcceptResult says which run an accepted event has.
type AcceptResult struct {
	RunID     string
	Duplicate bool
}

// Run is one execution of a workflow revision for an event.
type Run struct {
	ID         string
	WorkflowID string
	Revision   int
	EventID    string
	Status     string
	// NextStep is the index of the step to execute next; steps before it
	// have their results recorded.
	NextStep int
	// Attempt counts claims of this run; it fences writes.
	Attempt int
	// StepAttempt counts attempts of the step at NextStep (retries).
	StepAttempt int
	// UnrecordedClaims counts the claims of the run since it last recorded
	// a step attempt, less those given back by a Release: every one
	// before the current claim ended without a word from its owner (the
	// process died, or lost the lease, while executing the run).
	UnrecordedClaims int
	RunAt            time.Time
	LeaseOwner       string
	LeaseUntil       time.Time
	Error            string
	// ReplayOf is the run this one replays, if any.
	ReplayOf  string
	CreatedAt time.Time
	UpdatedAt time.Time
	// FinishedAt is set once Status is final.
	FinishedAt time.Time
}

// RunInsertParams queues a new run of a stored event.
type RunInsertParams struct {
	ID         string
	WorkflowID string
	Revision   int
	EventID    string
	NextStep   int
	ReplayOf   string
	// Results are step attempts copied in with the run (a replay from a
	// later step carries the earlier steps' outputs).
	Results []StepResult
	Now     time.Time
}

// RunClaimParams leases due runs to a worker.
type RunClaimParams struct {
	Owner    string
	Limit    int
	Now      time.Time
	LeaseFor time.Duration
	// ExcludeWorkflows are skipped (e.g. at their concurrency limit).
	ExcludeWorkflows []string
}

// RunUpdateParams records progress on a claimed run.
type RunUpdateParams struct {
	ID      string
	Owner   string
	Attempt int
	// Status is the run's new status; running keeps the lease.
	Status      string
	NextStep    int
	StepAttempt int
	// RunAt is when a retrying or waiting run is due again.
	RunAt time.Time
	// LeaseUntil extends the lease when Status stays running.
	LeaseUntil time.Time
	Error      string
	Results    []StepResult
	// Release says the owner gives the run back (status queued) as it
	// found it, for a reason of its own (shutting down, a concurrency
	// limit): the claim is taken off UnrecordedClaims. A run found leased
	// to a dead process is given back without it.
	Release bool
	Now     time.Time
	// Start are events and their queued runs written in the same
	// transaction as the update (the runs a step starts, so that a crash
	// can never start them twice nor lose them); not written where the
	// update's fence fails.
	Start []EventAcceptParams
	// Resume are waits of other runs resumed in the same transaction (the
	// parent waiting on this run, as it finishes), as WaitResume does, a
	// wait resumed before or a run finished aside.
	Resume []WaitResumeParams
	// WaitStep is, for status waiting, the wait step the run waits on: a
	// request that resumed it already makes the run due at once (it came
	// while the run was running).
	WaitStep string
	// Failure, for status failed, counts the run into its issue in the
	// same transaction (see FailureRecord).
	Failure *FailureRecord
}

// WorkflowActivityParams say which runs WorkflowActivity counts.
type WorkflowActivityParams struct {
	// Since: runs created at or after it are counted (zero: every run).
	Since time.Time
	// WorkflowIDs keeps only these workflows (a page of the list); empty,
	// every workflow.
	WorkflowIDs []string
	// LastRunOnly reads each workflow's last run alone, Runs and Failures
	// left zero: what the list ordered by last run needs of every
	// workflow, a few look-ups each, where counting reads its day of runs.
	LastRunOnly bool
}

// WorkflowActivity is a workflow's recent runs, as its list shows them.
type WorkflowActivity struct {
	WorkflowID string
	// LastRunID, LastRunStatus and LastRunAt are those of its newest run
	// (empty and zero where it has none).
	LastRunID     string
	LastRunStatus string
	LastRunAt     time.Time
	// Runs counts its runs created since Since.
	Runs int
	// Failures counts its failed runs created since Since and after its
	// last succeeded run: the failures not yet followed by a success.
	Failures int
}

// RunListParams filters and pages run history.
type RunListParams struct {
	WorkflowID string
	Status     string
	// Before returns runs with ids lower than this (the cursor).
	Before string
	Since  time.Time
	Until  time.Time
	Limit  int
	// ReplayOf keeps only the replays of this run.
	ReplayOf string
	// Unresolved leaves out the failed runs whose latest replay (the
	// newest run with ReplayOf naming it) succeeded.
	Unresolved bool
}

// Secret is one named secret as stored: its value encrypted.
type Secret struct {
	Name       string
	Ciphertext []byte
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// PruneParams says what Prune deletes.
type PruneParams struct {
	// Before: finished runs with FinishedAt before it are deleted.
	Before time.Time
	// Limit bounds each transaction (default 1000): the runs deleted in it
	// (PostgreSQL), or the events whose runs it looks at (SQLite).
	Limit int
}

// PruneResult counts what Prune deleted.
type PruneResult struct {
	Runs   int
	Events int
}

// StepResult is one attempt of one step of a run.
type StepResult struct {
	RunID     string
	StepID    string
	StepIndex int
	// Attempt numbers the attempts of this step in this run from 1.
	Attempt    int
	Status     string
	Input      []byte // JSON
	Output     []byte // JSON
	Error      string
	StatusCode int
	StartedAt  time.Time
	Duration   time.Duration
	// InputIsEventBody says Input is byte for byte the body of the run's
	// event (a step that saw the payload as received): a store may keep
	// it once, with the event. Only a hint for writing: Input is always
	// filled when read back, and this is false.
	InputIsEventBody bool
	// InputRef, where set, places the Output of an earlier attempt of the
	// run inside Input (see InputRef): a store may keep Input without it.
	// Only a hint for writing, like InputIsEventBody: nil when read back.
	InputRef *InputRef
}
