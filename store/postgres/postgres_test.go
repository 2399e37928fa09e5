package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hookflow/hookflow/internal/pgtest"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/storetest"
)

// envURL names the variable holding the test database's URL, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Every store a
// test opens lives in a schema of its own in that database, dropped when
// the test ends, so tests run in parallel and leave nothing behind.
const envURL = "HOOKFLOW_TEST_POSTGRES"

// testURL returns the test database's URL, or skips the test, loudly.
func testURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(envURL)
	if u == "" {
		t.Skip("PostgreSQL tests skipped: set " + envURL + " to a database URL, " +
			"e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	return u
}

// newSchema creates an empty schema, dropped when the test ends, and
// returns a URL whose connections use it (search_path) with a small pool.
func newSchema(t testing.TB) string {
	t.Helper()
	return pgtest.SchemaIn(t, testURL(t))
}

// open opens a store on dbURL, closed when the test ends.
func open(t testing.TB, dbURL string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dbURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestStore runs the conformance suite, each test on a fresh schema.
func TestStore(t *testing.T) {
	t.Parallel()
	testURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, newSchema(t))
	})
}

// TestMigrateTogether: replicas starting together on an empty schema
// migrate it once between them (the advisory lock), and none fails.
func TestMigrateTogether(t *testing.T) {
	t.Parallel()
	dbURL := newSchema(t)
	const replicas = 4
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	stores := make([]*Store, replicas)
	for i := range replicas {
		wg.Go(func() {
			stores[i], errs[i] = Open(context.Background(), dbURL)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: Open: %v", i, err)
		}
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	var applied int
	if err := stores[0].pool.QueryRow(context.Background(),
		`SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatalf("goose_db_version: %v", err)
	}
	files, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(files) {
		t.Errorf("%d migrations recorded, want %d (each applied once)", applied, len(files))
	}

	versions, err := Migrate(context.Background(), dbURL)
	if err != nil || len(versions) != 0 {
		t.Errorf("Migrate on a current schema = %v, %v; want nothing applied", versions, err)
	}
}

// TestMigrateWaitsForLock: a migration waits while another session holds
// the migration lock, and proceeds once it is released.
func TestMigrateWaitsForLock(t *testing.T) {
	t.Parallel()
	dbURL := newSchema(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	holder, err := pool.Acquire(ctx) // one session: the lock's holder
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Release()
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock(`+migrationLockKey+`)`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Migrate(ctx, dbURL)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Migrate returned (%v) while another session held the lock", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_unlock(`+migrationLockKey+`)`); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Migrate after the lock was released: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Migrate still waiting 10s after the lock was released")
	}

	// A wait past its context gives up. (The lock is taken only where a
	// migration is pending: Open on a current schema does not wait.)
	other := newSchema(t)
	if _, err := holder.Exec(ctx, `SET search_path TO `+schemaOf(t, other)); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock(`+migrationLockKey+`)`); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if s, err := Open(cctx, other); err == nil {
		s.Close()
		t.Errorf("Open while the lock is held past its context: no error")
	}
	if s, err := Open(ctx, dbURL); err != nil {
		t.Errorf("Open on a current schema while another schema's lock is held: %v", err)
	} else {
		s.Close()
	}
}

// schemaOf returns the search_path of a URL made by newSchema.
func schemaOf(t testing.TB, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("search_path")
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := Open(ctx, "postgres://u:secret@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"); err == nil {
		t.Errorf("Open(closed port): no error")
	} else if strings.Contains(err.Error(), "secret") {
		t.Errorf("Open error shows the password: %v", err)
	}
	if _, err := Open(ctx, "postgres://%zz"); err == nil {
		t.Errorf("Open(bad URL): no error")
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://u:pw@h:5432/db?sslmode=disable": "postgres://u:xxxxx@h:5432/db?sslmode=disable",
		"postgres://u@h/db":                         "postgres://u@h/db",
		"postgresql://h/db?password=pw&user=u":      "postgresql://h/db?password=xxxxx&user=u",
		"postgres://%zz":                            "(unparsable database URL)",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestHostileText: strings a text column cannot hold (NUL, invalid UTF-8),
// which a payload can put into an idempotency key or an error message, are
// stored with U+FFFD rather than failing the batch or the update, and
// still deduplicate.
func TestHostileText(t *testing.T) {
	t.Parallel()
	s := open(t, newSchema(t))
	ctx := context.Background()
	now := time.Now().UTC()
	if _, err := s.WorkflowSave(ctx, store.WorkflowSaveParams{ID: "w", Definition: []byte(`{}`), HookKey: "k", Now: now}); err != nil {
		t.Fatal(err)
	}
	ev := func(key string) store.EventAcceptParams {
		return store.EventAcceptParams{
			Event: store.Event{ID: uuid.NewString(), WorkflowID: "w", Source: "webhook", Method: "POST",
				Headers: map[string]string{"x-bad": "a\x00b\xff"}, Body: []byte("\x00\xff"), ReceivedAt: now,
				IdempotencyKey: key},
			RunID: uuid.NewString(), Revision: 1,
		}
	}
	batch := []store.EventAcceptParams{ev("nul\x00key"), ev("bad\xffutf8"), ev("fine"), ev("nul\x00key")}
	res, err := s.EventAccept(ctx, batch)
	if err != nil {
		t.Fatalf("EventAccept with hostile keys: %v", err)
	}
	if res[0].Duplicate || res[1].Duplicate || res[2].Duplicate || !res[3].Duplicate || res[3].RunID != batch[0].RunID {
		t.Errorf("EventAccept = %+v; want three new runs and a duplicate of the first", res)
	}
	got, err := s.EventGet(ctx, batch[0].Event.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Body) != "\x00\xff" {
		t.Errorf("body %q, want the bytes as sent", got.Body)
	}
	if got.IdempotencyKey != "nul\uFFFDkey" {
		t.Errorf("idempotency key %q, want NUL replaced", got.IdempotencyKey)
	}

	runs, err := s.RunClaim(ctx, store.RunClaimParams{Owner: "o", Limit: 1, Now: now, LeaseFor: time.Minute})
	if err != nil || len(runs) != 1 {
		t.Fatalf("RunClaim = %v, %v", runs, err)
	}
	r := runs[0]
	err = s.RunUpdate(ctx, store.RunUpdateParams{ID: r.ID, Owner: "o", Attempt: r.Attempt, Status: store.StatusFailed,
		Error: "bad response \x00\xfe", Now: now, Results: []store.StepResult{{StepID: "s\x00", Attempt: 1,
			Status: store.StepFailed, Error: "\xff", Output: []byte("\x00"), StartedAt: now}}})
	if err != nil {
		t.Fatalf("RunUpdate with a hostile error: %v", err)
	}
	if got, err := s.RunGet(ctx, r.ID); err != nil || got.Error != "bad response \uFFFD\uFFFD" {
		t.Errorf("run error %q, %v", got.Error, err)
	}
}

// TestClaimTwoStores: two stores (two replicas' pools) claiming at once
// from one queue get disjoint runs, and together all of them.
func TestClaimTwoStores(t *testing.T) {
	t.Parallel()
	dbURL := newSchema(t)
	storetest.ClaimFromTwoHandles(t, open(t, dbURL), open(t, dbURL), 500, 8, 7)
}

// TestCreateTwoStores: two stores (two replicas' pools) creating one
// workflow id at once: exactly one creates it.
func TestCreateTwoStores(t *testing.T) {
	t.Parallel()
	dbURL := newSchema(t)
	storetest.CreateFromTwoHandles(t, open(t, dbURL), open(t, dbURL), 20)
}

// TestClaimPlan guards the claim query's use of the partial indexes: a
// sequential scan of runs would make every claim cost the whole history.
func TestClaimPlan(t *testing.T) {
	t.Parallel()
	s := open(t, newSchema(t))
	ctx := context.Background()
	// Plans as on a big table: no sequential scan where an index serves.
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, `EXPLAIN `+claimRunsSQL, "o", time.Now(), time.Now(), 10, []string{})
	if err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	for _, index := range []string{"runs_due", "runs_lease", "LockRows"} {
		if !strings.Contains(text, index) {
			t.Errorf("claim plan does not use %s:\n%s", index, text)
		}
	}
}

func TestCloseTwice(t *testing.T) {
	t.Parallel()
	s, err := Open(context.Background(), newSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Ping(context.Background()); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("Ping after Close = %v, want an error", err)
	}
}

// TestAcceptKeysInAnyOrder: two replicas accepting batches that share
// idempotency keys in opposite orders never deadlock (which would fail
// whole batches), and each key starts one run.
func TestAcceptKeysInAnyOrder(t *testing.T) {
	t.Parallel()
	dbURL := newSchema(t)
	stores := []*Store{open(t, dbURL), open(t, dbURL)}
	ctx := context.Background()
	if _, err := stores[0].WorkflowSave(ctx, store.WorkflowSaveParams{ID: "w", Definition: []byte(`{}`), HookKey: "k"}); err != nil {
		t.Fatal(err)
	}
	const rounds, keys = 30, 20
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		won = map[string]int{}
	)
	for g, s := range stores {
		wg.Go(func() {
			for round := range rounds {
				ps := make([]store.EventAcceptParams, keys)
				for k := range keys {
					ps[k] = store.EventAcceptParams{
						Event: store.Event{ID: uuid.NewString(), WorkflowID: "w", ReceivedAt: time.Now(),
							IdempotencyKey: fmt.Sprintf("r%d-k%d", round, k)},
						RunID: uuid.NewString(), Revision: 1,
					}
				}
				if g == 1 {
					slices.Reverse(ps) // the other order
				}
				res, err := s.EventAccept(ctx, ps)
				if err != nil {
					t.Errorf("EventAccept: %v", err)
					return
				}
				mu.Lock()
				for i, r := range res {
					if !r.Duplicate {
						won[ps[i].Event.IdempotencyKey]++
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(won) != rounds*keys {
		t.Errorf("%d keys started a run, want %d", len(won), rounds*keys)
	}
	for k, n := range won {
		if n != 1 {
			t.Errorf("key %s started %d runs", k, n)
		}
	}
}
