package engine

import (
	"context"
	"time"
)

// DefaultAuditRetention is how long audit log entries are kept when
// Config.AuditRetention is 0.
const DefaultAuditRetention = 365 * 24 * time.Hour

// PruneAudit deletes the audit log entries older than
// Config.AuditRetention (DefaultAuditRetention when 0; a negative one keeps
// them for ever) and the editor sessions that have expired. The retention
// loop calls it; it is exported for tools and tests.
func (e *Engine) PruneAudit(ctx context.Context) (entries, sessions int, err error) {
	if e.store == nil {
		return 0, 0, nil
	}
	now := e.now().UTC()
	sessions, err = e.store.SessionPrune(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("retention: prune expired sessions", "err", err)
		}
		return 0, 0, err
	}
	keep := e.cfg.AuditRetention
	if keep == 0 {
		keep = DefaultAuditRetention
	}
	if keep < 0 {
		return 0, sessions, nil
	}
	before := now.Add(-keep)
	entries, err = e.store.AuditPrune(ctx, before)
	if err != nil && ctx.Err() == nil {
		e.log.Error("retention: prune the audit log", "err", err)
	}
	if entries > 0 {
		e.log.Info("retention: pruned old audit log entries", "entries", entries, "before", before)
	}
	return entries, sessions, err
}
