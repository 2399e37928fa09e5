package store

import (
	"context"
	"time"
)

// UserStore keeps the people who log in (users with a role and a password
// hash), their editor sessions and their personal API tokens. Secrets
// never reach it in clear: a password is stored as its argon2id hash, a
// session and a token as the SHA-256 of the random value the user holds.
type UserStore interface {
	// UserCreate stores a new user; ErrConflict where the email is taken.
	UserCreate(ctx context.Context, u User) error
	// UserGet returns a user by id (ErrNotFound).
	UserGet(ctx context.Context, id string) (User, error)
	// UserGetByEmail returns a user by email, compared as stored (callers
	// store emails in lower case; ErrNotFound).
	UserGetByEmail(ctx context.Context, email string) (User, error)
	// UserList returns every user, ordered by email.
	UserList(ctx context.Context) ([]User, error)
	// UserUpdate changes a user's role and/or password hash (an empty
	// field is kept). A new password hash ends every session of the user,
	// in the same transaction. ErrNotFound where there is no such user.
	UserUpdate(ctx context.Context, p UserUpdateParams) (User, error)
	// UserDelete removes a user with its sessions and tokens
	// (ErrNotFound).
	UserDelete(ctx context.Context, id string) error

	// SessionCreate stores a session.
	SessionCreate(ctx context.Context, s Session) error
	// SessionGet returns a session by its id hash, expired or not
	// (ErrNotFound).
	SessionGet(ctx context.Context, idHash string) (Session, error)
	// SessionDelete ends a session; ending one that is gone is no error.
	SessionDelete(ctx context.Context, idHash string) error
	// SessionPrune deletes the sessions expired before before and says how
	// many.
	SessionPrune(ctx context.Context, before time.Time) (int, error)

	// APITokenCreate stores a personal API token (its hash).
	APITokenCreate(ctx context.Context, t APIToken) error
	// APITokenGetByHash resolves a presented token by its hash, expired
	// or not (ErrNotFound).
	APITokenGetByHash(ctx context.Context, hash string) (APIToken, error)
	// APITokenList returns the tokens of a user, or of everyone where
	// userID is empty, newest first.
	APITokenList(ctx context.Context, userID string) ([]APIToken, error)
	// APITokenDelete revokes a token (ErrNotFound).
	APITokenDelete(ctx context.Context, id string) error
}

// Roles, from least to most allowed.
const (
	RoleViewer = "viewer"
	RoleEditor = "editor"
	RoleAdmin  = "admin"
)

// User is a person who logs in.
type User struct {
	ID    string
	Email string
	Role  string
	// PasswordHash is the argon2id hash in its PHC string form.
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// UserUpdateParams are the changes of UserUpdate; empty fields are kept.
type UserUpdateParams struct {
	ID           string
	Role         string
	PasswordHash string
	Now          time.Time
}

// Session is an editor login. UserID is empty for a login with the admin
// token, which then holds the hash of the admin token it was made with: it
// ends when that token is rotated.
type Session struct {
	IDHash         string
	UserID         string
	AdminTokenHash string
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// APIToken is a personal API token: a user's, with a role up to theirs.
type APIToken struct {
	ID     string
	UserID string
	Name   string
	Role   string
	Hash   string
	// ExpiresAt is the zero time for a token that does not expire.
	ExpiresAt time.Time
	CreatedAt time.Time
}
