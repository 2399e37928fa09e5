package sqlite

import (
	"crypto/rand"
	"database/sql"
	"path/filepath"
	"testing"
)

// walCounters is a snapshot of walVFS's counters.
type walCounters struct{ gathered, writes, kept, passed int64 }

func walNow() walCounters {
	return walCounters{walGathered.Load(), walWrites.Load(), walSyncsKept.Load(), walSyncsPassed.Load()}
}

func (c walCounters) since(before walCounters) walCounters {
	return walCounters{c.gathered - before.gathered, c.writes - before.writes, c.kept - before.kept, c.passed - before.passed}
}

// TestWALVFS: the writer's commits reach the WAL in one write each (up to
// walBufferMax bytes) before they are visible to other connections; a
// commit's sync is kept (the store fsyncs durable commits itself), a
// checkpoint's and a new WAL header's are passed on; the database reads
// back whole with the default VFS. Not parallel: the counters are global.
func TestWALVFS(t *testing.T) {
	if err := registerWALVFS(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "wal.db")
	cfg := config{synchronous: SynchronousFull}
	w, err := sql.Open("sqlite", dsn(path, cfg, roleWriter))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.SetMaxOpenConns(1)
	if _, err := w.Exec(`CREATE TABLE t (b BLOB NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	r, err := sql.Open("sqlite", dsn(path, cfg, roleReader))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	var want []byte // every row's bytes, in rowid order
	insert := func(rows int) {
		t.Helper()
		tx, err := w.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for range rows {
			b := make([]byte, 4000)
			rand.Read(b)
			want = append(want, b...)
			if _, err := tx.Exec(`INSERT INTO t (b) VALUES (?)`, b); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	check := func(db *sql.DB, who string) {
		t.Helper()
		rows, err := db.Query(`SELECT b FROM t ORDER BY rowid`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []byte
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			got = append(got, b...)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("%s reads %d bytes of rows, not the %d committed (or not the same)", who, len(got), len(want))
		}
	}

	// 20 rows of 4,000 bytes: about 22 frames, 90 KB, in one write.
	before := walNow()
	insert(20)
	if d := walNow().since(before); d.writes != 1 || d.kept != 1 || d.passed != 0 {
		t.Errorf("a commit of 20 pages: %d writes, %d syncs kept, %d passed on; want 1, 1, 0", d.writes, d.kept, d.passed)
	}
	check(r, "another connection, right after the commit,")

	// 200 rows: more than one write's worth, each at most walBufferMax.
	before = walNow()
	insert(200)
	if d := walNow().since(before); d.writes < 200*4000/walBufferMax || d.writes > 20 || d.kept != 1 || d.passed != 0 {
		t.Errorf("a commit of 200 pages: %d writes, %d syncs kept, %d passed on; want about %d, 1, 0",
			d.writes, d.kept, d.passed, 200*4120/walBufferMax+1)
	}
	check(r, "another connection, after a large commit,")

	// A transaction larger than the page cache (2,000 KiB) writes nothing
	// to the WAL before it commits (cache_spill off), so rolled back it
	// leaves nothing behind in walVFS either.
	before = walNow()
	tx, err := w.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		if _, err := tx.Exec(`INSERT INTO t (b) VALUES (?)`, make([]byte, 4000)); err != nil {
			t.Fatal(err)
		}
	}
	if d := walNow().since(before); d.gathered != 0 || d.writes != 0 {
		t.Errorf("a 4 MB transaction before its commit: %d writes gathered, %d handed on; want none", d.gathered, d.writes)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if d := walNow().since(before); d.gathered != 0 || d.writes != 0 {
		t.Errorf("a 4 MB transaction rolled back: %d writes gathered, %d handed on; want none", d.gathered, d.writes)
	}
	check(r, "another connection, after a rollback,")

	// A checkpoint syncs the WAL for real before it copies it.
	before = walNow()
	if _, err := w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	if d := walNow().since(before); d.passed == 0 {
		t.Errorf("a checkpoint on the writer passed no sync on")
	}
	// The next commit starts the WAL again: its new header is synced too.
	before = walNow()
	insert(1)
	if d := walNow().since(before); d.passed != 1 || d.kept != 1 {
		t.Errorf("the first commit in a new WAL: %d syncs passed on, %d kept; want 1 (the header), 1", d.passed, d.kept)
	}
	check(r, "another connection, after the WAL started again,")

	// Closed without a checkpoint of the last commits (the reader still
	// holds the WAL), then opened with the default VFS: all there.
	insert(5)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	plain, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	check(plain, "the default VFS, after the writer closed,")
	var ok string
	if err := plain.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check: %q, %v", ok, err)
	}
}
