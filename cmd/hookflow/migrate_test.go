package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hookflow/hookflow/internal/pgtest"
)

// runMigrate runs `hookflow migrate --db db` and returns its output.
func runMigrate(t *testing.T, db string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := newRootCmd()
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"migrate", "--db", db})
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestMigrateSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	out, err := runMigrate(t, path)
	if err != nil || !strings.Contains(out, "schema is current") {
		t.Fatalf("migrate %s = %q, %v", path, out, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("migrate did not create the database: %v", err)
	}
}

// TestMigratePostgres: `hookflow migrate` on a new schema applies the
// migrations, run again it finds nothing to do, and several run together
// all succeed (the advisory lock). It runs where HOOKFLOW_TEST_POSTGRES
// names a database (see store/postgres).
func TestMigratePostgres(t *testing.T) {
	t.Parallel()
	base := os.Getenv("HOOKFLOW_TEST_POSTGRES")
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set HOOKFLOW_TEST_POSTGRES to a database URL, " +
			"e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	for _, together := range []int{1, 3} {
		db := testSchema(t, base)
		var (
			wg   sync.WaitGroup
			outs = make([]string, together)
			errs = make([]error, together)
		)
		for i := range together {
			wg.Go(func() { outs[i], errs[i] = runMigrate(t, db) })
		}
		wg.Wait()
		applied := 0
		for i := range together {
			if errs[i] != nil {
				t.Fatalf("migrate (%d together): %v\n%s", together, errs[i], outs[i])
			}
			if strings.Contains(outs[i], "applied migrations") {
				applied++
			}
		}
		if applied != 1 {
			t.Errorf("%d of %d migrate runs applied migrations, want exactly 1:\n%s", applied, together, strings.Join(outs, ""))
		}
		out, err := runMigrate(t, db)
		if err != nil || !strings.Contains(out, "schema is current") || strings.Contains(out, "applied") {
			t.Errorf("migrate again = %q, %v; want nothing to do", out, err)
		}
	}
}

// testSchema creates a schema dropped when the test ends and returns a URL
// using it.
func testSchema(t *testing.T, base string) string {
	t.Helper()
	return pgtest.SchemaIn(t, base)
}

func TestIsPostgresURL(t *testing.T) {
	t.Parallel()
	for db, want := range map[string]bool{
		"postgres://h/db": true, "postgresql://u@h/db?sslmode=disable": true,
		"hookflow.db": false, "/var/lib/hookflow/postgres.db": false, "": false,
	} {
		if got := isPostgresURL(db); got != want {
			t.Errorf("isPostgresURL(%q) = %v, want %v", db, got, want)
		}
	}
}
