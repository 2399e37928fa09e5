package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/store"
)

// A run claimed by a serve process stays leased to it until the lease runs
// out (a minute or more). When that process dies without releasing its
// runs (SIGKILL, a crash, the OOM killer, power loss), a restart would wait
// that long before resuming them. So serve names itself host:pid:random in
// leases and, before its workers start, releases the runs leased to a
// process of this host that is no longer alive. Runs leased by other hosts,
// or by live processes, are left to their leases.

// leaseOwner is the name this process leases runs under.
func leaseOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), uuid.NewString()[:8])
}

// deadOwner reports whether a lease owner named by leaseOwner is a process
// of this host that has exited.
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

// parseOwner splits host:pid:random.
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

// releaseDeadLeases queues again, due now and at the step they were at,
// the running runs leased to dead processes of this host. It returns how
// many it released. They are not given back as their owner would
// (store.RunUpdateParams.Release): their owner died executing them, so the
// claim stays counted, and a run that kills every process that executes it
// is failed after a few restarts instead of resumed at each one
// (engine.Config.CrashLimit).
func releaseDeadLeases(ctx context.Context, st store.Store, self string, log *slog.Logger) (int, error) {
	const page = 500
	released, cursor := 0, ""
	for range 10_000 { // at most 5 million running runs
		runs, err := st.RunList(ctx, store.RunListParams{Status: store.StatusRunning, Before: cursor, Limit: page})
		if err != nil {
			return released, fmt.Errorf("release runs of dead processes: %w", err)
		}
		for _, r := range runs {
			if !deadOwner(r.LeaseOwner, self) {
				continue
			}
			now := time.Now().UTC()
			err := st.RunUpdate(ctx, store.RunUpdateParams{
				ID: r.ID, Owner: r.LeaseOwner, Attempt: r.Attempt,
				Status: store.StatusQueued, NextStep: r.NextStep, StepAttempt: r.StepAttempt,
				RunAt: now, Now: now,
			})
			switch {
			case errors.Is(err, store.ErrLeaseLost): // taken over meanwhile
			case err != nil:
				return released, fmt.Errorf("release run %s of %s: %w", r.ID, r.LeaseOwner, err)
			default:
				released++
			}
		}
		if len(runs) < page {
			break
		}
		cursor = runs[len(runs)-1].ID
	}
	if released > 0 {
		log.Info("resuming runs of a process that stopped without releasing them", "runs", released)
	}
	return released, nil
}
