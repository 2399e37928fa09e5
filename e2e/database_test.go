package e2e

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDatabaseFilesPrivate: the database serve creates, its WAL and its
// shared-memory file are readable by their owner only.
func TestDatabaseFilesPrivate(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverOptions{})
	srv.createWorkflow(`{"format": "hookflow/v1", "id": "files", "name": "Files",
		"trigger": {"type": "webhook"}, "steps": [{"id": "none", "type": "filter", "expr": "false"}]}`)
	for _, p := range []string{srv.opts.DB, srv.opts.DB + "-wal", srv.opts.DB + "-shm", srv.opts.DB + ".key"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("stat %s: %v", filepath.Base(p), err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", filepath.Base(p), mode)
		}
	}
}

// migrated is a new database file brought to the current schema by
// `hookflow migrate`.
func migrated(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "hookflow.db")
	if res := cli(t, nil, "migrate", "--db", db); res.Code != 0 {
		t.Fatalf("hookflow migrate: exit %d: %s", res.Code, res.Stderr)
	}
	return db
}

// TestNewerSchemaRefused: serve and migrate refuse a database a newer
// Hookflow migrated, with one line that says what to do.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	path := migrated(t)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (999, 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	want := regexp.MustCompile(`^hookflow: database schema 999 is newer than this Hookflow knows \(\d+\): upgrade Hookflow\n$`)
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--db", path},
		{"migrate", "--db", path},
	} {
		res := cli(t, []string{"HOOKFLOW_ADMIN_TOKEN=" + testToken}, args...)
		if res.Code == 0 || !want.MatchString(res.Stderr) || strings.Contains(res.Stdout, "current") {
			t.Errorf("hookflow %s on a database at schema 999: exit %d\nstdout: %s\nstderr: %s\nwant a non-zero exit and one line matching %s",
				args[0], res.Code, res.Stdout, res.Stderr, want)
		}
	}
}

// TestCorruptDatabase: serve on a database with a damaged page says so in
// one line, and says what to do.
func TestCorruptDatabase(t *testing.T) {
	t.Parallel()
	path := migrated(t)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var root, size int64
	if err := db.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = 'goose_db_version'`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	db.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, int(size/4)), (root-1)*size); err != nil {
		t.Fatal(err)
	}
	f.Close()

	res := cli(t, []string{"HOOKFLOW_ADMIN_TOKEN=" + testToken}, "serve", "--addr", "127.0.0.1:0", "--db", path)
	want := "hookflow: database " + path + " is corrupt (SQLite: database disk image is malformed): restore it from a backup\n"
	if res.Code == 0 || res.Stderr != want {
		t.Errorf("serve on a damaged database: exit %d, stderr:\n%s\nwant a non-zero exit and\n%s", res.Code, res.Stderr, want)
	}
}
