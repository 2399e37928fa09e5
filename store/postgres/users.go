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

const userColumns = `id, email, role, password_hash, created_at, updated_at`

func scanUser(row pgx.Row) (store.User, error) {
	var (
		u                store.User
		created, updated pgtype.Timestamptz
	)
	if err := row.Scan(&u.ID, &u.Email, &u.Role, &u.PasswordHash, &created, &updated); err != nil {
		return store.User{}, err
	}
	u.CreatedAt, u.UpdatedAt = fromTS(created), fromTS(updated)
	return u, nil
}

// UserCreate stores a new user; store.ErrConflict where the email is taken.
func (s *Store) UserCreate(ctx context.Context, u store.User) error {
	if u.ID == "" || u.Email == "" {
		return errors.New("create user: empty id or email")
	}
	at := ts(store.OrNow(u.CreatedAt))
	if _, err := s.pool.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $5)`,
		text(u.ID), text(u.Email), text(u.Role), text(u.PasswordHash), at); err != nil {
		return fmt.Errorf("create user %s: %w", u.Email, conflict(err))
	}
	return nil
}

// UserGet returns a user by id.
func (s *Store) UserGet(ctx context.Context, id string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, text(id)))
	if err != nil {
		return store.User{}, fmt.Errorf("get user %s: %w", id, notFound(err))
	}
	return u, nil
}

// UserGetByEmail returns a user by email.
func (s *Store) UserGetByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, text(email)))
	if err != nil {
		return store.User{}, fmt.Errorf("get user %s: %w", email, notFound(err))
	}
	return u, nil
}

// UserList returns every user, ordered by email.
func (s *Store) UserList(ctx context.Context) ([]store.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	out, err := collect(rows, scanUser)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// UserUpdate changes a user's role and/or password hash; a new password
// hash ends the user's sessions.
func (s *Store) UserUpdate(ctx context.Context, p store.UserUpdateParams) (store.User, error) {
	var u store.User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, `
			UPDATE users SET role = CASE WHEN $1 = '' THEN role ELSE $1 END,
			                 password_hash = CASE WHEN $2 = '' THEN password_hash ELSE $2 END,
			                 updated_at = $3
			WHERE id = $4 RETURNING `+userColumns,
			text(p.Role), text(p.PasswordHash), ts(store.OrNow(p.Now)), text(p.ID)))
		if err != nil {
			return notFound(err)
		}
		if p.PasswordHash != "" {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, text(p.ID)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return store.User{}, fmt.Errorf("update user %s: %w", p.ID, err)
	}
	return u, nil
}

// UserDelete removes a user with its sessions and tokens.
func (s *Store) UserDelete(ctx context.Context, id string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, text(id))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, text(id)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM api_tokens WHERE user_id = $1`, text(id))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete user %s: %w", id, err)
	}
	return nil
}

// SessionCreate stores a session.
func (s *Store) SessionCreate(ctx context.Context, ss store.Session) error {
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO sessions (id_hash, user_id, admin_token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		text(ss.IDHash), text(ss.UserID), text(ss.AdminTokenHash), ts(store.OrNow(ss.CreatedAt)), ts(ss.ExpiresAt)); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionGet returns a session by its id hash.
func (s *Store) SessionGet(ctx context.Context, idHash string) (store.Session, error) {
	var (
		ss               store.Session
		created, expires pgtype.Timestamptz
	)
	err := s.pool.QueryRow(ctx, `
		SELECT id_hash, user_id, admin_token_hash, created_at, expires_at FROM sessions WHERE id_hash = $1`, text(idHash)).
		Scan(&ss.IDHash, &ss.UserID, &ss.AdminTokenHash, &created, &expires)
	if err != nil {
		return store.Session{}, fmt.Errorf("get session: %w", notFound(err))
	}
	ss.CreatedAt, ss.ExpiresAt = fromTS(created), fromTS(expires)
	return ss, nil
}

// SessionDelete ends a session.
func (s *Store) SessionDelete(ctx context.Context, idHash string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, text(idHash)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// SessionPrune deletes the sessions expired before before.
func (s *Store) SessionPrune(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1`, ts(before))
	if err != nil {
		return 0, fmt.Errorf("prune sessions: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

const tokenColumns = `id, user_id, name, role, hash, expires_at, created_at`

func scanToken(row pgx.Row) (store.APIToken, error) {
	var (
		t                store.APIToken
		expires, created pgtype.Timestamptz
	)
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Role, &t.Hash, &expires, &created); err != nil {
		return store.APIToken{}, err
	}
	t.ExpiresAt, t.CreatedAt = fromTS(expires), fromTS(created)
	return t, nil
}

// APITokenCreate stores a personal API token.
func (s *Store) APITokenCreate(ctx context.Context, t store.APIToken) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO api_tokens (`+tokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		text(t.ID), text(t.UserID), text(t.Name), text(t.Role), text(t.Hash), ts(t.ExpiresAt), ts(store.OrNow(t.CreatedAt))); err != nil {
		return fmt.Errorf("create token %s: %w", t.Name, conflict(err))
	}
	return nil
}

// APITokenGetByHash resolves a token by its hash.
func (s *Store) APITokenGetByHash(ctx context.Context, hash string) (store.APIToken, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE hash = $1`, text(hash)))
	if err != nil {
		return store.APIToken{}, fmt.Errorf("get token: %w", notFound(err))
	}
	return t, nil
}

// APITokenList returns a user's tokens (everyone's for ""), newest first.
func (s *Store) APITokenList(ctx context.Context, userID string) ([]store.APIToken, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+tokenColumns+` FROM api_tokens WHERE $1 = '' OR user_id = $1 ORDER BY created_at DESC, id DESC`, text(userID))
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out, err := collect(rows, scanToken)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// APITokenDelete revokes a token.
func (s *Store) APITokenDelete(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM api_tokens WHERE id = $1`, text(id))
	if err != nil {
		return fmt.Errorf("delete token %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete token %s: %w", id, store.ErrNotFound)
	}
	return nil
}
