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
// id) fails the batch. A run whose params name an Owner is created
// claimed by it (running, attempt 1, one unrecorded claim, leased until
// LeaseUntil; without a LeaseUntil, the lease has expired at once, as if
// it were zero); one with a Status is created finished; either way at
// NextStep, with the step attempts the engine already made (steps, for the
// runs inserted). Events are inserted in key order, and in batch
// order within a key (the first of a key wins): two replicas' batches
// sharing keys then wait on each other's keys in one order, never in a
// cycle (a deadlock would fail a whole batch). It answers, in batch order,
// whether each event was inserted.
const acceptSQL = `
	WITH input AS (
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
			$7::bytea[], $8::timestamptz[], $9::text[], $10::text[], $11::int[], $12::text[], $13::timestamptz[],
			$14::text[], $15::int[], $27::text[], $28::bool[])
			WITH ORDINALITY AS t(id, workflow_id, source, method, headers, query, body, received_at,
				idempotency_key, run_id, revision, owner, lease_until, status, next_step, meta, time_skewed, ord)
	), ev AS (
		INSERT INTO events (id, workflow_id, source, method, headers, query, body, received_at, idempotency_key, meta)
		SELECT id, workflow_id, source, method, headers, query, body, received_at, idempotency_key, meta
		FROM input ORDER BY workflow_id, idempotency_key, ord
		ON CONFLICT (workflow_id, idempotency_key) WHERE idempotency_key <> '' DO NOTHING
		RETURNING id
	), run AS (
		INSERT INTO runs (id, workflow_id, revision, event_id, status, next_step, run_at, created_at, updated_at,
			lease_owner, lease_until, attempt, unrecorded_claims, finished_at, time_skewed)
		SELECT i.run_id, i.workflow_id, i.revision, i.id,
			CASE WHEN i.status <> '' THEN i.status WHEN i.owner <> '' THEN 'running' ELSE 'queued' END,
			i.next_step, i.received_at, i.received_at, i.received_at,
			CASE WHEN i.status = '' THEN i.owner ELSE '' END,
			CASE WHEN i.status = '' AND i.owner <> '' THEN coalesce(i.lease_until, i.received_at) END,
			CASE WHEN i.status <> '' OR i.owner <> '' THEN 1 ELSE 0 END,
			CASE WHEN i.status = '' AND i.owner <> '' THEN 1 ELSE 0 END,
			CASE WHEN i.status <> '' THEN i.received_at END,
			i.time_skewed
		FROM input i JOIN ev ON ev.id = i.id
		ORDER BY i.ord
		RETURNING id
	), steps AS (
		INSERT INTO step_results (run_id, step_id, step_index, attempt, status, input, output, error,
			status_code, started_at, duration_ns)
		SELECT s.run_id, s.step_id, s.step_index, s.attempt, s.status, s.input, s.output, s.error,
			s.status_code, s.started_at, s.duration_ns
		FROM unnest($16::text[], $17::text[], $18::int[], $19::int[], $20::text[], $21::bytea[], $22::bytea[],
			$23::text[], $24::int[], $25::timestamptz[], $26::bigint[])
			WITH ORDINALITY AS s(run_id, step_id, step_index, attempt, status, input, output, error, status_code,
				started_at, duration_ns, ord)
		JOIN run ON run.id = s.run_id
		ORDER BY s.ord
	)
	SELECT i.ord, ev.id IS NOT NULL FROM input i LEFT JOIN ev ON ev.id = i.id ORDER BY i.ord`

// firstRunsSQL finds the run an idempotency duplicate answers with: the
// first run of the event that holds the key (NULL if it has none left). It
// is asked for every keyed event of the batch (for one inserted, it finds
// its own run, unused). A statement of its own, so its snapshot sees an
// event another transaction committed while acceptSQL waited on it.
const firstRunsSQL = `
	SELECT k.ord, (
		SELECT r.id FROM events e JOIN runs r ON r.event_id = e.id
		WHERE e.workflow_id = k.workflow_id AND e.idempotency_key = k.idempotency_key
		ORDER BY r.id LIMIT 1)
	FROM unnest($1::int[], $2::text[], $3::text[]) AS k(ord, workflow_id, idempotency_key)`

// EventAccept writes the events and their queued runs in one transaction
// (the group commit of concurrent webhook accepts): one statement for the
// batch and, where events carry idempotency keys, one for the first runs
// of duplicates, sent together (one round trip), and returns once the
// commit is durable. A duplicate idempotency key, in the database or
// earlier in the batch, writes nothing and answers with the first run of
// the event that holds the key (an empty RunID if that event has no run
// left). The run of an accepted event is due at its ReceivedAt, or, with
// an Owner, already claimed by it until LeaseUntil. The
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
		owners, statuses, metas          = make([]string, n), make([]string, n), make([]string, n)
		bodies                           = make([][]byte, n)
		received, leases                 = make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
		revisions, nextSteps             = make([]int32, n), make([]int32, n)
		skewed                           = make([]bool, n)
		stepRuns                         = []string{}
		steps                            []store.StepResult
	)
	fallback := time.Now()
	for i, p := range events {
		e := p.Event
		if err := store.CheckAccept(p); err != nil {
			return nil, fmt.Errorf("accept events: event %d: %w", i, err)
		}
		h, err := store.EncodeHeaders(e.Headers)
		if err != nil {
			return nil, fmt.Errorf("accept events: event %d: %w", i, err)
		}
		m, err := store.EncodeMeta(e.Meta)
		if err != nil {
			return nil, fmt.Errorf("accept events: event %d: %w", i, err)
		}
		at := e.ReceivedAt
		if at.IsZero() {
			at = fallback
		}
		metas[i] = text(m)
		ids[i], workflows[i], sources[i], methods[i] = text(e.ID), text(e.WorkflowID), text(e.Source), text(e.Method)
		headers[i], queries[i], keys[i], runIDs[i] = text(h), text(e.Query), text(e.IdempotencyKey), text(p.RunID)
		bodies[i], received[i], revisions[i] = store.NonNil(e.Body), ts(at), int32(p.Revision)
		owners[i], leases[i] = text(p.Owner), ts(p.LeaseUntil)
		statuses[i], nextSteps[i] = p.Status, int32(p.NextStep)
		skewed[i] = store.IDTimeSkewed(p.RunID, at)
		for _, r := range p.Results {
			stepRuns, steps = append(stepRuns, runIDs[i]), append(steps, r)
		}
	}

	// The keyed events, for the first-run lookup of those that turn out to
	// be duplicates.
	var (
		keyedOrd       []int32
		keyedWorkflows []string
		keyedKeys      []string
	)
	for i := range events {
		if keys[i] != "" {
			keyedOrd = append(keyedOrd, int32(i))
			keyedWorkflows, keyedKeys = append(keyedWorkflows, workflows[i]), append(keyedKeys, keys[i])
		}
	}

	// One round trip: the batch's statements run in one implicit
	// transaction, committed (durably) before the last result arrives.
	b := &pgx.Batch{}
	args := []any{ids, workflows, sources, methods, headers, queries, bodies, received, keys, runIDs, revisions,
		owners, leases, statuses, nextSteps, stepRuns}
	args = append(args, newStepArrays(steps).args()...)
	b.Queue(acceptSQL, append(args, metas, skewed)...)
	if len(keyedOrd) > 0 {
		b.Queue(firstRunsSQL, keyedOrd, keyedWorkflows, keyedKeys)
	}
	inserted := make([]bool, n)
	firstRun := make([]string, n)
	br := s.pool.SendBatch(ctx, b)
	rows, err := br.Query()
	if err == nil {
		for rows.Next() {
			var ord int64
			var ok bool
			if err = rows.Scan(&ord, &ok); err != nil {
				break
			}
			inserted[ord-1] = ok
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	if err == nil && len(keyedOrd) > 0 {
		if rows, err = br.Query(); err == nil {
			for rows.Next() {
				var (
					i     int32
					runID pgtype.Text
				)
				if err = rows.Scan(&i, &runID); err != nil {
					break
				}
				firstRun[i] = runID.String
			}
			rows.Close()
			if err == nil {
				err = rows.Err()
			}
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("accept events: %w", conflict(err))
	}

	results := make([]store.AcceptResult, n)
	for i := range events {
		if inserted[i] {
			results[i] = store.AcceptResult{RunID: events[i].RunID}
		} else {
			results[i] = store.AcceptResult{RunID: firstRun[i], Duplicate: true}
		}
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
		ORDER BY received_at DESC, id DESC LIMIT $2`, text(workflowID), store.ClampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list events of %s: %w", workflowID, err)
	}
	events, err := collect(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("list events of %s: %w", workflowID, err)
	}
	return events, nil
}
