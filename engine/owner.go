package engine

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// A lease owner names the process that claimed a run: host:pid:random.
// The host and pid let a later process of the same host tell whether the
// owner is still alive (see ReleaseDeadLeases); the random part tells
// apart two engines of one process, and a process from an earlier one that
// had the same pid.

// newOwner returns a lease owner name for an engine of this process.
func newOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), uuid.NewString()[:8])
}

// parseOwner splits an owner named by newOwner into its host and pid; ok
// is false for any other name (Config.Owner may be anything).
func parseOwner(owner string) (host string, pid int, ok bool) {
	rest, _, ok := cutLast(owner, ":")
	if !ok {
		return "", 0, false
	}
	host, p, ok := cutLast(rest, ":")
	if !ok {
		return "", 0, false
	}
	pid, err := strconv.Atoi(p)
	if err != nil || pid <= 0 {
		return "", 0, false
	}
	return host, pid, true
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// deadOwner reports whether owner is a process of self's host that has
// exited.
func deadOwner(owner, self string) bool {
	host, pid, ok := parseOwner(owner)
	selfHost, selfPID, _ := parseOwner(self)
	if !ok || owner == self || host != selfHost {
		return false
	}
	if pid == selfPID {
		return true // an earlier process that had our pid (a container's pid 1)
	}
	return !processAlive(pid)
}
