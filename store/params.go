package store

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Limits of list calls (RunList, EventListByWorkflow): a limit of 0 or less
// gives DefaultListLimit, and more than MaxListLimit gives MaxListLimit.
const (
	DefaultListLimit = 50
	MaxListLimit     = 1000
)

// DefaultPruneBatch is how many runs Prune deletes per transaction when
// PruneParams.Limit is 0 or less.
const DefaultPruneBatch = 1000

// Batch is the bound on each of Prune's transactions (see Limit): Limit,
// or DefaultPruneBatch when Limit is 0 or less.
func (p PruneParams) Batch() int {
	if p.Limit <= 0 {
		return DefaultPruneBatch
	}
	return p.Limit
}

// OrNow returns t, or the current time when t is zero (the Now of params
// left unset).
func OrNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// NonNil returns b, or an empty slice for nil: drivers bind nil as NULL,
// which NOT NULL byte columns refuse.
func NonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// ClampLimit applies the list limits to a requested limit.
func ClampLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultListLimit
	case n > MaxListLimit:
		return MaxListLimit
	}
	return n
}

// Check reports claim parameters no driver can act on: an empty owner or a
// lease that is not positive. (A Limit of 0 or less is valid and claims
// nothing.)
func (p RunClaimParams) Check() error {
	if p.Owner == "" {
		return errors.New("claim runs: empty owner")
	}
	if p.LeaseFor <= 0 {
		return fmt.Errorf("claim runs: lease duration %v is not positive", p.LeaseFor)
	}
	return nil
}

// Check reports an update no driver can apply: a status that is not one
// of the run statuses.
func (p RunUpdateParams) Check() error {
	switch p.Status {
	case StatusQueued, StatusRunning, StatusRetrying, StatusWaiting:
		return nil
	}
	if !Finished(p.Status) {
		return fmt.Errorf("update run %s: unknown status %q", p.ID, p.Status)
	}
	return nil
}

// CheckUpdates is Check for each of updates.
func CheckUpdates(updates []RunUpdateParams) error {
	for _, p := range updates {
		if err := p.Check(); err != nil {
			return err
		}
	}
	return nil
}

// CheckAccept reports accept parameters no driver can store: an empty
// event, run or workflow id, or a Status that is not a final one.
func CheckAccept(p EventAcceptParams) error {
	if p.Event.ID == "" || p.RunID == "" || p.Event.WorkflowID == "" {
		return errors.New("empty event id, run id or workflow id")
	}
	if p.Status != "" && !Finished(p.Status) {
		return fmt.Errorf("run %s: status %q is not a final status", p.RunID, p.Status)
	}
	if p.NextStep < 0 {
		return fmt.Errorf("run %s: negative next step %d", p.RunID, p.NextStep)
	}
	return nil
}

// NewHookKey returns a fresh unguessable hook key: 192 random bits,
// base64url. Drivers use it when WorkflowSave creates a workflow without
// one; callers that rotate keys use it too.
func NewHookKey() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
