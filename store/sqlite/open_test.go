package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hookflow/hookflow/store"
)

// TestNewDatabasePrivate: a new database, its WAL and its shared-memory
// file are readable by their owner only, whatever the umask lets through;
// an existing file keeps its mode.
func TestNewDatabasePrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	s := open(t, path)
	if err := s.SettingPut(context.Background(), "x", "y"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("stat %s: %v", p, err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", filepath.Base(p), mode)
		}
	}

	existing := filepath.Join(t.TempDir(), "existing.db")
	if err := os.WriteFile(existing, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(existing, 0o640); err != nil {
		t.Fatal(err)
	}
	open(t, existing)
	if fi, err := os.Stat(existing); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("existing database: mode %v, %v; want 0640 left as it was", fi.Mode().Perm(), err)
	}
}

// rawDB opens a database file with no store around it, for a test to do
// what Hookflow never would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// knownSchema is the latest migration this Hookflow has.
func knownSchema(t *testing.T) int64 {
	t.Helper()
	p, err := migrator(rawDB(t, filepath.Join(t.TempDir(), "unused.db")))
	if err != nil {
		t.Fatal(err)
	}
	sources := p.ListSources()
	return sources[len(sources)-1].Version
}

// TestNewerSchemaRefused: a database a newer Hookflow migrated is not
// opened, with a message that says what to do.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	s := open(t, path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := rawDB(t, path).Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (999, 1)`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path)
	var newer *store.SchemaTooNewError
	if !errors.As(err, &newer) || newer.Version != 999 || newer.Known != knownSchema(t) {
		t.Fatalf("Open of a database at schema 999 = %v, want a *store.SchemaTooNewError for 999", err)
	}
	want := "database schema 999 is newer than this Hookflow knows (" + strconv.FormatInt(knownSchema(t), 10) + "): upgrade Hookflow"
	if newer.Error() != want {
		t.Errorf("message %q, want %q", newer.Error(), want)
	}
}

// corruptPage overwrites page n (from 1) of a closed database file with
// bytes that are no page of any kind.
func corruptPage(t *testing.T, path string, n int64) {
	t.Helper()
	var size int64
	db := rawDB(t, path)
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	db.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, int(size)/4), (n-1)*size); err != nil {
		t.Fatal(err)
	}
}

// rootPage is the first page of a table.
func rootPage(t *testing.T, path, table string) int64 {
	t.Helper()
	var page int64
	if err := rawDB(t, path).QueryRow(`SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&page); err != nil {
		t.Fatalf("root page of %s: %v", table, err)
	}
	return page
}

// closedDatabase is a database file with a setting in it, closed (its WAL
// checkpointed into it).
func closedDatabase(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SettingPut(context.Background(), "name", "value"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCorruptAtOpen: damage Open meets says so plainly, whether it is in
// the schema's version table or the file's first page.
func TestCorruptAtOpen(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		page   func(t *testing.T, path string) int64
		reason string
	}{
		{"version table", func(t *testing.T, path string) int64 { return rootPage(t, path, "goose_db_version") }, "database disk image is malformed"},
		{"header", func(*testing.T, string) int64 { return 1 }, "file is not a database"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := closedDatabase(t)
			corruptPage(t, path, c.page(t, path))
			s, err := Open(context.Background(), path)
			if err == nil {
				s.Close()
				t.Fatal("Open of a damaged database succeeded")
			}
			want := "database " + path + " is corrupt (SQLite: " + c.reason + "): restore it from a backup"
			var ce *CorruptError
			if !errors.As(err, &ce) || err.Error() != want {
				t.Errorf("Open = %q, want %q", err, want)
			}
		})
	}
}

// TestCorruptFoundLater: damage in a table Open does not read is found
// by the first write that reads it; that write's error says so plainly,
// and from then on so does Ping (the server's readiness).
func TestCorruptFoundLater(t *testing.T) {
	t.Parallel()
	path := closedDatabase(t)
	corruptPage(t, path, rootPage(t, path, "settings"))
	s := open(t, path)
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping before the damage is found: %v", err)
	}
	err := s.SettingPut(ctx, "name", "other")
	want := "database " + path + " is corrupt (SQLite: database disk image is malformed): restore it from a backup"
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Error() != want {
		t.Fatalf("SettingPut on a damaged table = %v, want an error wrapping %q", err, want)
	}
	if err := s.Ping(ctx); !errors.As(err, &ce) {
		t.Errorf("Ping after the damage was found = %v, want the *CorruptError", err)
	}
}
