package bench

import (
	"math"
	"time"
)

// procSample is one reading of a process's resource use.
type procSample struct {
	// RSS is the resident set size now, PeakRSS the largest since the
	// process started (both in bytes).
	RSS, PeakRSS int64
	// CPU is the user plus system time the process has used.
	CPU time.Duration
}

// machineSample is one reading of the whole machine's CPU time, in clock
// ticks summed over its CPUs.
type machineSample struct {
	// Total is all CPU time; Steal the part the hypervisor gave to other
	// machines while this one had work (Linux's steal time).
	Total, Steal int64
}

// stealPercent is the share of the machine's CPU time stolen between two
// readings, in percent to one decimal.
func stealPercent(from, to machineSample) (float64, bool) {
	total := to.Total - from.Total
	if total <= 0 {
		return 0, false
	}
	return math.Round(float64(to.Steal-from.Steal)/float64(total)*1000) / 10, true
}

// measureSteal starts measuring the machine's steal time; the function it
// returns gives the percent stolen since (nil where it cannot be read).
func measureSteal() func() *float64 {
	from, fromErr := readMachine()
	return func() *float64 {
		to, err := readMachine()
		if err != nil || fromErr != nil {
			return nil
		}
		steal, ok := stealPercent(from, to)
		if !ok {
			return nil
		}
		return &steal
	}
}

// stealNoteAbove is the steal share past which a run's figures are flagged.
const stealNoteAbove = 5.0
