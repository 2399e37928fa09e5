//go:build unix

package engine

import (
	"fmt"
	"os"
	"testing"
)

func TestDeadOwner(t *testing.T) {
	t.Parallel()
	host, _ := os.Hostname()
	self := newOwner()
	owner := func(pid int) string { return fmt.Sprintf("%s:%d:0badc0de", host, pid) }
	for _, tc := range []struct {
		name, owner string
		dead        bool
	}{
		{"this process", self, false},
		{"an earlier process with our pid", owner(os.Getpid()), true},
		{"a live process of this host", owner(os.Getppid()), false},
		{"an exited process of this host", owner(1 << 30), true},
		{"another host", fmt.Sprintf("elsewhere-%s:%d:0badc0de", host, 1<<30), false},
		{"no owner", "", false},
		{"not ours", "worker-7", false},
		{"no pid", host + ":x:0badc0de", false},
	} {
		if got := deadOwner(tc.owner, self); got != tc.dead {
			t.Errorf("%s: deadOwner(%q) = %v, want %v", tc.name, tc.owner, got, tc.dead)
		}
	}
}

func TestParseOwner(t *testing.T) {
	t.Parallel()
	host, pid, ok := parseOwner("db:primary:42:abcd1234")
	if !ok || host != "db:primary" || pid != 42 {
		t.Errorf("parseOwner = %q, %d, %v; want db:primary, 42, true", host, pid, ok)
	}
	myHost, _ := os.Hostname()
	if host, pid, ok := parseOwner(newOwner()); !ok || host != myHost || pid != os.Getpid() {
		t.Errorf("parseOwner(newOwner()) = %q, %d, %v; want this host and pid", host, pid, ok)
	}
}
