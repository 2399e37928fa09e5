package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookflow/hookflow/store"
)

// TokenGet returns the token kept under key.
func (s *Store) TokenGet(ctx context.Context, key string) (store.Token, error) {
	var (
		t                  store.Token
		refresh, updatedAt pgtype.Timestamptz
	)
	err := s.pool.QueryRow(ctx, `
		SELECT key, ciphertext, refresh_at, updated_at FROM tokens WHERE key = $1 AND length(ciphertext) > 0`, text(key)).
		Scan(&t.Key, &t.Ciphertext, &refresh, &updatedAt)
	if err != nil {
		return store.Token{}, fmt.Errorf("get token: %w", notFound(err))
	}
	t.RefreshAt, t.UpdatedAt = fromTS(refresh), fromTS(updatedAt)
	return t, nil
}

// TokenPut keeps a token, ending the lock on it.
func (s *Store) TokenPut(ctx context.Context, p store.TokenPutParams) error {
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO tokens (key, ciphertext, refresh_at, locked_until, updated_at) VALUES ($1, $2, $3, NULL, $4)
		ON CONFLICT (key) DO UPDATE SET ciphertext = excluded.ciphertext, refresh_at = excluded.refresh_at,
			locked_until = NULL, updated_at = excluded.updated_at`,
		text(p.Key), store.NonNil(p.Ciphertext), ts(p.RefreshAt), ts(store.OrNow(p.Now))); err != nil {
		return fmt.Errorf("put token: %w", err)
	}
	return nil
}

// TokenLock takes the right to fetch a token where nobody holds it: one
// statement, so that of replicas asking at once exactly one gets it.
func (s *Store) TokenLock(ctx context.Context, p store.TokenLockParams) (bool, error) {
	now := ts(store.OrNow(p.Now))
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO tokens (key, ciphertext, refresh_at, locked_until, updated_at) VALUES ($1, '', NULL, $2, $3)
		ON CONFLICT (key) DO UPDATE SET locked_until = excluded.locked_until
		WHERE tokens.locked_until IS NULL OR tokens.locked_until <= $3`,
		text(p.Key), ts(p.Until), now)
	if err != nil {
		return false, fmt.Errorf("lock token: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// TokenUnlock ends the lock on a token.
func (s *Store) TokenUnlock(ctx context.Context, key string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE tokens SET locked_until = NULL WHERE key = $1`, text(key)); err != nil {
		return fmt.Errorf("unlock token: %w", err)
	}
	return nil
}
