package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// SettingGet returns a named value; store.ErrNotFound if it was never put.
func (s *Store) SettingGet(ctx context.Context, name string) (string, error) {
	var v string
	if err := s.reader.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v); err != nil {
		return "", fmt.Errorf("get setting %s: %w", name, notFound(err))
	}
	return v, nil
}

// SettingPut stores a named value, replacing any earlier one.
func (s *Store) SettingPut(ctx context.Context, name, value string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO settings (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
		return err
	})
	if err != nil {
		return fmt.Errorf("put setting %s: %w", name, err)
	}
	return nil
}
