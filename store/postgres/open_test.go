package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/store"
)

// TestNewerSchemaRefused: a schema a newer Hookflow migrated is neither
// opened nor migrated, with a message that says what to do.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	dbURL := newSchema(t)
	s := open(t, dbURL)
	ctx := context.Background()
	if _, err := s.pool.Exec(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (999, true)`); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("database schema 999 is newer than this Hookflow knows (%d): upgrade Hookflow", knownSchema(t))

	other, err := Open(ctx, dbURL)
	if err == nil {
		other.Close()
	}
	var newer *store.SchemaTooNewError
	if !errors.As(err, &newer) || newer.Error() != want {
		t.Errorf("Open of a schema at 999 = %v, want an error wrapping %q", err, want)
	}
	if _, err := Migrate(ctx, dbURL); !errors.As(err, &newer) || newer.Error() != want {
		t.Errorf("Migrate of a schema at 999 = %v, want an error wrapping %q", err, want)
	}
}

// knownSchema is the latest migration this Hookflow has: the number its
// last migration file starts with.
func knownSchema(t *testing.T) int64 {
	t.Helper()
	files, err := fs.ReadDir(migrations, "migration")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v", err)
	}
	last := files[len(files)-1].Name()
	n, err := strconv.ParseInt(last[:strings.IndexByte(last, '_')], 10, 64)
	if err != nil {
		t.Fatalf("migration %s: %v", last, err)
	}
	return n
}
