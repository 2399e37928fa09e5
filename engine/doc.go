// Package engine accepts events and runs workflows on them. The path of an
// event, in order:
//
// Accept (accept.go). A trigger hands the engine an event for a workflow
// revision. Before anything is stored, the run's leading steps that touch
// nothing outside Hookflow (filters and transforms) are executed in the
// caller's goroutine (accept_steps.go): their attempts are stored with the
// event, and a run they end (filtered out, or made of such steps only) is
// stored finished, never needing a worker nor a second write. The event and
// its run then join the accepts that arrived while the previous transaction
// was being written, and are written in one transaction with them (group
// commit, update.go). Accept returns, and AcceptParams.Answer writes the
// trigger's 2xx, only once that transaction is durable: on SQLite its WAL
// is fsynced, while the next batch is already being written. A repeated
// idempotency key returns the first run and starts nothing.
//
// Pre-claimed runs. As many of a batch's unfinished runs as the workers
// have room for are created already leased to this engine, and handed to
// the workers, with the state their steps at accept left in memory, as
// soon as they are durable: no claim round trip through the store. The
// rest are stored queued, from their first step (what ran at accept is
// dropped: running it again costs less than reading it back).
//
// Workers (dispatch.go, run.go). Config.Workers goroutines execute runs.
// The dispatcher claims due runs from the store in batches, each under a
// lease (this engine's owner name, until a time): queued runs, retrying and
// waiting runs whose time has come, and running runs whose lease ran out
// (their engine died). It claims after an accept left runs queued, when the
// next run comes due, and at the latest every Config.PollInterval (for runs
// other replicas schedule); between claims it sleeps until the next due run
// (the store's RunNextDue, or a run its own workers scheduled). A
// workflow's concurrency limit holds back its runs beyond the limit. A
// worker executes a run's steps in order and records every attempt; its
// progress is written in batches as well, without an fsync of its own.
// Every write is fenced by the lease's owner and attempt: a worker that
// lost its lease stops, and cannot overwrite the new owner's progress.
//
// Retries and delays. A webhook step failing in a way the receiver may get
// over (a network error, 408, 429, 5xx) is tried again after an exponential
// backoff with full jitter, never sooner than the receiver's Retry-After,
// until the step's attempts run out. Nothing sleeps meanwhile: the run is
// stored retrying (a delay step: waiting) with the time it is due, and
// whichever engine claims it then goes on.
//
// Resume per step. A run claimed again (after a retry, a delay, a crash or a
// shutdown) resumes at the step it stopped at, the outputs of the steps
// before it restored from their records. A webhook step keeps one
// webhook-id across its attempts and redeliveries, so a receiver can drop
// a repeat.
//
// Leases. A webhook step extends the run's lease to outlast its timeout.
// Shutdown waits for the runs in flight, and gives back those still
// executing when its context ends, queued again at their step. A
// process that died without giving its runs back (SIGKILL, the OOM killer,
// power loss) leaves them to their leases, which any engine, on any
// replica, takes over once they run out; ReleaseDeadLeases
// (lease_recovery.go) takes back at once those of dead processes of this
// host, for a store no other host shares.
//
// Poison runs (crash.go). A run whose last Config.CrashLimit executions (3
// by default) each ended with its worker gone, with no step recorded in
// between, is failed ("stopped: the run crashed the worker") instead of
// executed once more; runs given back at shutdown or at a concurrency
// limit do not count. A failed run starts its workflow's on_failure
// workflow.
//
// Retention (retention.go). With Config.Retention set, runs finished longer
// ago are pruned with their step results, and events with the last of
// their runs, at Start and every Config.RetentionEvery.
//
// Beside the path: sync triggers wait for a run's response (sync.go),
// Engine.Test makes a test run, in memory and storing nothing
// (test_run.go), Replay runs a stored event again (replay.go), and
// SaveWorkflow and CreateWorkflow store definitions (save.go).
//
// Waits and calls (calls.go). A wait step, or a workflow step waiting on
// its child, records its wait in the store and leaves the run waiting,
// naming the step: no worker holds it. A request to the step's resume URL
// (signed with the store's random key, so any replica takes it), or the
// child's finishing write, resumes the wait and makes the run due; the
// step then runs again and finds why. A child run is written with its
// parent's progress, in one transaction, under an id made from the
// parent's and the step's, so a crash never starts it twice. RunNow
// (run_now.go) starts a stored run by hand; calls_save.go refuses calls
// that go round in a circle.
package engine
