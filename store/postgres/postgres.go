// Package postgres is Hookflow's scale-out store: a store.Store on
// PostgreSQL through pgx (pgxpool), for several hookflow replicas sharing
// one database. The database is the coordinator; replicas never talk to
// each other:
//
//   - Writes are group-committed in one round trip: EventAccept writes a
//     whole batch of events and their runs with one statement (arrays
//     unnested), RunUpdateMany pipelines its updates; each batch is one
//     (implicit) transaction. Idempotency duplicates are settled by ON
//     CONFLICT on the partial unique index (workflow_id, idempotency_key),
//     so two replicas accepting the same key at once start one run between
//     them; rows are written in key (accepts) and run id (updates) order,
//     so two replicas' batches never deadlock.
//   - RunClaim locks the due runs it takes with FOR UPDATE SKIP LOCKED, so
//     two replicas claiming at once never get the same run and never wait
//     on each other. Leases expire: a dead replica's runs are claimed again
//     once their lease_until has passed, and RunUpdate is fenced by owner
//     and attempt, so the dead (or merely slow) replica cannot overwrite the
//     new owner's progress.
//   - Migrations (embedded, goose) run in Open under a session advisory
//     lock, so replicas starting together migrate once, one after the other.
//
// Times are timestamptz: microseconds (nanoseconds are truncated), read
// back in UTC; NULL stands for the zero time. Bytes (definitions, bodies,
// step input and output, ciphertext) are bytea and round-trip exactly.
// Text columns cannot hold NUL or invalid UTF-8: such strings (an
// idempotency key or an error message built from a hostile payload) are
// stored with U+FFFD in place of the offending bytes rather than failing a
// whole accept batch.
//
// The URL is a libpq-style postgres:// URL; pgxpool's pool_max_conns
// (default 16 here), application_name, search_path and sslmode are taken
// from its query. Behind PgBouncer in transaction mode add
// default_query_exec_mode=exec (this driver relies on no session state).
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/hookflow/hookflow/store"
)

//go:embed migration/*.sql
var migrations embed.FS

// Store is a store.Store on one PostgreSQL database (or schema).
type Store struct {
	pool *pgxpool.Pool

	closeOnce sync.Once
}

var _ store.Store = (*Store)(nil)

// defaultMaxConns is the pool size when the URL sets no pool_max_conns:
// enough for the default 16 workers, the dispatcher, the accept writer and
// the API without queueing for a connection.
const defaultMaxConns = 16

// Open connects to the database at url (postgres:// or postgresql://),
// migrates it to the latest schema under an advisory lock, and returns the
// store.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", Redact(url), err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", Redact(url), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s: %w", Redact(url), err)
	}
	if _, err := migratePool(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s: %w", Redact(url), err)
	}
	return &Store{pool: pool}, nil
}

// Migrate brings the database at url to the latest schema, under the same
// advisory lock as Open, and returns the versions it applied (none when the
// schema was current). It is what `hookflow migrate` runs.
func Migrate(ctx context.Context, url string) ([]int64, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres %s: %w", Redact(url), err)
	}
	defer pool.Close()
	applied, err := migratePool(ctx, pool)
	if err != nil {
		return nil, fmt.Errorf("postgres %s: %w", Redact(url), err)
	}
	return applied, nil
}

// migratePool runs the embedded migrations through goose (on a database/sql
// view of the pool), holding migrationLock for the whole run.
func migratePool(ctx context.Context, pool *pgxpool.Pool) ([]int64, error) {
	fsys, err := fs.Sub(migrations, "migration")
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithDisableGlobalRegistry(true),
		goose.WithSessionLocker(migrationLock{}))
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	// A database migrated by a newer Hookflow is refused rather than served
	// by code that does not know its tables.
	current, err := schemaVersion(ctx, pool)
	if err != nil {
		return nil, fmt.Errorf("migrate: read schema version: %w", err)
	}
	sources := p.ListSources()
	if known := sources[len(sources)-1].Version; current > known {
		return nil, &store.SchemaTooNewError{Version: current, Known: known}
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

// schemaVersion is the latest migration goose recorded in the schema the
// pool uses (0 for a new one), read as goose reads it.
func schemaVersion(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('goose_db_version') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, nil
	}
	var v *int64
	if err := pool.QueryRow(ctx, `SELECT max(version_id) FROM goose_db_version`).Scan(&v); err != nil {
		return 0, err
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// migrationLock is goose's session locker: a session-level advisory lock
// taken with pg_advisory_lock, which waits in the server for the holder to
// finish (goose's own locker polls every 5s), and is released when the
// session ends however the process dies. Its key is derived from the
// schema migrated, so stores in different schemas of one database (tests)
// do not wait on each other.
type migrationLock struct{}

const migrationLockKey = `hashtextextended('hookflow migrate ' || current_database() || '.' || current_schema(), 0)`

func (migrationLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+migrationLockKey+`)`); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	return nil
}

func (migrationLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock(`+migrationLockKey+`)`).Scan(&ok); err != nil {
		return fmt.Errorf("release migration lock: %w", err)
	}
	if !ok {
		return errors.New("release migration lock: not held")
	}
	return nil
}

// Ping checks the database is reachable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be returned.
// Calls after the first do nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(s.pool.Close)
	return nil
}

// tx runs fn in one transaction, committing when fn returns nil and rolling
// back otherwise.
func (s *Store) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// Redact hides the password of a database URL, for messages and logs.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable database URL)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
