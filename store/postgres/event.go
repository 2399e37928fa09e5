package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookflow/hookflow/store"
)

// acceptSQL writes a whole batch in one statement: the events, as arrays
// unnested in batch order, then a queued run for each event inserted. ON
// CONFLICT names the partial unique index, so an idempotency duplicate (of
// a stored event, of one committed meanwhile by another replica, or of one
// earlier in the batch) is skipped, and any other conflict (a reused event
// id) fails the batch. It answers, in batch order, whether each event was
// inserted.
const acceptSQL = `
	WITH input AS (
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
			$7::bytea[], $8::timestamptz[], $9::text[], $10::text[], $11::int[])
			WITH ORDINALITY AS t(id, workflow_id, source, method, headers, query, body, received_at,
				idempotency_key, run_id, revision, ord)
	), ev AS (
		INSERT INTO events (id, workflow_id, source, method, headers, query, body, received_at, idempotency_key)
		SELECT id, workflow_id, source, method, headers, query, body, received_at, idempotency_key
		FROM input ORDER BY ord
		ON CONFLICT (workflow_id, idempotency_key) WHERE idempotency_key <> '' DO NOTHING
		RETURNING id
	), run AS (
		INSERT INTO runs (id, workflow_id, revision, event_id, status, next_step, run_at, created_at, updated_at)
		SELECT i.run_id, i.workflow_id, i.revision, i.id, 'queued', 0, i.received_at, i.received_at, i.received_at
		FROM input i JOIN ev ON ev.id = i.id
		ORDER BY i.ord
	)
	SELECT i.ord, ev.id IS NOT NULL FROM input i LEFT JOIN ev ON ev.id = i.id ORDER BY i.ord`

// firstRunsSQL finds the run each idempotency duplicate answers with: the
// first run of the event that holds the key (NULL if it has none left). A
// statement of its own, so its snapshot sees an event another transaction
// committed while acceptSQL waited on it.
const firstRunsSQL = `
	SELECT k.ord, (
		SELECT r.id FROM events e JOIN runs r ON r.event_id = e.id
		WHERE e.workflow_id = k.workflow_id AND e.idempotency_key = k.idempotency_key
		ORDER BY r.id LIMIT 1)
	FROM unnest($1::int[], $2::text[], $3::text[]) AS k(ord, workflow_id, idempotency_key)`

// EventAccept writes the events and their queued runs in one transaction
// (the group commit of concurrent webhook accepts), with one statement for
// the batch and one more for its duplicates, if any, and returns once the
// commit is durable. A duplicate idempotency key, in the database or
// earlier in the batch, writes nothing and answers with the first run of
// the event that holds the key (an empty RunID if that event has no run
// left). The run of an accepted event is due at its ReceivedAt. The
// workflow is not checked: the caller resolved it. Any error fails the
// whole batch.
func (s *Store) EventAccept(ctx context.Context, events []store.EventAcceptParams) ([]store.AcceptResult, error) {
	if len(events) == 0 {
		return []store.AcceptResult{}, nil
	}
	n := len(events)
	var (
		ids, workflows, sources, methods = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		headers, queries, keys, runIDs   = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		bodies                           = make([][]byte, n)
		received                         = make([]pgtype.Timestamptz, n)
		revisions                        = make([]int32, n)
	)
	fallback := time.Now()
	for i, p := range events {
		e := p.Event
		if e.ID == "" || p.RunID == "" || e.WorkflowID == "" {
			return nil, fmt.Errorf("accept events: event %d: empty event id, run id or workflow id", i)
		}
		h, err := encodeHeaders(e.Headers)
		if err != nil {
			return nil, fmt.Errorf("accept events: event %d: %w", i, err)
		}
		at := e.ReceivedAt
		if at.IsZero() {
			at = fallback
		}
		ids[i], workflows[i], sources[i], methods[i] = text(e.ID), text(e.WorkflowID), text(e.Source), text(e.Method)
		headers[i], queries[i], keys[i], runIDs[i] = text(h), text(e.Query), text(e.IdempotencyKey), text(p.RunID)
		bodies[i], received[i], revisions[i] = blob(e.Body), ts(at), int32(p.Revision)
	}

	results := make([]store.AcceptResult, n)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, acceptSQL,
			ids, workflows, sources, methods, headers, queries, bodies, received, keys, runIDs, revisions)
		if err != nil {
			return conflict(err)
		}
		var (
			dupOrd       []int32
			dupWorkflows []string
			dupKeys      []string
		)
		for rows.Next() {
			var (
				ord      int64
				inserted bool
			)
			if err := rows.Scan(&ord, &inserted); err != nil {
				rows.Close()
				return err
			}
			i := int(ord) - 1
			if inserted {
				results[i] = store.AcceptResult{RunID: events[i].RunID}
				continue
			}
			dupOrd = append(dupOrd, int32(i))
			dupWorkflows, dupKeys = append(dupWorkflows, workflows[i]), append(dupKeys, keys[i])
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return conflict(err)
		}
		if len(dupOrd) == 0 {
			return nil
		}
		rows, err = tx.Query(ctx, firstRunsSQL, dupOrd, dupWorkflows, dupKeys)
		if err != nil {
			return fmt.Errorf("find first runs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				i     int32
				runID pgtype.Text
			)
			if err := rows.Scan(&i, &runID); err != nil {
				return fmt.Errorf("find first runs: %w", err)
			}
			results[i] = store.AcceptResult{RunID: runID.String, Duplicate: true}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("accept events: %w", err)
	}
	return results, nil
}

// EventGet returns one event.
func (s *Store) EventGet(ctx context.Context, id string) (store.Event, error) {
	e, err := scanEvent(s.pool.QueryRow(ctx, `SELECT `+eventColumns+` FROM events WHERE id = $1`, text(id)))
	if err != nil {
		return store.Event{}, fmt.Errorf("get event %s: %w", id, notFound(err))
	}
	return e, nil
}

// EventListByWorkflow returns a workflow's latest events, newest first;
// limit defaults to 50 and is capped at 1000.
func (s *Store) EventListByWorkflow(ctx context.Context, workflowID string, limit int) ([]store.Event, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+eventColumns+` FROM events WHERE workflow_id = $1
		ORDER BY received_at DESC, id DESC LIMIT $2`, text(workflowID), clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list events of %s: %w", workflowID, err)
	}
	events, err := collect(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("list events of %s: %w", workflowID, err)
	}
	return events, nil
}

// Limits of list calls.
const (
	defaultLimit = 50
	maxLimit     = 1000
)

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	}
	return n
}
