package sqlite

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
	lib "modernc.org/sqlite/lib"
)

// CorruptError is a store error caused by a damaged database file: SQLite
// found a page it cannot read as what it should be, or a file that is not
// a database at all. Nothing Hookflow does repairs it.
type CorruptError struct {
	// Path is the database file.
	Path string
	// Reason is SQLite's word for the damage.
	Reason string
	// Err is the error as it was returned, with SQLite's inside.
	Err error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("database %s is corrupt (SQLite: %s): restore it from a backup", e.Path, e.Reason)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// corruptReasons are SQLite's messages (sqlite3_errstr) for the result codes
// that mean a damaged file.
var corruptReasons = map[int]string{
	lib.SQLITE_CORRUPT: "database disk image is malformed",
	lib.SQLITE_NOTADB:  "file is not a database",
}

// checkCorrupt returns err as a *CorruptError when SQLite said the file is
// damaged, and err itself otherwise. Once the store has seen damage, Ping
// reports it.
func (s *Store) checkCorrupt(err error) error {
	ce := asCorrupt(s.path, err)
	if ce == nil {
		return err
	}
	s.corrupt.CompareAndSwap(nil, ce)
	return ce
}

// asCorrupt is err as a *CorruptError of the file at path, or nil when err
// is not about damage.
func asCorrupt(path string, err error) *CorruptError {
	if err == nil {
		return nil
	}
	var ce *CorruptError
	if errors.As(err, &ce) {
		return ce
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	reason, ok := corruptReasons[se.Code()&0xff]
	if !ok {
		return nil
	}
	return &CorruptError{Path: path, Reason: reason, Err: err}
}
