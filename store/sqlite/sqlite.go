// Package sqlite is Hookflow's default store: a store.Store on one SQLite
// file, through modernc.org/sqlite (pure Go, no cgo).
//
// The file is opened twice: a writer pool of exactly one connection, since
// SQLite has one writer at a time and queueing writers in Go is cheaper than
// SQLITE_BUSY retries, and a pool of read-only connections that WAL mode lets
// read while the writer writes. Write transactions begin IMMEDIATE, so a
// transaction that reads before it writes never fails to upgrade its lock.
//
// Durability: SynchronousFull by default, so a durable write (an accepted
// webhook event above all) is fsynced before the call returns; the store
// fsyncs the WAL itself after the commit, outside the writer, and
// checkpoints in the background (see durability.go). WithSynchronous
// trades that for speed where losing the last commits on power loss is
// acceptable. Times are stored as INTEGER unix nanoseconds, UTC.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/hookflow/hookflow/store"
)

//go:embed migration/*.sql
var migrations embed.FS

// Store is a store.Store backed by one SQLite database file.
type Store struct {
	path   string
	writer *sql.DB // one connection: every write goes through it
	reader *sql.DB // read-only connections for queries outside write transactions
	ckpt   *sql.DB // one connection for background checkpoints
	stmt   statements
	wal    walSync

	stopCkpt chan struct{}
	ckptDone chan struct{}
	// synchronous is the configured durability level.
	synchronous Synchronous

	// corrupt is the first damage the store found (see checkCorrupt).
	corrupt atomic.Pointer[CorruptError]

	closeOnce sync.Once
	closeErr  error

	// afterPruneBatch, where set (by tests), is called after each of
	// Prune's batches.
	afterPruneBatch func()
}

var _ store.Store = (*Store)(nil)

// Synchronous is how durable a write is when the call that made it
// returns. The levels keep the names of SQLite's PRAGMA synchronous, but the
// store applies them itself: its writer never fsyncs a commit, and the
// store fsyncs the WAL after the commits that must be durable (see
// durability.go).
type Synchronous string

// Durability levels.
const (
	// SynchronousFull returns from a durable write (an accepted event, a
	// definition, a secret, a setting) once the WAL holding it is fsynced:
	// it survives power loss. Commits waiting together share one fsync.
	// Claims and run progress are never fsynced on their own (see
	// writeQueue). The default.
	SynchronousFull Synchronous = "FULL"
	// SynchronousNormal returns at commit and leaves the fsync to the next
	// checkpoint: the last commits may be lost on power loss (never on a
	// process crash).
	SynchronousNormal Synchronous = "NORMAL"
)

// Option configures Open.
type Option func(*config)

type config struct {
	synchronous Synchronous
	readers     int
	busyTimeout time.Duration
}

// WithSynchronous sets the durability level (default SynchronousFull).
func WithSynchronous(s Synchronous) Option {
	return func(c *config) { c.synchronous = s }
}

// WithReaders sets the number of read connections (default 4).
func WithReaders(n int) Option {
	return func(c *config) { c.readers = n }
}

// WithBusyTimeout sets how long a connection waits for a lock held by
// another process before failing (default 10s).
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) { c.busyTimeout = d }
}

// Open opens (creating if needed) the SQLite database at path and migrates
// it to the latest schema. path is a file name; in-memory databases are not
// supported, since the writer and the readers must share the file.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{synchronous: SynchronousFull, readers: 4, busyTimeout: 10 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if err := checkPath(path); err != nil {
		return nil, err
	}
	switch cfg.synchronous {
	case SynchronousFull, SynchronousNormal:
	default:
		return nil, fmt.Errorf("open sqlite: unknown synchronous mode %q", cfg.synchronous)
	}
	if cfg.readers < 1 {
		cfg.readers = 1
	}
	if err := registerWALVFS(); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}

	writer, err := sql.Open("sqlite", dsn(path, cfg, roleWriter))
	if err != nil {
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)

	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		if ce := asCorrupt(path, err); ce != nil {
			return nil, ce
		}
		return nil, err
	}

	reader, err := sql.Open("sqlite", dsn(path, cfg, roleReader))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite reader: %w", err)
	}
	reader.SetMaxOpenConns(cfg.readers)
	reader.SetMaxIdleConns(cfg.readers)
	reader.SetConnMaxLifetime(0)
	reader.SetConnMaxIdleTime(0)
	if err := reader.PingContext(ctx); err != nil {
		reader.Close()
		writer.Close()
		if ce := asCorrupt(path, err); ce != nil {
			return nil, ce
		}
		return nil, fmt.Errorf("open sqlite reader: %w", err)
	}

	ckpt, err := sql.Open("sqlite", dsn(path, cfg, roleCheckpoint))
	if err != nil {
		reader.Close()
		writer.Close()
		return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
	}
	ckpt.SetMaxOpenConns(1)
	ckpt.SetMaxIdleConns(1)
	ckpt.SetConnMaxLifetime(0)
	ckpt.SetConnMaxIdleTime(0)

	s := &Store{path: path, writer: writer, reader: reader, ckpt: ckpt, synchronous: cfg.synchronous,
		wal: walSync{path: path + "-wal", db: path}, stopCkpt: make(chan struct{}), ckptDone: make(chan struct{})}
	if err := s.stmt.prepare(ctx, writer); err != nil {
		s.stmt.close()
		ckpt.Close()
		reader.Close()
		writer.Close()
		if ce := asCorrupt(path, err); ce != nil {
			return nil, ce
		}
		return nil, err
	}
	go checkpointer(ckpt, s.stopCkpt, s.ckptDone)
	if err := s.durable(s.wal.commit()); err != nil { // the migrations
		s.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	return s, nil
}

func checkPath(path string) error {
	switch {
	case path == "":
		return errors.New("open sqlite: empty path")
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return fmt.Errorf("open sqlite: %q: a file path is required", path)
	case strings.ContainsRune(path, '?'):
		return fmt.Errorf("open sqlite: %q: path must not contain '?'", path)
	}
	return nil
}

// connRole is what a connection is opened for.
type connRole int

const (
	roleWriter     connRole = iota // the one writer
	roleReader                     // the read-only pool
	roleCheckpoint                 // background checkpoints
)

// dsn builds a modernc DSN whose parameters every pooled connection applies
// when it opens. auto_vacuum must be in force before the first table is
// created, so the writer sets it on every connection (a no-op afterwards).
func dsn(path string, cfg config, role connRole) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(cfg.busyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	switch role {
	case roleReader:
		q.Add("_pragma", "query_only(1)")
	case roleCheckpoint:
		q.Add("_pragma", "journal_mode(WAL)")
		// A checkpoint syncs the WAL before it copies, and the database
		// file after.
		q.Add("_pragma", "synchronous(NORMAL)")
	case roleWriter:
		q.Set("_auto_vacuum", "INCREMENTAL")
		q.Add("_pragma", "journal_mode(WAL)")
		// walVFS gathers the WAL writes of each commit (walvfs.go). SQLite
		// does not fsync commits: where they must be durable, the store
		// does (durability.go). FULL only makes SQLite mark, by a sync,
		// where a commit's frames end; checkpoint_fullfsync tells those
		// syncs from a checkpoint's.
		q.Set("vfs", walVFSName)
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", "checkpoint_fullfsync(1)")
		// A transaction larger than the page cache keeps its pages in
		// memory until it commits instead of writing some to the WAL
		// early: walVFS then only ever holds frames of a commit in
		// progress, never those of one rolled back, which could otherwise
		// reach the file after another process's commit.
		q.Add("_pragma", "cache_spill(off)")
		// Checkpoints run in the background; the writer checkpoints
		// itself only if they fall far behind.
		q.Add("_pragma", "wal_autocheckpoint(4096)")
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}

// migrate brings the database to the latest schema. It reads the schema's
// version itself first: a database migrated by a newer Hookflow is refused
// rather than served by code that does not know its tables, and a file
// damaged there says so rather than confuse goose into creating its table
// again.
func migrate(ctx context.Context, db *sql.DB) error {
	p, err := migrator(db)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	version, err := schemaVersion(ctx, db)
	if err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	sources := p.ListSources()
	if known := sources[len(sources)-1].Version; version > known {
		return &store.SchemaTooNewError{Version: version, Known: known}
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// schemaVersion is the latest migration goose recorded (0 for a new
// database), read as goose reads it.
func schemaVersion(ctx context.Context, db *sql.DB) (int64, error) {
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`).Scan(&tables); err != nil {
		return 0, err
	}
	if tables == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version_id) FROM goose_db_version`).Scan(&v); err != nil {
		return 0, err
	}
	return v.Int64, nil
}

// createPrivate creates a missing database file readable and writable by
// its owner only: it holds event bodies and headers and the secrets'
// ciphertext. SQLite gives the -wal and -shm files it creates the mode of
// the database file. An existing file keeps its mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// migrator applies the embedded migrations to db.
func migrator(db *sql.DB) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migration")
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
}

// Ping checks both pools can reach the database, and that the store has
// found no damage in it.
func (s *Store) Ping(ctx context.Context) error {
	if ce := s.corrupt.Load(); ce != nil {
		return ce
	}
	if err := s.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite writer: %w", s.checkCorrupt(err))
	}
	if err := s.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite reader: %w", s.checkCorrupt(err))
	}
	return nil
}

// Close checkpoints the WAL into the database file and closes both pools.
// Calls after the first return the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		// Readers first: an open read snapshot would keep the checkpoint
		// from truncating the WAL.
		errReader := s.reader.Close()
		close(s.stopCkpt)
		<-s.ckptDone
		errCkpt := s.ckpt.Close()
		s.stmt.close()
		_, errCheckpoint := s.writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		errWriter := s.writer.Close()
		if err := errors.Join(errReader, errCkpt, errCheckpoint, errWriter); err != nil {
			s.closeErr = fmt.Errorf("close sqlite: %w", err)
		}
	})
	return s.closeErr
}

// write runs fn in one IMMEDIATE transaction on the writer, committing when
// fn returns nil and rolling back otherwise, and returns once the commit
// is durable (fsynced, under SynchronousFull).
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	seq, err := s.commit(ctx, fn)
	if err != nil {
		return err
	}
	return s.durable(seq)
}

// writeQueue runs fn in a write transaction whose commit is not fsynced
// even under synchronous=FULL: for claims and run progress, whose loss in a
// power cut only repeats work (a run claimed or advanced again, a delivery
// sent again under the same webhook-id), never drops it. The WAL is synced
// by the next durable commit (an accept) or checkpoint, and a crash of the
// process alone loses nothing, since committed pages are in the OS already.
// Accepts, definitions and settings keep the full durability of write.
func (s *Store) writeQueue(ctx context.Context, fn func(tx *sql.Tx) error) error {
	_, err := s.commit(ctx, fn)
	return err
}

// commit runs fn in one IMMEDIATE transaction on the writer and commits it
// (without fsync), returning the commit's sequence number for durable.
// A write that finds the file damaged returns a *CorruptError.
func (s *Store) commit(ctx context.Context, fn func(tx *sql.Tx) error) (uint64, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.checkCorrupt(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return 0, s.checkCorrupt(err)
	}
	if err := tx.Commit(); err != nil {
		return 0, s.checkCorrupt(err)
	}
	return s.wal.commit(), nil
}

// durable returns once commit seq is on stable storage: under
// SynchronousFull, after the WAL is fsynced; under SynchronousNormal at
// once (checkpoints sync).
func (s *Store) durable(seq uint64) error {
	if s.synchronous != SynchronousFull {
		return nil
	}
	return s.wal.wait(seq)
}
