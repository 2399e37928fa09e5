package sqlite

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// The writer's WAL, written in one piece per commit.
//
// SQLite writes each WAL frame with two system calls (its 24-byte header,
// then the page), so a commit made two pwrites a page: a share of the
// server's CPU under ingest load worth saving (docs/performance.md).
// walVFS wraps the default VFS for the writer connection only. Writes to a
// WAL file that follow one another are gathered in memory and handed on in
// one write when SQLite next does anything else with the file: syncs it,
// reads it, asks its size, truncates or closes it.
//
// A commit's frames must be in the file before the commit is published to
// other connections through the WAL index, and SQLite syncs the WAL just
// before it publishes a commit only at synchronous=FULL. So the writer runs
// at FULL with checkpoint_fullfsync on: a commit's sync comes with the
// SQLITE_SYNC_NORMAL flag, a checkpoint's (and a new WAL header's) with
// SQLITE_SYNC_FULL. walVFS passes on FULL syncs, and for NORMAL ones only
// writes out what it gathered: the store fsyncs the WAL itself after the
// commits that must be durable (durability.go), as it did when the writer
// ran at NORMAL and SQLite never synced a commit. (On Linux both flags are
// the same fsync; elsewhere FULL is the stronger one.)
//
// The writer also runs with cache_spill off, so SQLite writes frames to the
// WAL only as it commits, and every frame walVFS holds belongs to a commit
// in progress that its sync will write out. (With spilling, frames of a
// transaction later rolled back could wait here, and reach the file after
// another process had committed frames at the same offsets.)

// walVFSName is the name the wrapping VFS is registered under.
const walVFSName = "hookflow-wal"

// walBufferMax bounds the writes gathered for one file: the default VFS
// writes at most 128 KiB - 1 bytes in one call (about 31 frames of 4 KiB
// pages; an ingest commit of 18 events is 27).
const walBufferMax = 1<<17 - 1

// walFileState is kept after the default VFS's own file structure, in the
// memory SQLite allocates for each open file (C memory, never moved).
type walFileState struct {
	methods uintptr // the default VFS's io methods for this file
	buf     uintptr // gathered writes (C memory, walBufferMax bytes)
	len     int64
	off     int64 // the file offset of buf's first byte
}

var (
	walVFSOnce sync.Once
	walVFSErr  error
	walBase    uintptr // the default VFS
	walState   int32   // offset of walFileState in a file's structure

	walTablesMu sync.Mutex
	walTables   = map[uintptr]uintptr{} // default io methods → walVFS's

	// Counters for tests and diagnostics.
	walGathered    atomic.Int64 // writes taken into a buffer
	walWrites      atomic.Int64 // writes handed on
	walSyncsPassed atomic.Int64 // syncs passed on
	walSyncsKept   atomic.Int64 // syncs that only wrote out gathered writes
)

// registerWALVFS registers walVFS once per process.
func registerWALVFS() error {
	walVFSOnce.Do(func() { walVFSErr = doRegisterWALVFS() })
	return walVFSErr
}

func doRegisterWALVFS() error {
	tls := libc.NewTLS()
	defer tls.Close()
	walBase = lib.Xsqlite3_vfs_find(tls, 0)
	if walBase == 0 {
		return fmt.Errorf("register %s vfs: no default vfs", walVFSName)
	}
	base := (*lib.Tsqlite3_vfs)(cptr(walBase))
	name, err := libc.CString(walVFSName)
	if err != nil {
		return fmt.Errorf("register %s vfs: %w", walVFSName, err)
	}
	p := libc.Xmalloc(tls, uint64(unsafe.Sizeof(lib.Tsqlite3_vfs{})))
	if p == 0 {
		return fmt.Errorf("register %s vfs: out of memory", walVFSName)
	}
	vfs := (*lib.Tsqlite3_vfs)(cptr(p))
	// Every method but xOpen is the default VFS's own: none of them uses
	// the VFS structure it is called with but xOpen, which is given the
	// default one below.
	*vfs = *base
	vfs.FpNext = 0
	vfs.FzName = name
	walState = (base.FszOsFile + 7) &^ 7
	vfs.FszOsFile = walState + int32(unsafe.Sizeof(walFileState{}))
	*(*func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32)(unsafe.Pointer(&vfs.FxOpen)) = walOpen
	if rc := lib.Xsqlite3_vfs_register(tls, p, 0); rc != lib.SQLITE_OK {
		return fmt.Errorf("register %s vfs: sqlite error %d", walVFSName, rc)
	}
	return nil
}

func walOpen(tls *libc.TLS, _ uintptr, zName uintptr, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	base := (*lib.Tsqlite3_vfs)(cptr(walBase))
	rc := (*(*func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32)(unsafe.Pointer(&base.FxOpen)))(tls, walBase, zName, pFile, flags, pOutFlags)
	if rc != lib.SQLITE_OK || flags&lib.SQLITE_OPEN_WAL == 0 {
		return rc
	}
	file := (*lib.Tsqlite3_file)(cptr(pFile))
	if file.FpMethods == 0 {
		return rc
	}
	table := walTable(tls, file.FpMethods)
	if table == 0 {
		return rc // out of memory: the file is written as it was
	}
	*walFile(pFile) = walFileState{methods: file.FpMethods}
	file.FpMethods = table
	return rc
}

// walTable returns walVFS's io methods for files whose default ones are
// methods: a copy at version 1 (a WAL file is neither mapped nor shared
// memory) with the methods below in place.
func walTable(tls *libc.TLS, methods uintptr) uintptr {
	walTablesMu.Lock()
	defer walTablesMu.Unlock()
	if t, ok := walTables[methods]; ok {
		return t
	}
	p := libc.Xmalloc(tls, uint64(unsafe.Sizeof(lib.Tsqlite3_io_methods{})))
	if p == 0 {
		return 0
	}
	t := (*lib.Tsqlite3_io_methods)(cptr(p))
	*t = *(*lib.Tsqlite3_io_methods)(cptr(methods))
	t.FiVersion = 1
	t.FxShmMap, t.FxShmLock, t.FxShmBarrier, t.FxShmUnmap, t.FxFetch, t.FxUnfetch = 0, 0, 0, 0, 0, 0
	*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&t.FxClose)) = walClose
	*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&t.FxRead)) = walRead
	*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&t.FxWrite)) = walWrite
	*(*func(*libc.TLS, uintptr, int64) int32)(unsafe.Pointer(&t.FxTruncate)) = walTruncate
	*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&t.FxSync)) = walSyncFile
	*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&t.FxFileSize)) = walFileSize
	*(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&t.FxFileControl)) = walFileControl
	walTables[methods] = p
	return p
}

// cptr turns an address in C memory into a pointer.
func cptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

func walFile(pFile uintptr) *walFileState {
	return (*walFileState)(cptr(pFile + uintptr(walState)))
}

func (st *walFileState) base() *lib.Tsqlite3_io_methods {
	return (*lib.Tsqlite3_io_methods)(cptr(st.methods))
}

// write hands a write on to the default VFS.
func (st *walFileState) write(tls *libc.TLS, pFile uintptr, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	walWrites.Add(1)
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&st.base().FxWrite)))(tls, pFile, zBuf, iAmt, iOfst)
}

// flush hands the gathered writes on in one write.
func (st *walFileState) flush(tls *libc.TLS, pFile uintptr) int32 {
	if st.len == 0 {
		return lib.SQLITE_OK
	}
	n, off := st.len, st.off
	st.len = 0 // written or not, they are gone: a failed write fails the commit
	return st.write(tls, pFile, st.buf, int32(n), off)
}

func walWrite(tls *libc.TLS, pFile uintptr, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	st := walFile(pFile)
	if st.len > 0 && (iOfst != st.off+st.len || st.len+int64(iAmt) > walBufferMax) {
		if rc := st.flush(tls, pFile); rc != lib.SQLITE_OK {
			return rc
		}
	}
	if st.buf == 0 {
		st.buf = libc.Xmalloc(tls, walBufferMax)
	}
	if st.buf == 0 || int64(iAmt) > walBufferMax { // write it as it comes
		return st.write(tls, pFile, zBuf, iAmt, iOfst)
	}
	if st.len == 0 {
		st.off = iOfst
	}
	libc.Xmemcpy(tls, st.buf+uintptr(st.len), zBuf, uint64(iAmt))
	st.len += int64(iAmt)
	walGathered.Add(1)
	return lib.SQLITE_OK
}

func walSyncFile(tls *libc.TLS, pFile uintptr, flags int32) int32 {
	st := walFile(pFile)
	if rc := st.flush(tls, pFile); rc != lib.SQLITE_OK {
		return rc
	}
	if flags&0x0F != lib.SQLITE_SYNC_FULL {
		walSyncsKept.Add(1)
		return lib.SQLITE_OK
	}
	walSyncsPassed.Add(1)
	return (*(*func(*libc.TLS, uintptr, int32) int32)(unsafe.Pointer(&st.base().FxSync)))(tls, pFile, flags)
}

func walRead(tls *libc.TLS, pFile uintptr, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	st := walFile(pFile)
	if rc := st.flush(tls, pFile); rc != lib.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, uintptr, int32, int64) int32)(unsafe.Pointer(&st.base().FxRead)))(tls, pFile, zBuf, iAmt, iOfst)
}

func walTruncate(tls *libc.TLS, pFile uintptr, size int64) int32 {
	st := walFile(pFile)
	if rc := st.flush(tls, pFile); rc != lib.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int64) int32)(unsafe.Pointer(&st.base().FxTruncate)))(tls, pFile, size)
}

func walFileSize(tls *libc.TLS, pFile uintptr, pSize uintptr) int32 {
	st := walFile(pFile)
	if rc := st.flush(tls, pFile); rc != lib.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&st.base().FxFileSize)))(tls, pFile, pSize)
}

func walFileControl(tls *libc.TLS, pFile uintptr, op int32, pArg uintptr) int32 {
	st := walFile(pFile)
	if rc := st.flush(tls, pFile); rc != lib.SQLITE_OK {
		return rc
	}
	return (*(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&st.base().FxFileControl)))(tls, pFile, op, pArg)
}

func walClose(tls *libc.TLS, pFile uintptr) int32 {
	st := walFile(pFile)
	rcFlush := st.flush(tls, pFile)
	if st.buf != 0 {
		libc.Xfree(tls, st.buf)
		st.buf = 0
	}
	rc := (*(*func(*libc.TLS, uintptr) int32)(unsafe.Pointer(&st.base().FxClose)))(tls, pFile)
	if rcFlush != lib.SQLITE_OK {
		return rcFlush
	}
	return rc
}
