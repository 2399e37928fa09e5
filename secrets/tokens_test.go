package secrets_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/secrets"
)

var _ actions.TokenStore = (*secrets.Vault)(nil)

// TestTokens: a token is kept encrypted, read back by a vault with the
// same key, and is no token to a vault with another (it is fetched again).
func TestTokens(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, _, ok, err := b.vault.TokenLoad(b.ctx, "oauth2:k"); ok || err != nil {
		t.Fatalf("TokenLoad(none) = %v, %v", ok, err)
	}
	if err := b.vault.TokenSave(b.ctx, "oauth2:k", "access-token-value", now.Add(time.Hour), now); err != nil {
		t.Fatalf("TokenSave: %v", err)
	}
	tok, at, ok, err := b.vault.TokenLoad(b.ctx, "oauth2:k")
	if err != nil || !ok || tok != "access-token-value" || !at.Equal(now.Add(time.Hour)) {
		t.Fatalf("TokenLoad = %q, %v, %v, %v", tok, at, ok, err)
	}
	rec, err := b.store.TokenGet(b.ctx, "oauth2:k")
	if err != nil || bytes.Contains(rec.Ciphertext, []byte("access-token-value")) {
		t.Fatalf("kept as %q, %v; want it encrypted", rec.Ciphertext, err)
	}
	other, err := secrets.New(b.store, bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := other.TokenLoad(b.ctx, "oauth2:k"); ok || err != nil {
		t.Errorf("TokenLoad under another key = %v, %v; want no token", ok, err)
	}
	if ok, err := b.vault.TokenLock(b.ctx, "oauth2:k", now, now.Add(time.Minute)); !ok || err != nil {
		t.Errorf("TokenLock = %v, %v", ok, err)
	}
	if err := b.vault.TokenUnlock(b.ctx, "oauth2:k"); err != nil {
		t.Errorf("TokenUnlock: %v", err)
	}
}
