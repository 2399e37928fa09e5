package secrets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
)

// The vault also keeps the access tokens of outbound calls (OAuth2 client
// credentials) in its store, encrypted as secrets are, so that replicas
// over one database fetch a token once and share it. Its methods below are
// what the sender asks of a token store (actions.TokenStore); a token is
// sealed with its key as additional data, so a ciphertext copied under
// another key does not decrypt.

// tokenName is the additional data a token is sealed with.
func tokenName(key string) string { return "token:" + key }

// TokenLoad gives the token kept under key and when it is to be
// refreshed; ok is false where none is kept, or it does not decrypt with
// this vault's key (it is then fetched again).
func (v *Vault) TokenLoad(ctx context.Context, key string) (string, time.Time, bool, error) {
	t, err := v.store.TokenGet(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", time.Time{}, false, nil
	}
	if err != nil {
		return "", time.Time{}, false, fmt.Errorf("load token: %w", err)
	}
	plain, err := v.open(tokenName(key), t.Ciphertext)
	if err != nil {
		return "", time.Time{}, false, nil
	}
	return plain, t.RefreshAt, true, nil
}

// TokenSave keeps a token under key, encrypted, ending the lock on it.
func (v *Vault) TokenSave(ctx context.Context, key, token string, refreshAt, now time.Time) error {
	ct, err := v.seal(tokenName(key), token)
	if err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	return v.store.TokenPut(ctx, store.TokenPutParams{Key: key, Ciphertext: ct, RefreshAt: refreshAt, Now: now})
}

// TokenLock takes the right to fetch key's token until `until`.
func (v *Vault) TokenLock(ctx context.Context, key string, now, until time.Time) (bool, error) {
	return v.store.TokenLock(ctx, store.TokenLockParams{Key: key, Now: now, Until: until})
}

// TokenUnlock gives the right to fetch key's token up.
func (v *Vault) TokenUnlock(ctx context.Context, key string) error {
	return v.store.TokenUnlock(ctx, key)
}
