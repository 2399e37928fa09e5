package store

import "fmt"

// SchemaTooNewError: the database was migrated by a newer Hookflow than
// this one. Its tables may hold what this version would misread or
// overwrite, so a driver refuses to open it.
type SchemaTooNewError struct {
	// Version is the database's schema version; Known is the latest this
	// Hookflow has.
	Version, Known int64
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("database schema %d is newer than this Hookflow knows (%d): upgrade Hookflow", e.Version, e.Known)
}
