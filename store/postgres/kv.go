package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookflow/hookflow/store"
)

const kvColumns = `scope, key, value, expires_at, created_at, updated_at`

// KVGet returns a live entry; store.ErrNotFound where there is none.
func (s *Store) KVGet(ctx context.Context, p store.KVGetParams) (store.KV, error) {
	e, err := scanKV(s.pool.QueryRow(ctx, `SELECT `+kvColumns+` FROM kv
		WHERE scope = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > $3)`,
		text(p.Scope), text(p.Key), ts(store.OrNow(p.Now))))
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

// kvWrite applies change to an entry in one transaction, recording the
// result under w.OpID where set, or returning the one recorded before.
// Writers of one key, on any replica, take turns on a transaction-level
// advisory lock on it: a row lock would not cover a key not yet written.
func (s *Store) kvWrite(ctx context.Context, what string, w store.KVWrite, change store.KVChange) (store.KVResult, error) {
	if err := store.KVCheckKey(w.Key); err != nil {
		return store.KVResult{}, fmt.Errorf("%s key: %w", what, err)
	}
	now := store.OrNow(w.Now)
	var res store.KVResult
	err := s.tx(ctx, func(tx pgx.Tx) error {
		res = store.KVResult{}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, text(w.Scope), w.Key); err != nil {
			return err
		}
		if w.OpID != "" {
			var recorded string
			err := tx.QueryRow(ctx, `SELECT result FROM kv_ops WHERE op_id = $1`, text(w.OpID)).Scan(&recorded)
			if err == nil {
				res.Replayed = true
				return json.Unmarshal([]byte(recorded), &res)
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		var cur *store.KV
		e, err := scanKV(tx.QueryRow(ctx, `SELECT `+kvColumns+` FROM kv WHERE scope = $1 AND key = $2`, text(w.Scope), w.Key))
		switch {
		case err == nil:
			if e.Live(now) {
				cur = &e
			}
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		next, err := change(cur)
		if err != nil {
			return err
		}
		res.Existed = cur != nil
		switch {
		case next == nil:
			if cur != nil {
				res.Entry = *cur
			}
			if _, err := tx.Exec(ctx, `DELETE FROM kv WHERE scope = $1 AND key = $2`, text(w.Scope), w.Key); err != nil {
				return err
			}
		case next == cur:
			res.Entry = *cur
		default:
			res.Entry = *next
			if _, err := tx.Exec(ctx, `
				INSERT INTO kv (`+kvColumns+`) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
					created_at = excluded.created_at, updated_at = excluded.updated_at`,
				text(next.Scope), next.Key, text(string(next.Value)), ts(next.ExpiresAt), ts(next.CreatedAt), ts(next.UpdatedAt)); err != nil {
				return err
			}
		}
		if w.OpID != "" {
			b, err := json.Marshal(res)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO kv_ops (op_id, result, created_at) VALUES ($1, $2, $3)`,
				text(w.OpID), string(b), ts(now)); err != nil {
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
	rows, err := s.pool.Query(ctx, `SELECT `+kvColumns+` FROM kv
		WHERE scope = $1 AND key COLLATE "C" > $2 AND starts_with(key, $3) AND (expires_at IS NULL OR expires_at > $4)
		ORDER BY key COLLATE "C" LIMIT $5`,
		text(p.Scope), text(p.After), text(p.Prefix), ts(store.OrNow(p.Now)), store.ClampLimit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	out, err := collect(rows, scanKV)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	if out == nil {
		out = []store.KV{}
	}
	return out, nil
}

// KVPrune deletes expired entries and old op records.
func (s *Store) KVPrune(ctx context.Context, p store.KVPruneParams) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM kv WHERE expires_at <= $1`, ts(store.OrNow(p.Now)))
	if err != nil {
		return 0, fmt.Errorf("prune keys: %w", err)
	}
	if !p.OpsBefore.IsZero() {
		if _, err := s.pool.Exec(ctx, `DELETE FROM kv_ops WHERE created_at < $1`, ts(p.OpsBefore)); err != nil {
			return 0, fmt.Errorf("prune key ops: %w", err)
		}
	}
	return int(tag.RowsAffected()), nil
}

func scanKV(row pgx.Row) (store.KV, error) {
	var (
		e                         store.KV
		value                     string
		expires, created, updated pgtype.Timestamptz
	)
	if err := row.Scan(&e.Scope, &e.Key, &value, &expires, &created, &updated); err != nil {
		return store.KV{}, err
	}
	e.Value = json.RawMessage(value)
	e.ExpiresAt, e.CreatedAt, e.UpdatedAt = fromTS(expires), fromTS(created), fromTS(updated)
	return e, nil
}
