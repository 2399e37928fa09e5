//go:build unix

package main

import "syscall"

// raiseFileLimit raises the process's soft limit on open files to its hard
// limit, where it is lower, and returns the limit then in force and the
// one it replaced (0 when nothing changed). Every client connection takes
// a file descriptor. (Go raises the limit itself at start on most systems;
// this covers the others and says what the limit is.)
func raiseFileLimit() (limit, from uint64, err error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, 0, err
	}
	if r.Cur >= r.Max {
		return uint64(r.Cur), 0, nil
	}
	old := r.Cur
	r.Cur = r.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return uint64(old), 0, err
	}
	return uint64(r.Cur), uint64(old), nil
}
