package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
)

// SecretPut stores a secret's ciphertext, replacing any earlier one; the
// first put's time stays its CreatedAt.
func (s *Store) SecretPut(ctx context.Context, name string, ciphertext []byte, now time.Time) error {
	if name == "" {
		return errors.New("put secret: empty name")
	}
	at := nanos(store.OrNow(now))
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO secrets (name, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
			name, store.NonNil(ciphertext), at, at)
		return err
	})
	if err != nil {
		return fmt.Errorf("put secret %s: %w", name, err)
	}
	return nil
}

// SecretList returns every secret, ordered by name.
func (s *Store) SecretList(ctx context.Context) ([]store.Secret, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT name, ciphertext, created_at, updated_at FROM secrets ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	defer rows.Close()
	var out []store.Secret
	for rows.Next() {
		var (
			sec              store.Secret
			created, updated int64
		)
		if err := rows.Scan(&sec.Name, &sec.Ciphertext, &created, &updated); err != nil {
			return nil, fmt.Errorf("list secrets: %w", err)
		}
		sec.CreatedAt, sec.UpdatedAt = fromNanos(created), fromNanos(updated)
		out = append(out, sec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	return out, nil
}

// SecretDelete removes a secret; store.ErrNotFound if there is none.
func (s *Store) SecretDelete(ctx context.Context, name string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM secrets WHERE name = ?`, name)
		if err != nil {
			return err
		}
		return deletedOne(res)
	})
	if err != nil {
		return fmt.Errorf("delete secret %s: %w", name, err)
	}
	return nil
}
