package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookflow/hookflow/store"
)

// SecretPut stores a secret's ciphertext, replacing any earlier one; the
// first put's time stays its CreatedAt.
func (s *Store) SecretPut(ctx context.Context, name string, ciphertext []byte, now time.Time) error {
	if name == "" {
		return errors.New("put secret: empty name")
	}
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO secrets (name, ciphertext, created_at, updated_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
		text(name), store.NonNil(ciphertext), ts(store.OrNow(now))); err != nil {
		return fmt.Errorf("put secret %s: %w", name, err)
	}
	return nil
}

// SecretList returns every secret, ordered by name.
func (s *Store) SecretList(ctx context.Context) ([]store.Secret, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, ciphertext, created_at, updated_at FROM secrets ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	out, err := collect(rows, func(row pgx.Row) (store.Secret, error) {
		var (
			sec              store.Secret
			created, updated pgtype.Timestamptz
		)
		if err := row.Scan(&sec.Name, &sec.Ciphertext, &created, &updated); err != nil {
			return store.Secret{}, err
		}
		sec.Ciphertext = store.NonNil(sec.Ciphertext)
		sec.CreatedAt, sec.UpdatedAt = fromTS(created), fromTS(updated)
		return sec, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	return out, nil
}

// SecretDelete removes a secret; store.ErrNotFound if there is none.
func (s *Store) SecretDelete(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM secrets WHERE name = $1`, text(name))
	if err != nil {
		return fmt.Errorf("delete secret %s: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete secret %s: %w", name, store.ErrNotFound)
	}
	return nil
}
