package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Durability without stalling the writer.
//
// SQLite does not fsync the writer connection's commits: it writes a
// transaction's frames to the WAL, and the sync it asks for at the end of
// a commit only writes them out (walvfs.go). Where a commit must be
// durable (an accept above all, under SynchronousFull), the store fsyncs
// the WAL file itself after the commit: what SQLite's own sync would do,
// but outside the writer, so the next transaction is written while the
// last one is being synced, and one fsync covers every commit made before
// it started (group commit). Checkpoints, which copy the WAL back into the
// database file, run on a connection of their own in the background rather
// than in whichever commit crosses the threshold; each one syncs the WAL
// before it copies, so a checkpointed commit is durable in the database
// file even if the WAL is then restarted.

// walSync fsyncs the WAL file and tracks which commits are durable.
type walSync struct {
	path      string // the -wal file
	db        string // the database file
	committed atomic.Uint64
	synced    atomic.Uint64
	syncs     atomic.Uint64 // fsyncs made
	mu        sync.Mutex    // one fsync at a time
}

// commit records one more commit and returns its sequence number.
func (w *walSync) commit() uint64 { return w.committed.Add(1) }

// wait returns once commit seq is durable: at once if a sync that began
// after it has ended, else after an fsync of the WAL file (which also
// covers every commit made before it starts).
func (w *walSync) wait(seq uint64) error {
	if w.synced.Load() >= seq {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.synced.Load() >= seq {
		return nil
	}
	upTo := w.committed.Load()
	// Opened each time: the WAL file is the one SQLite has now, even if it
	// was removed and created again since (when every connection closed).
	f, err := os.OpenFile(w.path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		// No WAL: everything is in the database file (checkpointed and
		// truncated). Sync that instead.
		f, err = os.OpenFile(w.db, os.O_RDWR, 0)
	}
	if err != nil {
		return fmt.Errorf("sync wal: %w", err)
	}
	err = syncData(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync wal: %w", err)
	}
	w.synced.Store(upTo)
	w.syncs.Add(1)
	return nil
}

// checkpointEvery is how often the background checkpointer copies the WAL
// into the database file.
const checkpointEvery = 100 * time.Millisecond

// checkpointer runs PASSIVE checkpoints on conn until stop closes: they
// never wait on the writer or on readers, and copy as much as they can.
func checkpointer(db *sql.DB, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		var busy, logFrames, checkpointed int
		err := db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &checkpointed)
		if err != nil {
			// Busy while another checkpoint runs: the next tick catches up.
			slog.Debug("sqlite checkpoint", "err", err)
		}
	}
}
