package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// TestDurableWrites: a durable write returns with its commit synced; a
// queue write (claims, run progress) commits without a sync; one sync
// covers every commit made before it; under SynchronousNormal nothing is
// synced by hand.
func TestDurableWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	noop := func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO settings (name, value) VALUES ('k', 'v') ON CONFLICT DO UPDATE SET value = value || 'v'")
		return err
	}

	s, err := Open(ctx, filepath.Join(t.TempDir(), "full.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	syncs := s.wal.syncs.Load()
	if err := s.write(ctx, noop); err != nil {
		t.Fatal(err)
	}
	if got, want := s.wal.synced.Load(), s.wal.committed.Load(); got != want || s.wal.syncs.Load() != syncs+1 {
		t.Errorf("after a durable write: synced up to %d of %d commits with %d syncs; want all, with one sync",
			got, want, s.wal.syncs.Load()-syncs)
	}
	if err := s.writeQueue(ctx, noop); err != nil {
		t.Fatal(err)
	}
	if got, want := s.wal.synced.Load(), s.wal.committed.Load(); got != want-1 || s.wal.syncs.Load() != syncs+1 {
		t.Errorf("after a queue write: synced up to %d of %d commits with %d syncs; want the queue write unsynced",
			got, want, s.wal.syncs.Load()-syncs)
	}
	// Five commits, then one wait: one sync covers them all.
	var last uint64
	for range 5 {
		if last, err = s.commit(ctx, noop); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.durable(last - 2); err != nil {
		t.Fatal(err)
	}
	if err := s.durable(last); err != nil {
		t.Fatal(err)
	}
	if n := s.wal.syncs.Load() - syncs; n != 2 || s.wal.synced.Load() != last {
		t.Errorf("waits on 5 commits made %d syncs in all (synced up to %d of %d); want 1 more", n-1, s.wal.synced.Load(), last)
	}

	n, err := Open(ctx, filepath.Join(t.TempDir(), "normal.db"), WithSynchronous(SynchronousNormal))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.write(ctx, noop); err != nil {
		t.Fatal(err)
	}
	if got := n.wal.syncs.Load(); got != 0 {
		t.Errorf("SynchronousNormal: %d syncs by hand, want none (checkpoints sync)", got)
	}
}

// TestSyncWithoutWAL: with no WAL file (every connection closed, the WAL
// checkpointed and removed), a durable write's sync falls back to the
// database file instead of failing; a missing database is an error.
func TestSyncWithoutWAL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	if err := os.WriteFile(db, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := walSync{path: db + "-wal", db: db}
	if err := w.wait(w.commit()); err != nil || w.syncs.Load() != 1 {
		t.Errorf("sync without a WAL: %v, %d syncs; want the database file synced", err, w.syncs.Load())
	}
	gone := walSync{path: filepath.Join(dir, "none-wal"), db: filepath.Join(dir, "none")}
	if err := gone.wait(gone.commit()); err == nil {
		t.Error("sync with neither file: no error")
	}
}
