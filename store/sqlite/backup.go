package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Backup writes a consistent copy of the database at path to dest, a file
// that must not exist yet, while other connections and processes (a
// running server) go on reading and writing it. The copy is made by VACUUM
// INTO in one read transaction: it holds every transaction committed
// before the backup began, and none of those after, compacted. dest is
// created readable by its owner only, as the database is.
func Backup(ctx context.Context, path, dest string) error {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("backup %s: no such database", path)
		}
		return fmt.Errorf("backup %s: %w", path, err)
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("backup to %s: the file exists; name a new one", dest)
		}
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	f.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(dest)
		}
	}()
	// A connection of its own: not query_only (VACUUM INTO writes dest),
	// and issuing no write to the database.
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("backup %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("backup %s: %w", path, err)
	}
	done = true
	return nil
}
