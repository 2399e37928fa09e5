package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"flag"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/store"
)

// Sizes of the history the growth benchmarks fill, from the command line:
//
//	go test -run '^$' -bench RunsWindow ./store/sqlite -args -runs=1000000
//
// The defaults are small so the benchmarks stay quick in CI.
var (
	fillRunsFlag      = flag.Int("runs", 5000, "runs the growth benchmarks fill the database with")
	fillWorkflowsFlag = flag.Int("workflows", 50, "workflows those runs are spread over")
	fillBodyFlag      = flag.Int("body", 1024, "bytes of each filled event's body")
	fillDBFlag        = flag.String("filldb", "", "database file the growth benchmarks fill once and reuse (default: a new one in a temporary folder)")
)

// fillParams says what fillRuns writes.
type fillParams struct {
	Runs      int
	Workflows int           // runs go to workflows w0000.. in turn
	FailEvery int           // every FailEvery-th run failed (0: none)
	Start     time.Time     // the first run's creation time
	Every     time.Duration // between two runs' creation times
	Body      int           // bytes of each event's body
	Steps     bool          // one step_results row per run, as a webhook step leaves
}

// fillFromFlags is fillParams from the command line's sizes: one run a
// second, ending now, one in ten failed.
func fillFromFlags() fillParams {
	n := *fillRunsFlag
	return fillParams{Runs: n, Workflows: *fillWorkflowsFlag, FailEvery: 10,
		Start: time.Now().Add(-time.Duration(n) * time.Second), Every: time.Second, Body: *fillBodyFlag}
}

// filledStore opens the database the growth benchmarks read: the -filldb
// file where given, filled once by the first run that finds it empty, or a
// new file in a temporary folder. It returns the fill's parameters as the
// file holds them: a reused file's runs end when it was filled.
func filledStore(b *testing.B) (*Store, fillParams) {
	b.Helper()
	path := *fillDBFlag
	if path == "" {
		path = filepath.Join(b.TempDir(), "filled.db")
	}
	start := time.Now()
	s := open(b, path, WithSynchronous(SynchronousNormal))
	b.Logf("opened %s in %s", path, time.Since(start).Round(time.Millisecond))
	p := fillFromFlags()
	var n int
	var first sql.NullInt64
	if err := s.reader.QueryRow(`SELECT count(*), min(created_at) FROM runs`).Scan(&n, &first); err != nil {
		b.Fatalf("count runs: %v", err)
	}
	switch {
	case n == 0:
		start = time.Now()
		fillRuns(b, s, p)
		b.Logf("filled %d runs over %d workflows in %s", p.Runs, p.Workflows, time.Since(start).Round(time.Second))
	case n != p.Runs:
		b.Fatalf("%s holds %d runs, not the %d asked for: remove it or ask for %d", path, n, p.Runs, n)
	default:
		p.Start = fromNanos(first.Int64)
	}
	return s, p
}

// at is the creation time of run i.
func (p fillParams) at(i int) time.Time { return p.Start.Add(time.Duration(i) * p.Every) }

// workflowID is the id of filled workflow i.
func fillWorkflowID(i int) string { return fmt.Sprintf("w%04d", i) }

// uuidAt is a UUIDv7 made at t, as the engine makes run and event ids.
func uuidAt(t time.Time) string {
	var u uuid.UUID
	if _, err := rand.Read(u[6:]); err != nil {
		panic(err)
	}
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(t.UnixMilli()))
	copy(u[:6], ms[2:])
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}

// fillRuns writes p.Workflows workflows and p.Runs finished runs with their
// events straight into s, in transactions of 10,000 runs: a history of
// a million runs in minutes rather than through a million accepts. Run i
// is created at p.at(i) and finishes a millisecond later; its ids are
// UUIDv7 made at that time. It returns the run ids in creation order.
func fillRuns(tb testing.TB, s *Store, p fillParams) []string {
	tb.Helper()
	ctx := context.Background()
	for w := range p.Workflows {
		id := fillWorkflowID(w)
		if _, err := s.WorkflowSave(ctx, store.WorkflowSaveParams{ID: id, Name: "Workflow " + id, Enabled: true,
			Definition: []byte(`{"format":"hookflow/v1","id":"` + id + `","steps":[]}`), HookKey: "key-" + id, Now: p.Start}); err != nil {
			tb.Fatalf("fill: save workflow %s: %v", id, err)
		}
	}
	body := make([]byte, p.Body)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	ids := make([]string, p.Runs)
	const batch = 10000
	for from := 0; from < p.Runs; from += batch {
		err := s.writeQueue(ctx, func(tx *sql.Tx) error {
			ev, err := tx.PrepareContext(ctx, `INSERT INTO events (id, workflow_id, source, method, headers, query, body, received_at, idempotency_key, meta)
				VALUES (?, ?, 'webhook', 'POST', '{"content-type":"application/json"}', '', ?, ?, '', '')`)
			if err != nil {
				return err
			}
			defer ev.Close()
			run, err := tx.PrepareContext(ctx, `INSERT INTO runs (id, workflow_id, revision, event_id, status, next_step, run_at,
					replay_of, created_at, updated_at, attempt, finished_at, error)
				VALUES (?, ?, 1, ?, ?, 1, ?, '', ?, ?, 1, ?, ?)`)
			if err != nil {
				return err
			}
			defer run.Close()
			step, err := tx.PrepareContext(ctx, `INSERT INTO step_results (run_id, step_id, step_index, attempt, status,
					input, output, error, status_code, started_at, duration_ns)
				VALUES (?, 'notify', 0, 1, ?, x'00', CAST('{"status":200}' AS BLOB), '', 200, ?, 1000000)`)
			if err != nil {
				return err
			}
			defer step.Close()
			for i := from; i < min(from+batch, p.Runs); i++ {
				t := p.at(i)
				created, finished := nanos(t), nanos(t.Add(time.Millisecond))
				evID, runID, wf := uuidAt(t), uuidAt(t), fillWorkflowID(i%p.Workflows)
				status, msg := store.StatusSucceeded, ""
				if p.FailEvery > 0 && i%p.FailEvery == 0 {
					status, msg = store.StatusFailed, "notify: 503 Service Unavailable"
				}
				if _, err := ev.ExecContext(ctx, evID, wf, body, created); err != nil {
					return fmt.Errorf("event %d: %w", i, err)
				}
				if _, err := run.ExecContext(ctx, runID, wf, evID, status, created, created, finished, finished, msg); err != nil {
					return fmt.Errorf("run %d: %w", i, err)
				}
				if p.Steps {
					if _, err := step.ExecContext(ctx, runID, status, created); err != nil {
						return fmt.Errorf("step %d: %w", i, err)
					}
				}
				ids[i] = runID
			}
			return nil
		})
		if err != nil {
			tb.Fatalf("fill: %v", err)
		}
	}
	return ids
}
