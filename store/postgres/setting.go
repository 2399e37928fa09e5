package postgres

import (
	"context"
	"fmt"
)

// SettingGet returns a named value; store.ErrNotFound if it was never put.
func (s *Store) SettingGet(ctx context.Context, name string) (string, error) {
	var v string
	if err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, text(name)).Scan(&v); err != nil {
		return "", fmt.Errorf("get setting %s: %w", name, notFound(err))
	}
	return v, nil
}

// SettingPut stores a named value, replacing any earlier one.
func (s *Store) SettingPut(ctx context.Context, name, value string) error {
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO settings (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, text(name), text(value)); err != nil {
		return fmt.Errorf("put setting %s: %w", name, err)
	}
	return nil
}
