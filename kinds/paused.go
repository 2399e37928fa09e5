package kinds

import (
	"time"

	"github.com/hookflow/hookflow/workflows"
)

// PausedError is Runtime.Deliver's answer where the request's destination
// is paused, having failed too often in a row: no request was made (Err
// nil), or the request was the probe of the paused destination and failed
// (Err); either way the step is to be tried again at Until, without it
// counting as one of its attempts.
type PausedError struct {
	// Destination is scheme://host:port.
	Destination string
	Until       time.Time
	// Err is the failure of the probe, where this request was one.
	Err error
}

// Error reads "destination paused: https://api.example.com:443", after the
// probe's failure where there is one; runs waiting on the destination are
// found by its end.
func (e *PausedError) Error() string {
	if e.Err != nil {
		return e.Err.Error() + "; destination paused: " + e.Destination
	}
	return "destination paused: " + e.Destination
}

// Unwrap is the probe's failure.
func (e *PausedError) Unwrap() error { return e.Err }

// pauseAfterField describes a step's pause_after, for the editor.
var pauseAfterField = workflows.Field{Name: "pause_after", Label: "Pause after failures", Kind: workflows.ValueNumber,
	Help: "Failed attempts in a row to this step's destination (across runs) after which calls to it are paused, " +
		"and runs wait without using up their retries until it answers again. Empty: the server's setting (20); 0: never pause for this step."}

// pauseAfterSetting is what a step's pause_after means to Runtime.Deliver:
// nil (not set) is the server's setting (0), 0 is never (-1).
func pauseAfterSetting(n *int) int {
	switch {
	case n == nil:
		return 0
	case *n == 0:
		return -1
	}
	return *n
}
