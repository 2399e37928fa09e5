package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookflow/hookflow/store/postgres"
)

// isPostgresURL reports whether a --db value names a PostgreSQL database.
func isPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// pgSchema is a schema of its own a bench run's child server works in, so
// each run starts empty and leaves nothing behind in the database.
type pgSchema struct {
	base string // the --db URL as given
	name string
}

// newPGSchema creates an empty schema hf_bench_<random> in the database at
// base and returns it.
func newPGSchema(ctx context.Context, base string) (*pgSchema, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	s := &pgSchema{base: base, name: "hf_bench_" + hex.EncodeToString(b)}
	if _, err := url.Parse(base); err != nil {
		return nil, fmt.Errorf("--db %s: %w", postgres.Redact(base), err)
	}
	if err := s.exec(ctx, "CREATE SCHEMA "+s.name); err != nil {
		return nil, fmt.Errorf("--db %s: create the bench schema: %w", postgres.Redact(base), err)
	}
	return s, nil
}

// URL is the database URL whose connections use the schema (search_path
// set, replacing any the --db URL had).
func (s *pgSchema) URL() string {
	u, _ := url.Parse(s.base) // parsed in newPGSchema
	q := u.Query()
	q.Set("search_path", s.name)
	u.RawQuery = q.Encode()
	return u.String()
}

// String is how results name the database: the URL, password redacted,
// and the schema.
func (s *pgSchema) String() string {
	return postgres.Redact(s.base) + " (schema " + s.name + ")"
}

// Drop drops the schema and everything in it.
func (s *pgSchema) Drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.exec(ctx, "DROP SCHEMA IF EXISTS "+s.name+" CASCADE"); err != nil {
		return fmt.Errorf("drop the bench schema %s: %w", s.name, err)
	}
	return nil
}

func (s *pgSchema) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.base)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}
