package store

import (
	"fmt"
	"testing"
	"time"
)

// TestIDSince: every run not skewed whose id is at or after sure was
// created at or after since, and every one created then has an id at or
// after from, to the millisecond's edges and the tolerance's.
func TestIDSince(t *testing.T) {
	idAt := func(ms int64) string {
		return fmt.Sprintf("%08x-%04x-7abc-8def-0123456789ab", ms>>16, ms&0xffff)
	}
	base := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
	tol := IDTimeTolerance.Milliseconds()
	for _, since := range []time.Time{base, base.Add(time.Nanosecond), base.Add(999_999 * time.Nanosecond), base.Add(-time.Nanosecond)} {
		from, sure := IDSince(since)
		if from == "" || sure <= from {
			t.Fatalf("IDSince(%s) = %q, %q", since, from, sure)
		}
		sureRuns := 0
		for d := -300 * time.Millisecond; d <= 300*time.Millisecond; d += 250 * time.Microsecond {
			created := since.Add(d)
			for k := -tol; k <= tol; k += tol / 4 {
				id := idAt(created.UnixMilli() + k)
				if IDTimeSkewed(id, created) {
					t.Fatalf("%s made %d ms from %s is skewed", id, k, created)
				}
				in := !created.Before(since)
				if id >= sure {
					sureRuns++
					if !in {
						t.Errorf("since %s: %s, created %s before it, is at or after sure %s", since, id, created, sure)
					}
				}
				if in && id < from {
					t.Errorf("since %s: %s, created %s, is before from %s", since, id, created, from)
				}
			}
		}
		if sureRuns == 0 {
			t.Errorf("since %s: no run at or after sure %s", since, sure)
		}
	}
	if from, sure := IDSince(time.Time{}); from != "" || sure != "" {
		t.Errorf("IDSince(zero) = %q, %q, want every run", from, sure)
	}
	if _, sure := IDSince(time.UnixMilli(1<<48 - 50)); sure != "g" {
		t.Errorf("IDSince(after the last UUIDv7 time) sure = %q, want g", sure)
	}
	if _, sure := IDSince(time.UnixMilli(-1000)); sure != "" {
		t.Errorf("IDSince(before 1970) sure = %q, want every run", sure)
	}
}
