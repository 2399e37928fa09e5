package bench

import "time"

// procSample is one reading of a process's resource use.
type procSample struct {
	// RSS is the resident set size now, PeakRSS the largest since the
	// process started (both in bytes).
	RSS, PeakRSS int64
	// CPU is the user plus system time the process has used.
	CPU time.Duration
}
