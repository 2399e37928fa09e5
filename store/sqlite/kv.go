package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hookflow/hookflow/store"
)

// KVGet returns a live entry; store.ErrNotFound where there is none.
func (s *Store) KVGet(ctx context.Context, p store.KVGetParams) (store.KV, error) {
	e, err := scanKV(s.reader.QueryRowContext(ctx, `
		SELECT scope, key, value, expires_at, created_at, updated_at FROM kv
		WHERE scope = ? AND key = ? AND (expires_at = 0 OR expires_at > ?)`,
		p.Scope, p.Key, nanos(store.OrNow(p.Now))))
	if err != nil {
		return store.KV{}, fmt.Errorf("get key %q: %w", p.Key, notFound(err))
	}
	return e, nil
}

// KVSet replaces an entry's value.
func (s *Store) KVSet(ctx context.Context, p store.KVSetParams) (store.KVResult, error) {
	return s.kvWrite(ctx, "set", p.KVWrite, p.Change())
}

// KVIncr adds to the number an entry holds.
func (s *Store) KVIncr(ctx context.Context, p store.KVIncrParams) (store.KVResult, error) {
	return s.kvWrite(ctx, "incr", p.KVWrite, p.Change())
}

// KVDelete removes an entry.
func (s *Store) KVDelete(ctx context.Context, p store.KVDeleteParams) (store.KVResult, error) {
	return s.kvWrite(ctx, "delete", p.KVWrite, p.Change())
}

// KVAppend adds an item to the list an entry holds.
func (s *Store) KVAppend(ctx context.Context, p store.KVAppendParams) (store.KVResult, error) {
	return s.kvWrite(ctx, "append to", p.KVWrite, p.Change())
}

// KVSetIfAbsent sets an entry where there is no live one.
func (s *Store) KVSetIfAbsent(ctx context.Context, p store.KVSetIfAbsentParams) (store.KVResult, error) {
	return s.kvWrite(ctx, "set if absent", p.KVWrite, p.Change())
}

// kvWrite applies change to an entry in one write transaction (SQLite has
// one writer, so the read and the write are atomic), recording the result
// under w.OpID where set, or returning the one recorded before.
func (s *Store) kvWrite(ctx context.Context, what string, w store.KVWrite, change store.KVChange) (store.KVResult, error) {
	if err := store.KVCheckKey(w.Key); err != nil {
		return store.KVResult{}, fmt.Errorf("%s key: %w", what, err)
	}
	now := store.OrNow(w.Now)
	var res store.KVResult
	err := s.write(ctx, func(tx *sql.Tx) error {
		if w.OpID != "" {
			var recorded string
			err := tx.QueryRowContext(ctx, `SELECT result FROM kv_ops WHERE op_id = ?`, w.OpID).Scan(&recorded)
			if err == nil {
				res.Replayed = true
				return json.Unmarshal([]byte(recorded), &res)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		var cur *store.KV
		e, err := scanKV(tx.QueryRowContext(ctx, `
			SELECT scope, key, value, expires_at, created_at, updated_at FROM kv WHERE scope = ? AND key = ?`,
			w.Scope, w.Key))
		switch {
		case err == nil:
			if e.Live(now) {
				cur = &e
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		next, err := change(cur)
		if err != nil {
			return err
		}
		res = store.KVResult{Existed: cur != nil}
		switch {
		case next == nil:
			if cur != nil {
				res.Entry = *cur
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM kv WHERE scope = ? AND key = ?`, w.Scope, w.Key); err != nil {
				return err
			}
		case next == cur:
			res.Entry = *cur
		default:
			res.Entry = *next
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO kv (scope, key, value, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
					created_at = excluded.created_at, updated_at = excluded.updated_at`,
				next.Scope, next.Key, string(next.Value), nanos(next.ExpiresAt), nanos(next.CreatedAt), nanos(next.UpdatedAt)); err != nil {
				return err
			}
		}
		if w.OpID != "" {
			b, err := json.Marshal(res)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO kv_ops (op_id, result, created_at) VALUES (?, ?, ?)`,
				w.OpID, string(b), nanos(now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return store.KVResult{}, fmt.Errorf("%s key %q: %w", what, w.Key, err)
	}
	return res, nil
}

// KVList returns a scope's live entries under a prefix, ordered by key.
func (s *Store) KVList(ctx context.Context, p store.KVListParams) ([]store.KV, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT scope, key, value, expires_at, created_at, updated_at FROM kv
		WHERE scope = ? AND key > ? AND substr(key, 1, length(?)) = ? AND (expires_at = 0 OR expires_at > ?)
		ORDER BY key LIMIT ?`,
		p.Scope, p.After, p.Prefix, p.Prefix, nanos(store.OrNow(p.Now)), store.ClampLimit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	defer rows.Close()
	out := []store.KV{}
	for rows.Next() {
		e, err := scanKV(rows)
		if err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return out, nil
}

// KVPrune deletes expired entries and old op records.
func (s *Store) KVPrune(ctx context.Context, p store.KVPruneParams) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM kv WHERE expires_at > 0 AND expires_at <= ?`, nanos(store.OrNow(p.Now)))
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if !p.OpsBefore.IsZero() {
			_, err = tx.ExecContext(ctx, `DELETE FROM kv_ops WHERE created_at < ?`, nanos(p.OpsBefore))
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune keys: %w", err)
	}
	return int(n), nil
}

func scanKV(sc scanner) (store.KV, error) {
	var (
		e                         store.KV
		value                     string
		expires, created, updated int64
	)
	if err := sc.Scan(&e.Scope, &e.Key, &value, &expires, &created, &updated); err != nil {
		return store.KV{}, err
	}
	e.Value = json.RawMessage(value)
	e.ExpiresAt, e.CreatedAt, e.UpdatedAt = fromNanos(expires), fromNanos(created), fromNanos(updated)
	return e, nil
}
