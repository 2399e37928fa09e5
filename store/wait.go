package store

import "time"

// Wait is a wait step's state in a run: until when it waits, and the
// request that resumed it, if one came.
type Wait struct {
	RunID  string
	StepID string
	// Until is when the wait gives up; zero: never.
	Until time.Time
	// Resume is what the resuming request brought (JSON, as the wait step
	// outputs it); nil until a request came.
	Resume []byte
	// ResumedAt is when the request came; zero until then.
	ResumedAt time.Time
}

// Resumed reports whether a request resumed the wait.
func (w Wait) Resumed() bool { return len(w.Resume) > 0 }

// WaitBeginParams records a wait step beginning to wait.
type WaitBeginParams struct {
	RunID  string
	StepID string
	// Until is when the wait gives up; zero: never.
	Until time.Time
}

// WaitResumeParams records the request that resumes a wait step.
type WaitResumeParams struct {
	RunID  string
	StepID string
	// Resume is the wait step's output (JSON, not empty).
	Resume []byte
	Now    time.Time
}
