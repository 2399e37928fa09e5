package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookflow/hookflow/store"
)

// claimRunsSQL leases the oldest due runs. Each CTE reads one partial index
// (runs_due in claim order; runs_lease for expired leases), stops at the
// limit, and locks what it reads with FOR UPDATE SKIP LOCKED: a run another
// replica is claiming at this moment is skipped, not waited for, and a run
// it claimed since this statement's snapshot is re-checked against the
// WHERE clause (no longer due) before it could be taken twice. Up to twice
// the limit is locked for the length of the statement; the oldest limit
// are taken.
//
// Parameters: owner, lease until, now, limit, excluded workflow ids.
var claimRunsSQL = `
	WITH due AS (
		SELECT id, run_at FROM runs
		WHERE status IN ('queued', 'retrying', 'waiting') AND run_at <= $3 AND workflow_id <> ALL($5::text[])
		ORDER BY run_at, id LIMIT $4
		FOR UPDATE SKIP LOCKED
	), expired AS (
		SELECT id, run_at FROM runs
		WHERE status = 'running' AND lease_until < $3 AND workflow_id <> ALL($5::text[])
		ORDER BY lease_until, id LIMIT $4
		FOR UPDATE SKIP LOCKED
	), picked AS (
		SELECT id FROM (SELECT * FROM due UNION ALL SELECT * FROM expired) AS c
		ORDER BY run_at, id LIMIT $4
	)
	UPDATE runs AS r SET status = 'running', lease_owner = $1, lease_until = $2, attempt = r.attempt + 1,
		unrecorded_claims = r.unrecorded_claims + 1, updated_at = $3
	FROM picked WHERE r.id = picked.id
	RETURNING ` + runColumnsOf("r")

// updateRunSQL is fenced by owner and attempt, and writes the step attempts
// only where the fence let the update through, all in one statement. A
// false flag keeps a column: lease_until ($7, running without a new
// expiry), run_at ($9, final statuses), finished_at ($11, unfinished
// statuses). $15 says the update records step attempts (unrecorded_claims
// back to 0), $16 that it releases the run (one claim taken off).
//
// A run asked to cancel (cancel_requested) whose update is not final ends
// cancelled instead (see store.ErrRunCancelled); the second column says so.
var updateRunSQL = `
	WITH u AS (
		UPDATE runs SET status = CASE WHEN cancel_requested AND NOT $11::bool THEN 'cancelled' ELSE $1 END,
			next_step = $2, step_attempt = $3, error = $4, updated_at = $5::timestamptz,
			lease_owner = CASE WHEN cancel_requested AND NOT $11::bool THEN '' ELSE $6 END,
			lease_until = CASE WHEN cancel_requested AND NOT $11::bool THEN NULL
				WHEN $7::bool THEN $8::timestamptz ELSE lease_until END,
			run_at = CASE WHEN $9::bool THEN $10::timestamptz ELSE run_at END,
			finished_at = CASE WHEN $11::bool OR cancel_requested THEN $5::timestamptz ELSE finished_at END,
			unrecorded_claims = CASE WHEN $15::bool THEN 0
				WHEN $16::bool THEN greatest(unrecorded_claims - 1, 0) ELSE unrecorded_claims END
		WHERE id = $12 AND lease_owner = $13 AND attempt = $14 AND status = 'running'
		RETURNING id, cancel_requested AND NOT $11::bool AS cancelled
	), steps AS (
		` + insertStepsFrom(17, "u.id", ", u") + `
	)
	SELECT count(*), coalesce(bool_or(u.cancelled), false) FROM u`

// RunInsert queues a run of a stored event (replay, manual runs), due at
// p.Now, with the step attempts it carries, in one transaction;
// store.ErrNotFound if the event does not exist.
func (s *Store) RunInsert(ctx context.Context, p store.RunInsertParams) (store.Run, error) {
	if p.ID == "" {
		return store.Run{}, errors.New("insert run: empty id")
	}
	var r store.Run
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		r, err = insertRun(ctx, tx, p)
		return err
	})
	if err != nil {
		return store.Run{}, fmt.Errorf("insert run %s: %w", p.ID, err)
	}
	return r, nil
}

// insertRun is RunInsert inside tx.
func insertRun(ctx context.Context, tx pgx.Tx, p store.RunInsertParams) (store.Run, error) {
	now := ts(store.OrNow(p.Now))
	r, err := scanRun(tx.QueryRow(ctx, `
		INSERT INTO runs (id, workflow_id, revision, event_id, status, next_step, run_at, replay_of, created_at, updated_at,
			time_skewed)
		SELECT $1, $2, $3, id, 'queued', $4, $5, $6, $5, $5, $8 FROM events WHERE id = $7
		RETURNING `+runColumns,
		text(p.ID), text(p.WorkflowID), p.Revision, p.NextStep, now, text(p.ReplayOf), text(p.EventID),
		store.IDTimeSkewed(p.ID, now.Time)))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.Run{}, fmt.Errorf("event %s: %w", p.EventID, store.ErrNotFound)
	case err != nil:
		return store.Run{}, conflict(err)
	}
	if len(p.Results) == 0 {
		return r, nil
	}
	args := append([]any{text(p.ID)}, newStepArrays(p.Results).args()...)
	if _, err := tx.Exec(ctx, insertStepsFrom(2, "$1::text", ""), args...); err != nil {
		return store.Run{}, fmt.Errorf("step results: %w", err)
	}
	return r, nil
}

// RunClaim leases up to p.Limit due runs to p.Owner, oldest due first: runs
// queued, retrying or waiting whose RunAt has come, and running runs whose
// lease expired before p.Now. Runs of p.ExcludeWorkflows are skipped. Two
// replicas claiming at once get disjoint runs (FOR UPDATE SKIP LOCKED).
func (s *Store) RunClaim(ctx context.Context, p store.RunClaimParams) ([]store.Run, error) {
	if p.Limit <= 0 {
		return nil, nil
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	exclude := make([]string, len(p.ExcludeWorkflows))
	for i, id := range p.ExcludeWorkflows {
		exclude[i] = text(id)
	}
	now := store.OrNow(p.Now)
	rows, err := s.pool.Query(ctx, claimRunsSQL, text(p.Owner), ts(now.Add(p.LeaseFor)), ts(now), p.Limit, exclude)
	if err != nil {
		return nil, fmt.Errorf("claim runs: %w", err)
	}
	runs, err := collect(rows, scanRun)
	if err != nil {
		return nil, fmt.Errorf("claim runs: %w", err)
	}
	// RETURNING gives no order.
	slices.SortFunc(runs, func(a, b store.Run) int {
		if c := a.RunAt.Compare(b.RunAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return runs, nil
}

// nextDueSQL is RunNextDue's query: the first entry after $1 in runs_due
// (in run_at order) and in runs_lease (in lease_until order), a seek in
// each partial index.
const nextDueSQL = `
	SELECT least(
		(SELECT run_at FROM runs WHERE status IN ('queued', 'retrying', 'waiting') AND run_at > $1
			ORDER BY run_at LIMIT 1),
		(SELECT lease_until FROM runs WHERE status = 'running' AND lease_until > $1
			ORDER BY lease_until LIMIT 1))`

// RunNextDue returns the earliest RunAt of a queued, retrying or waiting
// run, or LeaseUntil of a running run, that is after after; the zero time
// if there is none.
func (s *Store) RunNextDue(ctx context.Context, after time.Time) (time.Time, error) {
	var next pgtype.Timestamptz
	if err := s.pool.QueryRow(ctx, nextDueSQL, ts(store.OrNow(after))).Scan(&next); err != nil {
		return time.Time{}, fmt.Errorf("next due run: %w", err)
	}
	return fromTS(next), nil
}

// RunUpdate records step attempts and the run's new state in one statement
// (so one transaction), fenced by owner and attempt: store.ErrLeaseLost, and
// nothing written, if the run is not running under that lease. Status
// running keeps the lease (extended to LeaseUntil when set); any other
// status releases it. Retrying, waiting and queued runs are due at RunAt
// (now when zero); final statuses set FinishedAt. Step results are stored
// under p.ID.
func (s *Store) RunUpdate(ctx context.Context, p store.RunUpdateParams) error {
	if err := p.Check(); err != nil {
		return err
	}
	if hasExtras(p) {
		if err := s.updateWithExtras(ctx, p); err != nil {
			return fmt.Errorf("update run %s: %w", p.ID, err)
		}
		return nil
	}
	var (
		n         int
		cancelled bool
	)
	if err := s.pool.QueryRow(ctx, updateRunSQL, updateArgs(p)...).Scan(&n, &cancelled); err != nil {
		return fmt.Errorf("update run %s: %w", p.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("update run %s: owner %s attempt %d: %w", p.ID, p.Owner, p.Attempt, store.ErrLeaseLost)
	}
	if cancelled {
		return fmt.Errorf("update run %s: %w", p.ID, store.ErrRunCancelled)
	}
	return nil
}

// RunUpdateMany applies several updates (as RunUpdate) in one transaction
// and one round trip: a pipelined batch, which PostgreSQL runs as one
// implicit transaction. An update whose fence fails gets its own
// ErrLeaseLost in errs and writes nothing; the others are applied. A store
// failure fails them all (err). Updates are applied in run id order, so two
// replicas' batches touching the same runs (a lease taken over) lock them
// in the same order and cannot deadlock.
func (s *Store) RunUpdateMany(ctx context.Context, ps []store.RunUpdateParams) (errs []error, err error) {
	errs = make([]error, len(ps))
	if len(ps) == 0 {
		return errs, nil
	}
	if err := store.CheckUpdates(ps); err != nil {
		return nil, err
	}
	order := make([]int, 0, len(ps))
	var extras []int // updates with extras, each in a transaction of its own
	for i := range ps {
		if hasExtras(ps[i]) {
			extras = append(extras, i)
			continue
		}
		order = append(order, i)
	}
	for _, i := range extras {
		if err := s.updateWithExtras(ctx, ps[i]); err != nil {
			if !errors.Is(err, store.ErrLeaseLost) && !errors.Is(err, store.ErrRunCancelled) {
				return nil, fmt.Errorf("update run %s: %w", ps[i].ID, err)
			}
			errs[i] = fmt.Errorf("update run %s: %w", ps[i].ID, err)
		}
	}
	if len(order) == 0 {
		return errs, nil
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(ps[a].ID, ps[b].ID) })
	b := &pgx.Batch{}
	for _, i := range order {
		b.Queue(updateRunSQL, updateArgs(ps[i])...)
	}
	br := s.pool.SendBatch(ctx, b)
	for _, i := range order {
		var (
			n         int
			cancelled bool
		)
		if err = br.QueryRow().Scan(&n, &cancelled); err != nil {
			err = fmt.Errorf("update run %s: %w", ps[i].ID, err)
			break
		}
		if n == 0 {
			errs[i] = fmt.Errorf("update run %s: owner %s attempt %d: %w", ps[i].ID, ps[i].Owner, ps[i].Attempt, store.ErrLeaseLost)
		} else if cancelled {
			errs[i] = fmt.Errorf("update run %s: %w", ps[i].ID, store.ErrRunCancelled)
		}
	}
	if cerr := br.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("update runs: %w", cerr)
	}
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// updateArgs are updateRunSQL's parameters for one update.
func updateArgs(p store.RunUpdateParams) []any {
	now := store.OrNow(p.Now)
	var (
		leaseOwner         = ""
		setLease, setRunAt bool
		leaseUntil, runAt  pgtype.Timestamptz // NULL unless set
		setFinished        = store.Finished(p.Status)
	)
	switch {
	case p.Status == store.StatusRunning:
		leaseOwner = p.Owner
		if !p.LeaseUntil.IsZero() {
			setLease, leaseUntil = true, ts(p.LeaseUntil)
		}
	case setFinished:
		setLease = true // to NULL
	default: // queued, retrying, waiting
		setLease, setRunAt, runAt = true, true, ts(p.RunAt)
		if p.RunAt.IsZero() {
			runAt = ts(now)
		}
	}
	args := []any{
		p.Status, p.NextStep, p.StepAttempt, text(p.Error), ts(now),
		text(leaseOwner), setLease, leaseUntil, setRunAt, runAt, setFinished,
		text(p.ID), text(p.Owner), p.Attempt, len(p.Results) > 0, p.Release,
	}
	return append(args, newStepArrays(p.Results).args()...)
}

// RunGet returns one run.
func (s *Store) RunGet(ctx context.Context, id string) (store.Run, error) {
	r, err := scanRun(s.pool.QueryRow(ctx, `SELECT `+runColumns+` FROM runs WHERE id = $1`, text(id)))
	if err != nil {
		return store.Run{}, fmt.Errorf("get run %s: %w", id, notFound(err))
	}
	return r, nil
}

// RunList returns runs newest first (by id: run ids are UUIDv7), filtered
// by workflow, status and Since <= CreatedAt < Until, after the cursor
// Before. Limit defaults to 50 and is capped at 1000.
func (s *Store) RunList(ctx context.Context, p store.RunListParams) ([]store.Run, error) {
	q, args := runListQuery(p)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	runs, err := collect(rows, scanRun)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

// runListQuery is RunList's query and its arguments. A time window reads
// the runs whose ids tell their creation time as a range of ids
// (store.IDWindow), in whichever index the other filters use, and the few
// whose ids do not through runs_skewed (migration 00018).
func runListQuery(p store.RunListParams) (string, []any) {
	where, args := runListWhere(p)
	sel := func(where []string) string {
		q := `SELECT ` + runColumns + ` FROM runs`
		if len(where) > 0 {
			q += ` WHERE ` + strings.Join(where, " AND ")
		}
		return q
	}
	limit := func() string {
		args = append(args, store.ClampLimit(p.Limit))
		return fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args))
	}
	if p.Since.IsZero() && p.Until.IsZero() {
		return sel(where) + limit(), args
	}
	add := func(where []string, cond string, arg any) []string {
		args = append(args, arg)
		return append(where, fmt.Sprintf(cond, len(args)))
	}
	var window []string
	if !p.Since.IsZero() {
		window = add(window, "created_at >= $%d", ts(p.Since))
	}
	if !p.Until.IsZero() {
		window = add(window, "created_at < $%d", ts(p.Until))
	}
	byID := append(append(append([]string{}, where...), window...), "NOT time_skewed")
	lo, hi := store.IDWindow(p.Since, p.Until)
	if lo != "" {
		byID = add(byID, "id >= $%d", text(lo))
	}
	if hi != "" {
		byID = add(byID, "id < $%d", text(hi))
	}
	skewed := append(append([]string{"time_skewed"}, window...), where...)
	q := `(` + sel(byID) + limit() + `) UNION ALL (` + sel(skewed) + limit() + `)`
	return q + limit(), args
}

// runListWhere is RunList's filter but the time window: its conditions and
// their arguments.
func runListWhere(p store.RunListParams) (where []string, args []any) {
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if p.WorkflowID != "" {
		add("workflow_id = $%d", text(p.WorkflowID))
	}
	if p.Status != "" {
		add("status = $%d", text(p.Status))
	}
	if p.Before != "" {
		add("id < $%d", text(p.Before))
	}
	if p.ReplayOf != "" {
		add("replay_of = $%d AND replay_of <> ''", text(p.ReplayOf))
	}
	if p.Unresolved {
		// One look-up in runs_replay_of per failed run.
		where = append(where, `NOT (status = 'failed' AND coalesce((SELECT x.status FROM runs x
			WHERE x.replay_of = runs.id AND x.replay_of <> '' ORDER BY x.id DESC LIMIT 1), '') = 'succeeded')`)
	}
	return where, args
}

// StepResultList returns every step attempt of a run in the order recorded.
func (s *Store) StepResultList(ctx context.Context, runID string) ([]store.StepResult, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT run_id, step_id, step_index, attempt, status, input, output, error, status_code, started_at, duration_ns
		FROM step_results WHERE run_id = $1 ORDER BY seq`, text(runID))
	if err != nil {
		return nil, fmt.Errorf("list step results of %s: %w", runID, err)
	}
	results, err := collect(rows, func(row pgx.Row) (store.StepResult, error) {
		var (
			r        store.StepResult
			started  pgtype.Timestamptz
			duration int64
		)
		if err := row.Scan(&r.RunID, &r.StepID, &r.StepIndex, &r.Attempt, &r.Status, &r.Input, &r.Output,
			&r.Error, &r.StatusCode, &started, &duration); err != nil {
			return store.StepResult{}, err
		}
		r.StartedAt, r.Duration = fromTS(started), time.Duration(duration)
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list step results of %s: %w", runID, err)
	}
	if err := s.eventBodyInputs(ctx, runID, results); err != nil {
		return nil, fmt.Errorf("list step results of %s: %w", runID, err)
	}
	if err := store.ResolveInputs(results); err != nil {
		return nil, fmt.Errorf("list step results of %s: %w", runID, err)
	}
	return results, nil
}

// eventBodyInputs puts the run's event's body in place of the inputs
// stored as referring to it (store.EventBodyInput), reading it only where
// there are some.
func (s *Store) eventBodyInputs(ctx context.Context, runID string, results []store.StepResult) error {
	var body []byte
	read := false
	for i := range results {
		if !store.IsEventBodyInput(results[i].Input) {
			continue
		}
		if !read {
			err := s.pool.QueryRow(ctx, `SELECT e.body FROM runs r JOIN events e ON e.id = r.event_id WHERE r.id = $1`,
				text(runID)).Scan(&body)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("read the event's body: %w", err)
			}
			body, read = store.NonNil(body), true
		}
		results[i].Input = body
	}
	return nil
}
