package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
)

// An event whose (workflow, idempotency key) exists is not inserted: the
// upsert names the partial unique index, so any other conflict (a reused
// event id) still fails the batch.
const insertEventSQL = `
	INSERT INTO events (id, workflow_id, source, method, headers, query, body, received_at, idempotency_key, meta)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (workflow_id, idempotency_key) WHERE idempotency_key <> '' DO NOTHING`

const insertRunSQL = `
	INSERT INTO runs (id, workflow_id, revision, event_id, status, next_step, run_at, replay_of, created_at, updated_at,
		lease_owner, lease_until, attempt, unrecorded_claims, finished_at, initial_steps, time_skewed)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// firstRunSQL finds the run an idempotency duplicate answers with: the
// first run of the event that holds the key.
const firstRunSQL = `
	SELECT r.id FROM events e JOIN runs r ON r.event_id = e.id
	WHERE e.workflow_id = ? AND e.idempotency_key = ?
	ORDER BY r.id LIMIT 1`

// EventAccept writes the events and their queued runs in one transaction
// (the group commit of concurrent webhook accepts) and returns once it is
// durable. A duplicate idempotency key, in the database or earlier in the
// batch, writes nothing and answers with the first run of the event that
// holds the key (an empty RunID if that event has no run left). The run of
// an accepted event is due at its ReceivedAt. The workflow is not checked:
// the caller resolved it. Any error fails the whole batch.
func (s *Store) EventAccept(ctx context.Context, events []store.EventAcceptParams) ([]store.AcceptResult, error) {
	if len(events) == 0 {
		return []store.AcceptResult{}, nil
	}
	a, err := newAcceptBatch(events)
	if err != nil {
		return nil, err
	}
	if err := s.write(ctx, func(tx *sql.Tx) error { return s.acceptTx(ctx, tx, a) }); err != nil {
		return nil, fmt.Errorf("accept events: %w", err)
	}
	return a.results, nil
}

// acceptBatch is an EventAccept's input, encoded before the transaction so
// the writer is held for less time, and its results.
type acceptBatch struct {
	events   []store.EventAcceptParams
	headers  []string
	meta     []string
	steps    [][]byte // each run's initial_steps
	rows     []bool   // or, where they would not fit, step_results rows
	fallback int64    // received_at of events without one
	results  []store.AcceptResult
}

func newAcceptBatch(events []store.EventAcceptParams) (*acceptBatch, error) {
	a := &acceptBatch{events: events, headers: make([]string, len(events)), meta: make([]string, len(events)), steps: make([][]byte, len(events)),
		rows:     make([]bool, len(events)),
		fallback: time.Now().UnixNano(), results: make([]store.AcceptResult, len(events))}
	for i, p := range events {
		if err := store.CheckAccept(p); err != nil {
			return nil, fmt.Errorf("accept events: event %d: %w", i, err)
		}
		h, err := store.EncodeHeaders(p.Event.Headers)
		if err != nil {
			return nil, fmt.Errorf("accept events: event %d: %w", i, err)
		}
		a.headers[i] = h
		if a.meta[i], err = store.EncodeMeta(p.Event.Meta); err != nil {
			return nil, fmt.Errorf("accept events: event %d: %w", i, err)
		}
		a.steps[i], a.rows[i] = inlineResults(p.Results)
	}
	return a, nil
}

// acceptTx inserts a batch's events and runs inside tx, filling a.results.
func (s *Store) acceptTx(ctx context.Context, tx *sql.Tx, a *acceptBatch) error {
	insertEvent := tx.StmtContext(ctx, s.stmt.insertEvent)
	insertRun := tx.StmtContext(ctx, s.stmt.insertRun)
	for i, p := range a.events {
		e := p.Event
		received := nanos(e.ReceivedAt)
		if received == 0 {
			received = a.fallback
		}
		res, err := insertEvent.ExecContext(ctx, e.ID, e.WorkflowID, e.Source, e.Method, a.headers[i], e.Query,
			store.NonNil(e.Body), received, e.IdempotencyKey, a.meta[i])
		if err != nil {
			if isConstraint(err) {
				err = fmt.Errorf("%w: %w", store.ErrConflict, err)
			}
			return fmt.Errorf("event %s: %w", e.ID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("event %s: %w", e.ID, err)
		}
		if n == 0 { // idempotency duplicate
			var runID string
			err := tx.QueryRowContext(ctx, firstRunSQL, e.WorkflowID, e.IdempotencyKey).Scan(&runID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("event %s: find first run: %w", e.ID, err)
			}
			a.results[i] = store.AcceptResult{RunID: runID, Duplicate: true}
			continue
		}
		status, owner, leaseUntil, attempt, claims, finished := store.StatusQueued, "", int64(0), 0, 0, int64(0)
		switch {
		case p.Status != "":
			status, attempt, finished = p.Status, 1, received
		case p.Owner != "":
			status, owner, leaseUntil, attempt, claims = store.StatusRunning, p.Owner, nanos(p.LeaseUntil), 1, 1
		}
		if _, err := insertRun.ExecContext(ctx, p.RunID, e.WorkflowID, p.Revision, e.ID, status, p.NextStep, received, "",
			received, received, owner, leaseUntil, attempt, claims, finished, a.steps[i],
			store.IDTimeSkewed(p.RunID, fromNanos(received))); err != nil {
			if isConstraint(err) {
				err = fmt.Errorf("%w: %w", store.ErrConflict, err)
			}
			return fmt.Errorf("run %s: %w", p.RunID, err)
		}
		if a.rows[i] {
			if err := s.insertSteps(ctx, tx, p.RunID, p.Results); err != nil {
				return fmt.Errorf("run %s: %w", p.RunID, err)
			}
		}
		a.results[i] = store.AcceptResult{RunID: p.RunID}
	}
	return nil
}

// EventGet returns one event.
func (s *Store) EventGet(ctx context.Context, id string) (store.Event, error) {
	e, err := scanEvent(s.reader.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = ?`, id))
	if err != nil {
		return store.Event{}, fmt.Errorf("get event %s: %w", id, notFound(err))
	}
	return e, nil
}

// EventListByWorkflow returns a workflow's latest events, newest first;
// limit defaults to 50 and is capped at 1000.
func (s *Store) EventListByWorkflow(ctx context.Context, workflowID string, limit int) ([]store.Event, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT `+eventColumns+` FROM events WHERE workflow_id = ?
		ORDER BY received_at DESC, id DESC LIMIT ?`, workflowID, store.ClampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list events of %s: %w", workflowID, err)
	}
	defer rows.Close()
	var events []store.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("list events of %s: %w", workflowID, err)
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list events of %s: %w", workflowID, err)
	}
	return events, nil
}
