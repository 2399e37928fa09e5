package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// TestUpgradeMarksSkewedRuns: migration 24 marks the runs already stored
// whose ids do not tell their creation time exactly as the store marks the
// runs it writes (store.IDTimeSkewed), so a time window finds them.
func TestUpgradeMarksSkewedRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	if err := registerWALVFS(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(path, config{synchronous: SynchronousFull}, roleWriter))
	if err != nil {
		t.Fatal(err)
	}
	p, err := migrator(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 23); err != nil {
		t.Fatalf("migrate to 23: %v", err)
	}
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	tol := store.IDTimeTolerance
	runs := map[string]time.Time{
		uuidAt(at):                              at,
		uuidAt(at.Add(tol - time.Millisecond)):  at,
		uuidAt(at.Add(-tol)):                    at,
		uuidAt(at.Add(tol + time.Millisecond)):  at,
		uuidAt(at.Add(-tol - time.Millisecond)): at,
		uuidAt(at.Add(time.Hour)):               at,
		"r-plain":                               at,
		"0184e4c0-7d2a-4b3c-8d4e-5f6a7b8c9d0e":  at, // a UUIDv4's shape
		"0184E4C0-7D2A-7B3C-8D4E-5F6A7B8C9D0E":  at, // upper case
		"0184e4c0x7d2a-7b3c-8d4e-5f6a7b8c9d0e":  at,
	}
	if _, err := db.Exec(`INSERT INTO events (id, workflow_id, source, method, headers, query, body, received_at, idempotency_key)
		VALUES ('e', 'w', 'webhook', 'POST', '{}', '', x'7b7d', ?, '')`, nanos(at)); err != nil {
		t.Fatal(err)
	}
	for id, created := range runs {
		if _, err := db.Exec(`INSERT INTO runs (id, workflow_id, revision, event_id, status, run_at, created_at, updated_at)
			VALUES (?, 'w', 1, 'e', 'succeeded', ?, ?, ?)`, id, nanos(created), nanos(created), nanos(created)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := open(t, path)
	marked := 0
	for id, created := range runs {
		var skewed bool
		if err := s.reader.QueryRow(`SELECT time_skewed FROM runs WHERE id = ?`, id).Scan(&skewed); err != nil {
			t.Fatalf("run %s: %v", id, err)
		}
		if want := store.IDTimeSkewed(id, created); skewed != want {
			t.Errorf("run %s created at %s: marked skewed %v, want %v", id, created.Format(time.RFC3339Nano), skewed, want)
		}
		if skewed {
			marked++
		}
	}
	if marked != 7 {
		t.Errorf("%d runs marked skewed, want 7", marked)
	}
	runsIn, err := s.RunList(ctx, store.RunListParams{Since: at, Until: at.Add(time.Millisecond), Limit: 100})
	if err != nil {
		t.Fatalf("RunList: %v", err)
	}
	if len(runsIn) != len(runs) {
		t.Errorf("RunList of the window holds %d runs, want %d", len(runsIn), len(runs))
	}
}
