package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hookflow/hookflow/store"
)

// statements are the hot paths' statements, prepared once on the writer and
// bound to each transaction with tx.StmtContext.
type statements struct {
	insertEvent *sql.Stmt
	insertRun   *sql.Stmt
	claimRuns   *sql.Stmt
	updateRun   *sql.Stmt
	insertStep  *sql.Stmt
}

func (st *statements) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&st.insertEvent, insertEventSQL},
		{&st.insertRun, insertRunSQL},
		{&st.claimRuns, claimRunsSQL},
		{&st.updateRun, updateRunSQL},
		{&st.insertStep, insertStepSQL},
	} {
		stmt, err := db.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("prepare statement: %w", err)
		}
		*p.dst = stmt
	}
	return nil
}

func (st *statements) close() {
	for _, stmt := range []*sql.Stmt{st.insertEvent, st.insertRun, st.claimRuns, st.updateRun, st.insertStep} {
		if stmt != nil {
			stmt.Close()
		}
	}
}

// nanos converts a time to the stored form: unix nanoseconds, 0 for the zero
// time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos, in UTC.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// deletedOne reports store.ErrNotFound when a DELETE matched no row.
func deletedOne(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// isConstraint reports whether err is a UNIQUE or PRIMARY KEY violation.
func isConstraint(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

// notFound maps sql.ErrNoRows to store.ErrNotFound, keeping other errors.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

const workflowColumns = `id, revision, enabled, hook_key, name, definition, created_at, updated_at`

// workflowHeadColumns are workflowColumns with no definition read.
const workflowHeadColumns = `id, revision, enabled, hook_key, name, x'' AS definition, created_at, updated_at`

func scanWorkflow(sc scanner) (store.Workflow, error) {
	var (
		w                store.Workflow
		created, updated int64
	)
	if err := sc.Scan(&w.ID, &w.Revision, &w.Enabled, &w.HookKey, &w.Name, &w.Definition, &created, &updated); err != nil {
		return store.Workflow{}, err
	}
	w.CreatedAt, w.UpdatedAt = fromNanos(created), fromNanos(updated)
	return w, nil
}

const eventColumns = `id, workflow_id, source, method, headers, query, body, received_at, idempotency_key, meta`

func scanEvent(sc scanner) (store.Event, error) {
	var (
		e        store.Event
		headers  string
		meta     string
		received int64
	)
	if err := sc.Scan(&e.ID, &e.WorkflowID, &e.Source, &e.Method, &headers, &e.Query, &e.Body, &received, &e.IdempotencyKey, &meta); err != nil {
		return store.Event{}, err
	}
	h, err := store.DecodeHeaders(headers)
	if err != nil {
		return store.Event{}, err
	}
	if e.Meta, err = store.DecodeMeta(meta); err != nil {
		return store.Event{}, err
	}
	e.Headers, e.ReceivedAt = h, fromNanos(received)
	return e, nil
}

const runColumns = `id, workflow_id, revision, event_id, status, next_step, attempt, step_attempt,
	unrecorded_claims, run_at, lease_owner, lease_until, error, replay_of, created_at, updated_at, finished_at`

func scanRun(sc scanner) (store.Run, error) {
	var (
		r                                             store.Run
		runAt, leaseUntil, created, updated, finished int64
	)
	if err := sc.Scan(&r.ID, &r.WorkflowID, &r.Revision, &r.EventID, &r.Status, &r.NextStep, &r.Attempt, &r.StepAttempt,
		&r.UnrecordedClaims, &runAt, &r.LeaseOwner, &leaseUntil, &r.Error, &r.ReplayOf, &created, &updated, &finished); err != nil {
		return store.Run{}, err
	}
	r.RunAt, r.LeaseUntil = fromNanos(runAt), fromNanos(leaseUntil)
	r.CreatedAt, r.UpdatedAt, r.FinishedAt = fromNanos(created), fromNanos(updated), fromNanos(finished)
	return r, nil
}

func scanRuns(rows *sql.Rows) ([]store.Run, error) {
	defer rows.Close()
	var runs []store.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, rows.Err()
}

// queryList runs q on the reader and scans each row with scan; what names
// the list in errors ("list users").
func queryList[T any](ctx context.Context, s *Store, what string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
