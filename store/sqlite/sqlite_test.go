package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/storetest"
)

// TestStore runs the conformance suite on a fresh database file per test.
func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "hookflow.db"))
	})
}

func open(t testing.TB, path string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func pragma(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var v string
	if err := db.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestPragmas(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		opts        []Option
		synchronous string
	}{
		// The writer is at FULL either way, but its commits never fsync:
		// walVFS keeps their syncs (TestWALVFS), and under FULL the store
		// syncs the WAL itself (TestDurableWrites).
		{"default", nil, "2"},
		{"normal", []Option{WithSynchronous(SynchronousNormal)}, "2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := open(t, filepath.Join(t.TempDir(), "hookflow.db"), c.opts...)
			for _, want := range []struct{ pragma, value string }{
				{"journal_mode", "wal"},
				{"auto_vacuum", "2"}, // INCREMENTAL
				{"foreign_keys", "1"},
				{"busy_timeout", "10000"},
				{"synchronous", c.synchronous},
				{"checkpoint_fullfsync", "1"},
				{"cache_spill", "0"},
				{"fullfsync", "0"},
				{"wal_autocheckpoint", "4096"},
			} {
				if got := pragma(t, s.writer, want.pragma); got != want.value {
					t.Errorf("writer: PRAGMA %s = %s, want %s", want.pragma, got, want.value)
				}
			}
			for _, want := range []struct{ pragma, value string }{
				{"journal_mode", "wal"},
				{"foreign_keys", "1"},
				{"query_only", "1"},
			} {
				if got := pragma(t, s.reader, want.pragma); got != want.value {
					t.Errorf("reader: PRAGMA %s = %s, want %s", want.pragma, got, want.value)
				}
			}
		})
	}
}

func TestOpenRefusesNonFiles(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", ":memory:", "file:x.db?mode=memory", "a?b.db"} {
		if s, err := Open(context.Background(), path); err == nil {
			s.Close()
			t.Errorf("Open(%q): no error", path)
		}
	}
	if _, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), WithSynchronous("OFF")); err == nil {
		t.Errorf("Open with synchronous OFF: no error")
	}
}

func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	now := time.Now()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := s.WorkflowSave(ctx, store.WorkflowSaveParams{ID: "w", Name: "w", Definition: []byte(`{}`), HookKey: "k", Now: now}); err != nil {
		t.Fatalf("WorkflowSave: %v", err)
	}
	p := store.EventAcceptParams{
		Event: store.Event{ID: uuid.NewString(), WorkflowID: "w", Source: "webhook", Body: []byte("x"), ReceivedAt: now},
		RunID: uuid.NewString(), Revision: 1,
	}
	if _, err := s.EventAccept(ctx, []store.EventAcceptParams{p}); err != nil {
		t.Fatalf("EventAccept: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	// Close checkpointed and truncated the WAL.
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		t.Errorf("WAL holds %d bytes after Close, want a checkpoint", fi.Size())
	}

	for range 2 {
		s := open(t, path)
		if w, err := s.WorkflowGet(ctx, "w"); err != nil || w.HookKey != "k" {
			t.Errorf("after reopen: WorkflowGet = %+v, %v", w, err)
		}
		if r, err := s.RunGet(ctx, p.RunID); err != nil || r.Status != store.StatusQueued {
			t.Errorf("after reopen: RunGet = %+v, %v", r, err)
		}
		var versions int
		if err := s.reader.QueryRow(`SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&versions); err != nil {
			t.Fatalf("goose_db_version: %v", err)
		}
		files, err := fs.Glob(migrations, "migration/*.sql")
		if err != nil {
			t.Fatal(err)
		}
		if versions != len(files) {
			t.Errorf("%d migrations recorded, want %d (each applied once)", versions, len(files))
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

// TestNanoseconds: SQLite keeps times to the nanosecond (the suite asks
// only for microseconds).
func TestNanoseconds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "hookflow.db"))
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("x", 3600))
	if _, err := s.WorkflowSave(ctx, store.WorkflowSaveParams{ID: "w", Definition: []byte(`{}`), HookKey: "k", Now: at}); err != nil {
		t.Fatalf("WorkflowSave: %v", err)
	}
	p := store.EventAcceptParams{
		Event: store.Event{ID: uuid.NewString(), WorkflowID: "w", ReceivedAt: at},
		RunID: uuid.NewString(), Revision: 1,
	}
	if _, err := s.EventAccept(ctx, []store.EventAcceptParams{p}); err != nil {
		t.Fatalf("EventAccept: %v", err)
	}
	runs, err := s.RunClaim(ctx, store.RunClaimParams{Owner: "a", Limit: 1, Now: at, LeaseFor: time.Nanosecond})
	if err != nil || len(runs) != 1 {
		t.Fatalf("RunClaim = %v, %v", runs, err)
	}
	r := runs[0]
	if !r.RunAt.Equal(at) || !r.LeaseUntil.Equal(at.Add(time.Nanosecond)) || r.RunAt.Location() != time.UTC {
		t.Errorf("run_at %v, lease_until %v; want %v and 1ns later, in UTC", r.RunAt, r.LeaseUntil, at)
	}
	w, err := s.WorkflowGet(ctx, "w")
	if err != nil || !w.CreatedAt.Equal(at) || w.CreatedAt.Location() != time.UTC {
		t.Errorf("workflow created_at %v, %v; want %v in UTC", w.CreatedAt, err, at)
	}
}

// TestClaimPlan guards the claim query's use of the partial indexes: a full
// scan of runs would make every claim cost the size of the history.
func TestClaimPlan(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "hookflow.db"))
	if _, err := s.writer.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	text := queryPlan(t, s, claimRunsSQL, "a", 1, 1, 1, "[]", 10, 1, "[]", 10, 10)
	for _, index := range []string{"runs_due", "runs_lease"} {
		if !strings.Contains(text, index) {
			t.Errorf("claim plan does not use %s:\n%s", index, text)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "SCAN runs") && !strings.Contains(line, "INDEX") {
			t.Errorf("claim plan scans runs: %q\n%s", line, text)
		}
	}
}

func TestReaderIsReadOnly(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "hookflow.db"))
	if _, err := s.reader.Exec(`INSERT INTO settings (name, value) VALUES ('a', 'b')`); err == nil {
		t.Errorf("write through the reader pool: no error")
	}
}

// TestWriteTransactionsAreImmediate: a write transaction takes the write
// lock at BEGIN, so another process's writer waits (then fails after its
// busy timeout) instead of both reading and one failing to upgrade.
func TestWriteTransactionsAreImmediate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	a := open(t, path)
	b := open(t, path, WithBusyTimeout(50*time.Millisecond))
	tx, err := a.writer.BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("BeginTx: %v", err)
	}
	if err := b.SettingPut(ctx, "x", "y"); err == nil {
		t.Errorf("SettingPut while another writer's transaction is open: no error, want busy")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	if err := b.SettingPut(ctx, "x", "y"); err != nil {
		t.Errorf("SettingPut after the other writer finished: %v", err)
	}
}

// TestTwoProcessesClaim: two stores on one file (two hookflow processes)
// claim concurrently; each run goes to exactly one worker and no claim
// fails with SQLITE_BUSY.
func TestTwoProcessesClaim(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	storetest.ClaimFromTwoHandles(t, open(t, path), open(t, path), 300, 6, 5)
}

// TestTwoProcessesCreate: two stores on one file (two hookflow processes)
// creating one workflow id at once: exactly one creates it.
func TestTwoProcessesCreate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	storetest.CreateFromTwoHandles(t, open(t, path), open(t, path), 20)
}
