package store

import (
	"context"
	"time"
)

// AuditStore keeps the audit log: who changed what, when and from where.
type AuditStore interface {
	// AuditInsert appends an entry.
	AuditInsert(ctx context.Context, e AuditEntry) error
	// AuditList returns entries newest first, filtered and paginated.
	AuditList(ctx context.Context, p AuditListParams) ([]AuditEntry, error)
	// AuditPrune deletes the entries made before before and says how many.
	AuditPrune(ctx context.Context, before time.Time) (int, error)
}

// AuditEntry is one recorded change. IDs are UUIDv7: a later entry's id
// sorts higher.
type AuditEntry struct {
	ID string
	At time.Time
	// Actor is who: a user's email, or "admin token".
	Actor string
	// Via is how they came: "session", "token NAME" (a personal API
	// token), "bearer" (the admin token in the header), or "" for a
	// login attempt.
	Via string
	// Client is the client's address.
	Client string
	// Action is what, e.g. "workflow.update", "secret.set", "login.failed".
	Action string
	// Target names the thing changed: a workflow, secret, user id...
	Target string
	// RevisionBefore and RevisionAfter are a workflow's revision before
	// and after the change, 0 where there is none.
	RevisionBefore int
	RevisionAfter  int
	// Detail is a short JSON object with more (never a secret's value).
	Detail string
}

// AuditListParams filter AuditList: each non-zero field narrows it.
type AuditListParams struct {
	Actor  string
	Action string
	Since  time.Time // at or after
	Until  time.Time // before
	// Before is a cursor: entries with an id below it.
	Before string
	Limit  int
}
