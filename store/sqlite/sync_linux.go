package sqlite

import (
	"os"
	"syscall"
)

// syncData flushes a file's data (and the metadata needed to read it back)
// to stable storage: fdatasync, as SQLite itself syncs on Linux.
func syncData(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
