package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hookflow/hookflow/store"
)

// TokenGet returns the token kept under key.
func (s *Store) TokenGet(ctx context.Context, key string) (store.Token, error) {
	var (
		t                  store.Token
		refresh, updatedAt int64
	)
	err := s.reader.QueryRowContext(ctx, `
		SELECT key, ciphertext, refresh_at, updated_at FROM tokens WHERE key = ? AND length(ciphertext) > 0`, key).
		Scan(&t.Key, &t.Ciphertext, &refresh, &updatedAt)
	if err != nil {
		return store.Token{}, fmt.Errorf("get token: %w", notFound(err))
	}
	t.RefreshAt, t.UpdatedAt = fromNanos(refresh), fromNanos(updatedAt)
	return t, nil
}

// TokenPut keeps a token, ending the lock on it.
func (s *Store) TokenPut(ctx context.Context, p store.TokenPutParams) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO tokens (key, ciphertext, refresh_at, locked_until, updated_at) VALUES (?, ?, ?, 0, ?)
			ON CONFLICT (key) DO UPDATE SET ciphertext = excluded.ciphertext, refresh_at = excluded.refresh_at,
				locked_until = 0, updated_at = excluded.updated_at`,
			p.Key, store.NonNil(p.Ciphertext), nanos(p.RefreshAt), nanos(store.OrNow(p.Now)))
		return err
	})
	if err != nil {
		return fmt.Errorf("put token: %w", err)
	}
	return nil
}

// TokenLock takes the right to fetch a token where nobody holds it.
func (s *Store) TokenLock(ctx context.Context, p store.TokenLockParams) (bool, error) {
	now := nanos(store.OrNow(p.Now))
	var took bool
	err := s.writeQueue(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			INSERT INTO tokens (key, ciphertext, refresh_at, locked_until, updated_at) VALUES (?, x'', 0, ?, ?)
			ON CONFLICT (key) DO UPDATE SET locked_until = excluded.locked_until
			WHERE tokens.locked_until <= ?`,
			p.Key, nanos(p.Until), now, now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		took = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("lock token: %w", err)
	}
	return took, nil
}

// TokenUnlock ends the lock on a token.
func (s *Store) TokenUnlock(ctx context.Context, key string) error {
	err := s.writeQueue(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE tokens SET locked_until = 0 WHERE key = ?`, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("unlock token: %w", err)
	}
	return nil
}
