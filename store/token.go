package store

import (
	"context"
	"time"
)

// TokenStore keeps the access tokens outbound calls are authorised with
// (OAuth2 client credentials), so that replicas over one database fetch a
// token once and share it. The store never sees a token in clear:
// encryption is the caller's (see package secrets).
type TokenStore interface {
	// TokenGet returns the token kept under key (ErrNotFound where none
	// is, or only a lock is).
	TokenGet(ctx context.Context, key string) (Token, error)
	// TokenPut keeps a token under key, replacing any earlier one and
	// ending the lock on it.
	TokenPut(ctx context.Context, p TokenPutParams) error
	// TokenLock takes the right to fetch key's token until p.Until, where
	// nobody holds it at p.Now (a lock whose Until has passed is nobody's);
	// false where somebody does.
	TokenLock(ctx context.Context, p TokenLockParams) (bool, error)
	// TokenUnlock ends the lock on key's token (the fetch failed).
	TokenUnlock(ctx context.Context, key string) error
}

// Token is an access token as kept: its ciphertext, and when it is to be
// refreshed.
type Token struct {
	Key        string
	Ciphertext []byte
	RefreshAt  time.Time
	UpdatedAt  time.Time
}

// TokenPutParams keeps a token.
type TokenPutParams struct {
	Key        string
	Ciphertext []byte
	RefreshAt  time.Time
	Now        time.Time
}

// TokenLockParams takes the right to fetch a token.
type TokenLockParams struct {
	Key   string
	Now   time.Time
	Until time.Time
}
