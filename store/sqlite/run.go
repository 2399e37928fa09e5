package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hookflow/hookflow/store"
)

// claimRunsSQL leases the oldest due runs. Each branch of the union reads
// one partial index (runs_due in claim order, runs_lease) and stops at the
// limit, so a claim costs the limit, not the length of the queue. INDEXED BY
// because the planner, without statistics, preferred the status index and
// then sorted every due run, so a claim cost the length of the queue.
//
// Parameters: owner, lease until, now (updated_at); then per branch: now,
// excluded workflow ids as a JSON array, limit; then the limit.
const claimRunsSQL = `
	UPDATE runs SET status = 'running', lease_owner = ?, lease_until = ?, attempt = attempt + 1,
		unrecorded_claims = unrecorded_claims + 1, updated_at = ?
	WHERE id IN (
		SELECT id FROM (
			SELECT * FROM (
				SELECT id, run_at FROM runs INDEXED BY runs_due
				WHERE ` + runsDueIndexed + ` AND run_at <= ?
					AND workflow_id NOT IN (SELECT value FROM json_each(?))
				ORDER BY run_at, id LIMIT ?
			)
			UNION ALL
			SELECT * FROM (
				SELECT id, run_at FROM runs INDEXED BY runs_lease
				WHERE status = 'running' AND lease_until < ?
					AND workflow_id NOT IN (SELECT value FROM json_each(?))
				ORDER BY run_at, id LIMIT ?
			)
		)
		ORDER BY run_at, id
		LIMIT ?
	)
	RETURNING ` + runColumns

// anyDueSQL tells whether claimRunsSQL would find a run (ignoring excluded
// workflows). Parameters: now, now.
const anyDueSQL = `
	SELECT EXISTS (SELECT 1 FROM runs INDEXED BY runs_due
			WHERE ` + runsDueIndexed + ` AND run_at <= ?)
		OR EXISTS (SELECT 1 FROM runs INDEXED BY runs_lease WHERE status = 'running' AND lease_until < ?)`

// nextDueSQL is RunNextDue's query: the first entry after a time in
// runs_due (in run_at order) and in runs_lease (in lease_until order), a
// seek in each. Parameters: after, after.
const nextDueSQL = `
	SELECT
		(SELECT run_at FROM runs INDEXED BY runs_due
			WHERE ` + runsDueIndexed + ` AND run_at > ? ORDER BY run_at LIMIT 1),
		(SELECT lease_until FROM runs INDEXED BY runs_lease
			WHERE status = 'running' AND lease_until > ? ORDER BY lease_until LIMIT 1)`

// updateRunSQL is fenced by owner and attempt. A NULL parameter keeps the
// column: lease_until (running without a new expiry), run_at (final
// statuses), finished_at (unfinished statuses). The two flags before the
// fence say the update records step attempts (unrecorded_claims back to
// 0) or releases the run (one claim taken off).
//
// The fence also asks that the run was not asked to cancel: for one that
// was, the update fails and is made again with updateCancelledRunSQL.
const updateRunSQL = updateRunHead + ` AND cancel_requested = 0`

// updateRunSQL's statement, less the end of its fence.
const updateRunHead = `
	UPDATE runs SET status = ?, next_step = ?, step_attempt = ?, error = ?, updated_at = ?,
		lease_owner = ?, lease_until = coalesce(?, lease_until),
		run_at = coalesce(?, run_at), finished_at = coalesce(?, finished_at),
		unrecorded_claims = CASE WHEN ? THEN 0 WHEN ? THEN max(unrecorded_claims - 1, 0) ELSE unrecorded_claims END
	WHERE id = ? AND lease_owner = ? AND attempt = ? AND status = 'running'`

// updateCancelledRunSQL is updateRunSQL for a run asked to cancel while it
// ran (RunCancel): the update is written, then the run is cancelled.
const updateCancelledRunSQL = updateRunHead + ` AND cancel_requested <> 0`

const insertStepSQL = `
	INSERT INTO step_results (run_id, step_id, step_index, attempt, status, input, output, error,
		status_code, started_at, duration_ns)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// RunInsert queues a run of a stored event (replay, manual runs), due at
// p.Now; store.ErrNotFound if the event does not exist.
func (s *Store) RunInsert(ctx context.Context, p store.RunInsertParams) (store.Run, error) {
	if p.ID == "" {
		return store.Run{}, errors.New("insert run: empty id")
	}
	var r store.Run
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = s.insertRun(ctx, tx, p)
		return err
	})
	if err != nil {
		return store.Run{}, fmt.Errorf("insert run %s: %w", p.ID, err)
	}
	return r, nil
}

// insertRun is RunInsert inside tx.
func (s *Store) insertRun(ctx context.Context, tx *sql.Tx, p store.RunInsertParams) (store.Run, error) {
	now := nanos(store.OrNow(p.Now))
	steps, rows := inlineResults(p.Results)
	r, err := scanRun(tx.QueryRowContext(ctx, `
			INSERT INTO runs (id, workflow_id, revision, event_id, status, next_step, run_at, replay_of, created_at, updated_at,
				initial_steps, time_skewed)
			SELECT ?, ?, ?, id, 'queued', ?, ?, ?, ?, ?, ?, ? FROM events WHERE id = ?
			RETURNING `+runColumns,
		p.ID, p.WorkflowID, p.Revision, p.NextStep, now, p.ReplayOf, now, now, steps,
		store.IDTimeSkewed(p.ID, fromNanos(now)), p.EventID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.Run{}, fmt.Errorf("event %s: %w", p.EventID, store.ErrNotFound)
	case isConstraint(err):
		return store.Run{}, fmt.Errorf("%w: %w", store.ErrConflict, err)
	case err != nil:
		return store.Run{}, err
	case !rows:
		return r, nil
	}
	return r, s.insertSteps(ctx, tx, p.ID, p.Results)
}

// RunClaim leases up to p.Limit due runs to p.Owner, oldest due first: runs
// queued, retrying or waiting whose RunAt has come, and running runs whose
// lease expired before p.Now. Runs of p.ExcludeWorkflows are skipped.
func (s *Store) RunClaim(ctx context.Context, p store.RunClaimParams) ([]store.Run, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	exclude := "[]"
	if len(p.ExcludeWorkflows) > 0 {
		b, err := json.Marshal(p.ExcludeWorkflows)
		if err != nil {
			return nil, fmt.Errorf("claim runs: %w", err)
		}
		exclude = string(b)
	}
	t := store.OrNow(p.Now)
	now, until := nanos(t), nanos(t.Add(p.LeaseFor))

	// Most claims find nothing due (runs are created leased to the engine
	// that accepted them): a read on a reader connection says so without
	// taking the writer from the accepts.
	var due bool
	if err := s.reader.QueryRowContext(ctx, anyDueSQL, now, now).Scan(&due); err != nil {
		return nil, fmt.Errorf("claim runs: %w", err)
	}
	if !due {
		return nil, nil
	}
	var runs []store.Run
	err := s.writeQueue(ctx, func(tx *sql.Tx) error {
		rows, err := tx.StmtContext(ctx, s.stmt.claimRuns).QueryContext(ctx,
			p.Owner, until, now, now, exclude, p.Limit, now, exclude, p.Limit, p.Limit)
		if err != nil {
			return err
		}
		runs, err = scanRuns(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim runs: %w", err)
	}
	// RETURNING gives no order.
	sort.Slice(runs, func(i, j int) bool {
		if !runs[i].RunAt.Equal(runs[j].RunAt) {
			return runs[i].RunAt.Before(runs[j].RunAt)
		}
		return runs[i].ID < runs[j].ID
	})
	return runs, nil
}

// RunNextDue returns the earliest RunAt of a queued, retrying or waiting
// run, or LeaseUntil of a running run, that is after after; the zero time
// if there is none.
func (s *Store) RunNextDue(ctx context.Context, after time.Time) (time.Time, error) {
	t := nanos(store.OrNow(after))
	var runAt, leaseUntil sql.NullInt64
	if err := s.reader.QueryRowContext(ctx, nextDueSQL, t, t).Scan(&runAt, &leaseUntil); err != nil {
		return time.Time{}, fmt.Errorf("next due run: %w", err)
	}
	var next int64
	for _, v := range []sql.NullInt64{runAt, leaseUntil} {
		if v.Valid && (next == 0 || v.Int64 < next) {
			next = v.Int64
		}
	}
	return fromNanos(next), nil
}

// RunUpdate records progress on a claimed run, fenced by owner and attempt.
func (s *Store) RunUpdate(ctx context.Context, p store.RunUpdateParams) error {
	if err := p.Check(); err != nil {
		return err
	}
	var cancelled bool
	err := s.writeQueue(ctx, func(tx *sql.Tx) error {
		var err error
		cancelled, err = s.updateRun(ctx, tx, p)
		return err
	})
	if err != nil {
		return fmt.Errorf("update run %s: %w", p.ID, err)
	}
	if cancelled {
		return fmt.Errorf("update run %s: %w", p.ID, store.ErrRunCancelled)
	}
	return nil
}

// RunUpdateMany applies several updates in one transaction. An update whose
// fence fails gets its own ErrLeaseLost in errs and writes nothing; the
// others are applied. A store failure fails them all (err).
func (s *Store) RunUpdateMany(ctx context.Context, ps []store.RunUpdateParams) (errs []error, err error) {
	if err := store.CheckUpdates(ps); err != nil {
		return nil, err
	}
	errs = make([]error, len(ps))
	if len(ps) == 0 {
		return errs, nil
	}
	if err := s.writeQueue(ctx, func(tx *sql.Tx) error { return s.updateTx(ctx, tx, ps, errs) }); err != nil {
		return nil, err
	}
	return errs, nil
}

// updateTx applies updates inside tx; a lost lease is that update's own
// error in errs, any other failure fails the transaction.
func (s *Store) updateTx(ctx context.Context, tx *sql.Tx, ps []store.RunUpdateParams, errs []error) error {
	for i, p := range ps {
		cancelled, err := s.updateRun(ctx, tx, p)
		if err != nil {
			if errors.Is(err, store.ErrLeaseLost) {
				errs[i] = fmt.Errorf("update run %s: %w", p.ID, err)
				continue
			}
			return fmt.Errorf("update run %s: %w", p.ID, err)
		}
		if cancelled {
			errs[i] = fmt.Errorf("update run %s: %w", p.ID, store.ErrRunCancelled)
		}
	}
	return nil
}

// updateRun applies one fenced update inside tx. A fence failure writes
// nothing (the UPDATE matched no row, so no step results are inserted).
// cancelled says the run, asked to cancel, ended cancelled after it.
func (s *Store) updateRun(ctx context.Context, tx *sql.Tx, p store.RunUpdateParams) (cancelled bool, err error) {
	t := store.OrNow(p.Now)
	now := nanos(t)
	var (
		leaseOwner                  = ""
		leaseUntil, runAt, finished any // nil keeps the column
	)
	switch {
	case p.Status == store.StatusRunning:
		leaseOwner = p.Owner
		if !p.LeaseUntil.IsZero() {
			leaseUntil = nanos(p.LeaseUntil)
		}
	case store.Finished(p.Status):
		leaseUntil = int64(0)
		finished = now
	default: // queued, retrying, waiting
		leaseUntil = int64(0)
		runAt = nanos(p.RunAt)
		if p.RunAt.IsZero() {
			runAt = now
		}
	}
	args := []any{p.Status, p.NextStep, p.StepAttempt, p.Error, now,
		leaseOwner, leaseUntil, runAt, finished, len(p.Results) > 0, p.Release,
		p.ID, p.Owner, p.Attempt}
	res, err := tx.StmtContext(ctx, s.stmt.updateRun).ExecContext(ctx, args...)
	if err != nil {
		return false, err
	}
	cancelRequested := false
	if n, err := res.RowsAffected(); err != nil {
		return false, err
	} else if n == 0 {
		// Lost, or asked to cancel.
		if res, err = tx.ExecContext(ctx, updateCancelledRunSQL, args...); err != nil {
			return false, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, err
		} else if n == 0 {
			return false, fmt.Errorf("owner %s attempt %d: %w", p.Owner, p.Attempt, store.ErrLeaseLost)
		}
		cancelRequested = true
	}
	if err := s.insertSteps(ctx, tx, p.ID, p.Results); err != nil {
		return false, err
	}
	if err := s.updateExtras(ctx, tx, p); err != nil {
		return false, err
	}
	if err := recordFailure(ctx, tx, p); err != nil {
		return false, err
	}
	if cancelRequested && !store.Finished(p.Status) {
		return true, cancelAfterUpdate(ctx, tx, p.ID, now)
	}
	return false, nil
}

// insertSteps records a run's step attempts, in order, inside tx.
func (s *Store) insertSteps(ctx context.Context, tx *sql.Tx, runID string, results []store.StepResult) error {
	if len(results) == 0 {
		return nil
	}
	insertStep := tx.StmtContext(ctx, s.stmt.insertStep)
	for _, r := range results {
		input := store.EncodeInput(r) // the event's body is stored once, with the event
		if _, err := insertStep.ExecContext(ctx, runID, r.StepID, r.StepIndex, r.Attempt, r.Status,
			input, store.NonNil(r.Output), r.Error, r.StatusCode, nanos(r.StartedAt), int64(r.Duration)); err != nil {
			return fmt.Errorf("step %s: %w", r.StepID, err)
		}
	}
	return nil
}

// RunGet returns one run.
func (s *Store) RunGet(ctx context.Context, id string) (store.Run, error) {
	r, err := scanRun(s.reader.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if err != nil {
		return store.Run{}, fmt.Errorf("get run %s: %w", id, notFound(err))
	}
	return r, nil
}

// runsStatusIndexed and runsDueIndexed are the conditions of the partial
// indexes runs_status and runs_due (migration 00007; runs_workflow_status,
// migration 00025, shares runs_status's), repeated word for word in a query
// so the planner may use the index.
const (
	runsStatusIndexed = `status <> 'succeeded' AND status <> 'filtered' AND status <> 'running'`
	runsDueIndexed    = `(status = 'queued' OR status = 'retrying' OR status = 'waiting')`
)

// runListQuery is RunList's query and its arguments.
// unresolvedSQL leaves out the failed runs whose latest replay succeeded:
// one look-up in runs_replay_of per failed run.
const unresolvedSQL = `NOT (status = 'failed' AND coalesce((SELECT x.status FROM runs x
	WHERE x.replay_of = runs.id AND x.replay_of <> '' ORDER BY x.id DESC LIMIT 1), '') = 'succeeded')`

func runListQuery(p store.RunListParams) (string, []any) {
	from, where, args := runListWhere(p)
	limit := store.ClampLimit(p.Limit)
	if p.Since.IsZero() && p.Until.IsZero() {
		return runListSelect(from, where) + ` ORDER BY id DESC LIMIT ?`, append(args, limit)
	}
	// A time window: the runs whose ids tell their creation time, as an id
	// range in the index the other filters chose, and the few whose ids do
	// not, through runs_skewed (migration 00024).
	var window []string
	var windowArgs []any
	if !p.Since.IsZero() {
		window, windowArgs = append(window, "created_at >= ?"), append(windowArgs, nanos(p.Since))
	}
	if !p.Until.IsZero() {
		window, windowArgs = append(window, "created_at < ?"), append(windowArgs, nanos(p.Until))
	}
	byID := append(append([]string{}, where...), window...)
	byIDArgs := append(append([]any{}, args...), windowArgs...)
	byID = append(byID, "time_skewed = 0")
	lo, hi := store.IDWindow(p.Since, p.Until)
	if lo != "" {
		byID, byIDArgs = append(byID, "id >= ?"), append(byIDArgs, lo)
	}
	if hi != "" {
		byID, byIDArgs = append(byID, "id < ?"), append(byIDArgs, hi)
	}
	skewed := append(append([]string{"time_skewed <> 0"}, window...), where...)
	skewedArgs := append(append([]any{}, windowArgs...), args...)
	q := `SELECT * FROM (` + runListSelect(from, byID) + ` ORDER BY id DESC LIMIT ?)
		UNION ALL
		SELECT * FROM (` + runListSelect(`runs INDEXED BY runs_skewed`, skewed) + ` ORDER BY id DESC LIMIT ?)
		ORDER BY id DESC LIMIT ?`
	all := append(append(append(byIDArgs, limit), skewedArgs...), limit, limit)
	return q, all
}

// runListSelect is the run list's SELECT from from with the conditions
// where.
func runListSelect(from string, where []string) string {
	q := `SELECT ` + runColumns + ` FROM ` + from
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	return q
}

// runListWhere is the run list's table (with the index it must read, where
// the planner would not choose it) and its filters but the time window.
func runListWhere(p store.RunListParams) (from string, where []string, args []any) {
	from = `runs`
	if p.WorkflowID != "" {
		where, args = append(where, "workflow_id = ?"), append(args, p.WorkflowID)
	}
	switch p.Status {
	case "":
	case store.StatusSucceeded, store.StatusFiltered:
		where, args = append(where, "status = ?"), append(args, p.Status)
	case store.StatusRunning:
		// Through runs_lease (partial on this very term): the running runs
		// are few, and sorting them is cheap. The planner would rather
		// read the whole history newest first.
		from, where = `runs INDEXED BY runs_lease`, append(where, "status = 'running'")
	default:
		where, args = append(where, "status = ?", runsStatusIndexed), append(args, p.Status)
		if p.WorkflowID != "" {
			// The pair, sought in the index of both (migration 00025):
			// without statistics, and with a cursor, the planner would
			// read runs_status, every run of that status of every
			// workflow.
			from = `runs INDEXED BY runs_workflow_status`
		}
	}
	if p.Before != "" {
		where, args = append(where, "id < ?"), append(args, p.Before)
	}
	if p.ReplayOf != "" {
		// replay_of <> '': the condition of runs_replay_of, said so the
		// planner may use it.
		where, args = append(where, "replay_of = ? AND replay_of <> ''"), append(args, p.ReplayOf)
	}
	if p.Unresolved {
		where = append(where, unresolvedSQL)
	}
	return from, where, args
}

// RunList returns runs newest first (by id: run ids are UUIDv7), filtered
// by workflow, status and Since <= CreatedAt < Until, after the cursor
// Before. Limit defaults to 50 and is capped at 1000.
func (s *Store) RunList(ctx context.Context, p store.RunListParams) ([]store.Run, error) {
	q, args := runListQuery(p)
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	runs, err := scanRuns(rows)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

// StepResultList returns every step attempt of a run in the order recorded:
// those stored with the run as it was created (initial_steps), then its
// step_results rows.
func (s *Store) StepResultList(ctx context.Context, runID string) ([]store.StepResult, error) {
	// The event's body is the input of the attempts stored as referring to
	// it, in either form.
	var initial, body []byte
	err := s.reader.QueryRowContext(ctx, `
		SELECT r.initial_steps, coalesce(e.body, x'')
		FROM runs r LEFT JOIN events e ON e.id = r.event_id WHERE r.id = ?`, runID).Scan(&initial, &body)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("list step results of %s: %w", runID, err)
	}
	body = store.NonNil(body)
	results, err := decodeInlineResults(runID, initial, body)
	if err != nil {
		return nil, fmt.Errorf("list step results of %s: %w", runID, err)
	}

	rows, err := s.reader.QueryContext(ctx, `
		SELECT run_id, step_id, step_index, attempt, status, input, output, error, status_code, started_at, duration_ns
		FROM step_results WHERE run_id = ? ORDER BY seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("list step results of %s: %w", runID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r                 store.StepResult
			started, duration int64
		)
		if err := rows.Scan(&r.RunID, &r.StepID, &r.StepIndex, &r.Attempt, &r.Status, &r.Input, &r.Output,
			&r.Error, &r.StatusCode, &started, &duration); err != nil {
			return nil, fmt.Errorf("list step results of %s: %w", runID, err)
		}
		if store.IsEventBodyInput(r.Input) {
			r.Input = body
		}
		r.StartedAt, r.Duration = fromNanos(started), time.Duration(duration)
		results = append(results, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list step results of %s: %w", runID, err)
	}
	if err := store.ResolveInputs(results); err != nil {
		return nil, fmt.Errorf("list step results of %s: %w", runID, err)
	}
	return results, nil
}
