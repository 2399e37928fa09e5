package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestWriteQueueSync: queue writes (claims, run progress) commit without
// fsync, and the connection is back to FULL for the writes that need it.
func TestWriteQueueSync(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "sync.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	level := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) int {
		var n int
		if err := q.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	inside := -1
	if err := s.writeQueue(ctx, func(tx *sql.Tx) error { inside = level(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	if inside != 1 {
		t.Errorf("synchronous inside a queue write = %d, want 1 (NORMAL)", inside)
	}
	if got := level(s.writer); got != 2 {
		t.Errorf("synchronous after a queue write = %d, want 2 (FULL)", got)
	}
	if err := s.write(ctx, func(tx *sql.Tx) error { inside = level(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	if inside != 2 {
		t.Errorf("synchronous inside a durable write = %d, want 2 (FULL)", inside)
	}
}
