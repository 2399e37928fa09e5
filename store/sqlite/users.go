package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
)

const userColumns = `id, email, role, password_hash, created_at, updated_at`

func scanUser(sc scanner) (store.User, error) {
	var (
		u                store.User
		created, updated int64
	)
	if err := sc.Scan(&u.ID, &u.Email, &u.Role, &u.PasswordHash, &created, &updated); err != nil {
		return store.User{}, err
	}
	u.CreatedAt, u.UpdatedAt = fromNanos(created), fromNanos(updated)
	return u, nil
}

// UserCreate stores a new user; store.ErrConflict where the email is taken.
func (s *Store) UserCreate(ctx context.Context, u store.User) error {
	if u.ID == "" || u.Email == "" {
		return errors.New("create user: empty id or email")
	}
	at := nanos(store.OrNow(u.CreatedAt))
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			u.ID, u.Email, u.Role, u.PasswordHash, at, at)
		return err
	})
	if isConstraint(err) {
		return fmt.Errorf("create user %s: %w", u.Email, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Email, err)
	}
	return nil
}

// UserGet returns a user by id.
func (s *Store) UserGet(ctx context.Context, id string) (store.User, error) {
	u, err := scanUser(s.reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return store.User{}, fmt.Errorf("get user %s: %w", id, notFound(err))
	}
	return u, nil
}

// UserGetByEmail returns a user by email.
func (s *Store) UserGetByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(s.reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	if err != nil {
		return store.User{}, fmt.Errorf("get user %s: %w", email, notFound(err))
	}
	return u, nil
}

// UserList returns every user, ordered by email.
func (s *Store) UserList(ctx context.Context) ([]store.User, error) {
	return queryList(ctx, s, "list users", scanUser, `SELECT `+userColumns+` FROM users ORDER BY email`)
}

// UserUpdate changes a user's role and/or password hash; a new password
// hash ends the user's sessions.
func (s *Store) UserUpdate(ctx context.Context, p store.UserUpdateParams) (store.User, error) {
	var u store.User
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE users SET role = CASE WHEN ? = '' THEN role ELSE ? END,
			                 password_hash = CASE WHEN ? = '' THEN password_hash ELSE ? END,
			                 updated_at = ?
			WHERE id = ?`,
			p.Role, p.Role, p.PasswordHash, p.PasswordHash, nanos(store.OrNow(p.Now)), p.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNotFound
		}
		if p.PasswordHash != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, p.ID); err != nil {
				return err
			}
		}
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, p.ID))
		return err
	})
	if err != nil {
		return store.User{}, fmt.Errorf("update user %s: %w", p.ID, err)
	}
	return u, nil
}

// UserDelete removes a user with its sessions and tokens.
func (s *Store) UserDelete(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if err := deletedOne(res); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE user_id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete user %s: %w", id, err)
	}
	return nil
}

// SessionCreate stores a session.
func (s *Store) SessionCreate(ctx context.Context, ss store.Session) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO sessions (id_hash, user_id, admin_token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			ss.IDHash, ss.UserID, ss.AdminTokenHash, nanos(store.OrNow(ss.CreatedAt)), nanos(ss.ExpiresAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionGet returns a session by its id hash.
func (s *Store) SessionGet(ctx context.Context, idHash string) (store.Session, error) {
	var (
		ss               store.Session
		created, expires int64
	)
	err := s.reader.QueryRowContext(ctx, `
		SELECT id_hash, user_id, admin_token_hash, created_at, expires_at FROM sessions WHERE id_hash = ?`, idHash).
		Scan(&ss.IDHash, &ss.UserID, &ss.AdminTokenHash, &created, &expires)
	if err != nil {
		return store.Session{}, fmt.Errorf("get session: %w", notFound(err))
	}
	ss.CreatedAt, ss.ExpiresAt = fromNanos(created), fromNanos(expires)
	return ss, nil
}

// SessionDelete ends a session.
func (s *Store) SessionDelete(ctx context.Context, idHash string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// SessionPrune deletes the sessions expired before before.
func (s *Store) SessionPrune(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, nanos(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune sessions: %w", err)
	}
	return int(n), nil
}

const tokenColumns = `id, user_id, name, role, hash, expires_at, created_at`

func scanToken(sc scanner) (store.APIToken, error) {
	var (
		t                store.APIToken
		expires, created int64
	)
	if err := sc.Scan(&t.ID, &t.UserID, &t.Name, &t.Role, &t.Hash, &expires, &created); err != nil {
		return store.APIToken{}, err
	}
	t.ExpiresAt, t.CreatedAt = fromNanos(expires), fromNanos(created)
	return t, nil
}

// APITokenCreate stores a personal API token.
func (s *Store) APITokenCreate(ctx context.Context, t store.APIToken) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (`+tokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.UserID, t.Name, t.Role, t.Hash, nanos(t.ExpiresAt), nanos(store.OrNow(t.CreatedAt)))
		return err
	})
	if isConstraint(err) {
		return fmt.Errorf("create token %s: %w", t.Name, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create token %s: %w", t.Name, err)
	}
	return nil
}

// APITokenGetByHash resolves a token by its hash.
func (s *Store) APITokenGetByHash(ctx context.Context, hash string) (store.APIToken, error) {
	t, err := scanToken(s.reader.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE hash = ?`, hash))
	if err != nil {
		return store.APIToken{}, fmt.Errorf("get token: %w", notFound(err))
	}
	return t, nil
}

// APITokenList returns a user's tokens (everyone's for ""), newest first.
func (s *Store) APITokenList(ctx context.Context, userID string) ([]store.APIToken, error) {
	return queryList(ctx, s, "list tokens", scanToken, `
		SELECT `+tokenColumns+` FROM api_tokens WHERE ? = '' OR user_id = ? ORDER BY created_at DESC, id DESC`, userID, userID)
}

// APITokenDelete revokes a token.
func (s *Store) APITokenDelete(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = ?`, id)
		if err != nil {
			return err
		}
		return deletedOne(res)
	})
	if err != nil {
		return fmt.Errorf("delete token %s: %w", id, err)
	}
	return nil
}
