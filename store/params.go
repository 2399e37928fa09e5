package store

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
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

// NewHookKey returns a fresh unguessable trigger key: 192 random bits,
// base64url. Drivers use it when WorkflowSave creates a workflow without
// one; callers that rotate keys use it too.
func NewHookKey() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
