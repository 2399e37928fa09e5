package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/hookflow/hookflow/store"
)

// AuditInsert appends an entry to the audit log.
func (s *Store) AuditInsert(ctx context.Context, e store.AuditEntry) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO audit_log (id, at, actor, via, client, action, target, revision_before, revision_after, detail)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, nanos(store.OrNow(e.At)), e.Actor, e.Via, e.Client, e.Action, e.Target, e.RevisionBefore, e.RevisionAfter, e.Detail)
		return err
	})
	if err != nil {
		return fmt.Errorf("record audit entry %s: %w", e.Action, err)
	}
	return nil
}

// AuditList returns entries newest first, filtered and paginated.
func (s *Store) AuditList(ctx context.Context, p store.AuditListParams) ([]store.AuditEntry, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) { where = append(where, cond); args = append(args, arg) }
	if p.Actor != "" {
		add("actor = ?", p.Actor)
	}
	if p.Action != "" {
		add("action = ?", p.Action)
	}
	if !p.Since.IsZero() {
		add("at >= ?", nanos(p.Since))
	}
	if !p.Until.IsZero() {
		add("at < ?", nanos(p.Until))
	}
	if p.Before != "" {
		add("id < ?", p.Before)
	}
	q := `SELECT id, at, actor, via, client, action, target, revision_before, revision_after, detail FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		var (
			e  store.AuditEntry
			at int64
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Via, &e.Client, &e.Action, &e.Target, &e.RevisionBefore, &e.RevisionAfter, &e.Detail); err != nil {
			return nil, fmt.Errorf("list audit log: %w", err)
		}
		e.At = fromNanos(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return out, nil
}

// auditPruneBatch is how many entries one prune transaction deletes, so
// that writers are never held up for long.
const auditPruneBatch = 1000

// AuditPrune deletes the entries made before before, a batch per
// transaction.
func (s *Store) AuditPrune(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		var n int64
		err := s.write(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `
				DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? LIMIT ?)`, nanos(before), auditPruneBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, fmt.Errorf("prune audit log: %w", err)
		}
		total += int(n)
		if n < auditPruneBatch {
			return total, nil
		}
	}
}
