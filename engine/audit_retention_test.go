package engine

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/store"
)

// TestPruneAudit: audit log entries older than Config.AuditRetention go,
// newer ones stay; expired sessions go, live ones stay.
func TestPruneAudit(t *testing.T) {
	t.Parallel()
	clk := newClock()
	b := setup(t, withClock(clk), withConfig(func(c *Config) { c.AuditRetention = 48 * time.Hour }))
	now := clk.Now()
	for _, age := range []time.Duration{72 * time.Hour, 49 * time.Hour, 47 * time.Hour, time.Minute} {
		if err := b.db.AuditInsert(b.ctx, store.AuditEntry{ID: uuid.Must(uuid.NewV7()).String(), At: now.Add(-age), Actor: "a", Action: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	for id, exp := range map[string]time.Time{"gone": now.Add(-time.Second), "live": now.Add(time.Hour)} {
		if err := b.db.SessionCreate(b.ctx, store.Session{IDHash: id, UserID: "u", CreatedAt: now.Add(-time.Hour), ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	// The retention loop may have pruned some already: counts are not
	// checked, what is left is.
	if _, _, err := b.engine.PruneAudit(b.ctx); err != nil {
		t.Fatalf("PruneAudit: %v", err)
	}
	left, err := b.db.AuditList(b.ctx, store.AuditListParams{})
	if err != nil || len(left) != 2 {
		t.Fatalf("left %d entries, %v", len(left), err)
	}
	for _, e := range left {
		if now.Sub(e.At) > 48*time.Hour {
			t.Errorf("an entry of %s ago is kept", now.Sub(e.At))
		}
	}
	if _, err := b.db.SessionGet(b.ctx, "live"); err != nil {
		t.Errorf("the live session: %v", err)
	}
	if _, err := b.db.SessionGet(b.ctx, "gone"); err == nil {
		t.Error("the expired session is kept")
	}
}
