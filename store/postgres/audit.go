package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookflow/hookflow/store"
)

// AuditInsert appends an entry to the audit log.
func (s *Store) AuditInsert(ctx context.Context, e store.AuditEntry) error {
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO audit_log (id, at, actor, via, client, action, target, revision_before, revision_after, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		text(e.ID), ts(store.OrNow(e.At)), text(e.Actor), text(e.Via), text(e.Client), text(e.Action), text(e.Target),
		e.RevisionBefore, e.RevisionAfter, text(e.Detail)); err != nil {
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
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if p.Actor != "" {
		add("actor = ?", text(p.Actor))
	}
	if p.Action != "" {
		add("action = ?", text(p.Action))
	}
	if !p.Since.IsZero() {
		add("at >= ?", ts(p.Since))
	}
	if !p.Until.IsZero() {
		add("at < ?", ts(p.Until))
	}
	if p.Before != "" {
		add("id < ?", text(p.Before))
	}
	q := `SELECT id, at, actor, via, client, action, target, revision_before, revision_after, detail FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	q += " ORDER BY id DESC LIMIT $" + strconv.Itoa(len(args))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	out, err := collect(rows, func(row pgx.Row) (store.AuditEntry, error) {
		var (
			e  store.AuditEntry
			at pgtype.Timestamptz
		)
		if err := row.Scan(&e.ID, &at, &e.Actor, &e.Via, &e.Client, &e.Action, &e.Target, &e.RevisionBefore, &e.RevisionAfter, &e.Detail); err != nil {
			return store.AuditEntry{}, err
		}
		e.At = fromTS(at)
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return out, nil
}

// auditPruneBatch is how many entries one prune statement deletes, so
// that no statement holds locks for long.
const auditPruneBatch = 1000

// AuditPrune deletes the entries made before before, a batch per
// statement.
func (s *Store) AuditPrune(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		tag, err := s.pool.Exec(ctx, `
			DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1 LIMIT $2)`, ts(before), auditPruneBatch)
		if err != nil {
			return total, fmt.Errorf("prune audit log: %w", err)
		}
		n := int(tag.RowsAffected())
		total += n
		if n < auditPruneBatch {
			return total, nil
		}
	}
}
