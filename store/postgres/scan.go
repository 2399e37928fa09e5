package postgres

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookflow/hookflow/store"
)

// ts converts a time to a timestamptz parameter: NULL for the zero time.
func ts(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}

// fromTS is the inverse of ts, in UTC.
func fromTS(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// text makes s storable in a text column, which holds neither NUL nor
// invalid UTF-8: the offending bytes become U+FFFD. Valid strings (all but
// hostile ones) are returned as they are.
func text(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// isUnique reports whether err is a unique (or primary key) violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// conflict wraps a unique violation in store.ErrConflict, keeping other
// errors.
func conflict(err error) error {
	if isUnique(err) {
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	}
	return err
}

// notFound maps pgx.ErrNoRows to store.ErrNotFound, keeping other errors.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

const workflowColumns = `id, revision, enabled, hook_key, name, definition, created_at, updated_at`

// workflowHeadColumns are workflowColumns with no definition read.
const workflowHeadColumns = `id, revision, enabled, hook_key, name, ''::bytea AS definition, created_at, updated_at`

func scanWorkflow(row pgx.Row) (store.Workflow, error) {
	var (
		w                store.Workflow
		created, updated pgtype.Timestamptz
	)
	if err := row.Scan(&w.ID, &w.Revision, &w.Enabled, &w.HookKey, &w.Name, &w.Definition, &created, &updated); err != nil {
		return store.Workflow{}, err
	}
	w.Definition = store.NonNil(w.Definition)
	w.CreatedAt, w.UpdatedAt = fromTS(created), fromTS(updated)
	return w, nil
}

const revisionColumns = `workflow_id, revision, definition, created_at`

func scanRevision(row pgx.Row) (store.Revision, error) {
	var (
		r       store.Revision
		created pgtype.Timestamptz
	)
	if err := row.Scan(&r.WorkflowID, &r.Revision, &r.Definition, &created); err != nil {
		return store.Revision{}, err
	}
	r.Definition = store.NonNil(r.Definition)
	r.CreatedAt = fromTS(created)
	return r, nil
}

const eventColumns = `id, workflow_id, source, method, headers, query, body, received_at, idempotency_key, meta`

func scanEvent(row pgx.Row) (store.Event, error) {
	var (
		e        store.Event
		headers  string
		meta     string
		received pgtype.Timestamptz
	)
	if err := row.Scan(&e.ID, &e.WorkflowID, &e.Source, &e.Method, &headers, &e.Query, &e.Body, &received, &e.IdempotencyKey, &meta); err != nil {
		return store.Event{}, err
	}
	h, err := store.DecodeHeaders(headers)
	if err != nil {
		return store.Event{}, err
	}
	if e.Meta, err = store.DecodeMeta(meta); err != nil {
		return store.Event{}, err
	}
	e.Headers, e.ReceivedAt = h, fromTS(received)
	return e, nil
}

const runColumns = `id, workflow_id, revision, event_id, status, next_step, attempt, step_attempt,
	unrecorded_claims, run_at, lease_owner, lease_until, error, replay_of, created_at, updated_at, finished_at`

// runColumnsOf is runColumns qualified by a table alias.
func runColumnsOf(alias string) string {
	cols := strings.Split(runColumns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

func scanRun(row pgx.Row) (store.Run, error) {
	var (
		r                                             store.Run
		runAt, leaseUntil, created, updated, finished pgtype.Timestamptz
	)
	if err := row.Scan(&r.ID, &r.WorkflowID, &r.Revision, &r.EventID, &r.Status, &r.NextStep, &r.Attempt, &r.StepAttempt,
		&r.UnrecordedClaims, &runAt, &r.LeaseOwner, &leaseUntil, &r.Error, &r.ReplayOf, &created, &updated, &finished); err != nil {
		return store.Run{}, err
	}
	r.RunAt, r.LeaseUntil = fromTS(runAt), fromTS(leaseUntil)
	r.CreatedAt, r.UpdatedAt, r.FinishedAt = fromTS(created), fromTS(updated), fromTS(finished)
	return r, nil
}

// collect scans every row with scan, closing rows.
func collect[T any](rows pgx.Rows, scan func(pgx.Row) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// stepArrays is a batch of step attempts as column arrays, for an INSERT
// from unnest (one statement whatever the number of attempts).
type stepArrays struct {
	stepID     []string
	stepIndex  []int32
	attempt    []int32
	status     []string
	input      [][]byte
	output     [][]byte
	errMsg     []string
	statusCode []int32
	startedAt  []pgtype.Timestamptz
	duration   []int64
}

func newStepArrays(results []store.StepResult) stepArrays {
	n := len(results)
	a := stepArrays{
		stepID: make([]string, n), stepIndex: make([]int32, n), attempt: make([]int32, n),
		status: make([]string, n), input: make([][]byte, n), output: make([][]byte, n),
		errMsg: make([]string, n), statusCode: make([]int32, n), startedAt: make([]pgtype.Timestamptz, n),
		duration: make([]int64, n),
	}
	for i, r := range results {
		a.stepID[i], a.stepIndex[i], a.attempt[i] = text(r.StepID), int32(r.StepIndex), int32(r.Attempt)
		a.status[i], a.input[i], a.output[i] = r.Status, store.EncodeInput(r), store.NonNil(r.Output)
		a.errMsg[i], a.statusCode[i] = text(r.Error), int32(r.StatusCode)
		a.startedAt[i], a.duration[i] = ts(r.StartedAt), int64(r.Duration)
	}
	return a
}

// args returns the arrays in the order of insertStepsFrom's parameters.
func (a stepArrays) args() []any {
	return []any{a.stepID, a.stepIndex, a.attempt, a.status, a.input, a.output, a.errMsg, a.statusCode, a.startedAt, a.duration}
}

// insertStepsFrom is the INSERT of a stepArrays for one run. The arrays are
// parameters $n..$n+9 (see args); runID is an SQL expression naming the run
// and join adds to the FROM list (", u" to insert only where CTE u has a
// row). Rows are inserted in array order, so seq keeps the order of the
// attempts.
func insertStepsFrom(n int, runID, join string) string {
	p := func(i int) string { return fmt.Sprintf("$%d", n+i) }
	return `INSERT INTO step_results (run_id, step_id, step_index, attempt, status, input, output, error,
			status_code, started_at, duration_ns)
		SELECT ` + runID + `, s.step_id, s.step_index, s.attempt, s.status, s.input, s.output, s.error,
			s.status_code, s.started_at, s.duration_ns
		FROM unnest(` + p(0) + `::text[], ` + p(1) + `::int[], ` + p(2) + `::int[], ` + p(3) + `::text[], ` +
		p(4) + `::bytea[], ` + p(5) + `::bytea[], ` + p(6) + `::text[], ` + p(7) + `::int[], ` +
		p(8) + `::timestamptz[], ` + p(9) + `::bigint[])
			WITH ORDINALITY AS s(step_id, step_index, attempt, status, input, output, error, status_code, started_at, duration_ns, ord)` + join + `
		ORDER BY s.ord`
}
