package triggers

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// socketDrained reports whether c's socket has nothing unsent or
// unacknowledged (SIOCOUTQ is 0). A TCP write to such a socket is queued
// at once: the kernel takes the first segment of an empty queue even under
// memory pressure, and a 202 is far smaller than a segment.
func socketDrained(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	n, ierr := -1, error(nil)
	if err := raw.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); err != nil || ierr != nil {
		return false
	}
	return n == 0
}
