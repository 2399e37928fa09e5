package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hookflow/hookflow/store"
)

// AdminTokenSetting names the stored hash of the admin token.
const AdminTokenSetting = "admin_token_sha256"

// MinAdminTokenLen is the length, in characters, below which a configured
// admin token is refused: short enough to guess, even at the rate the
// failure limit allows (auth_limit.go). Generated tokens are 35.
const MinAdminTokenLen = 16

// CheckAdminToken refuses a configured admin token shorter than
// MinAdminTokenLen; serve calls it before it opens anything.
func CheckAdminToken(configured string) error {
	if n := utf8.RuneCountInString(configured); n < MinAdminTokenLen {
		return fmt.Errorf("HOOKFLOW_ADMIN_TOKEN is %d characters long: use at least %d (e.g. the output of openssl rand -base64 24)", n, MinAdminTokenLen)
	}
	return nil
}

// AdminToken resolves the admin token at start-up. With a configured token
// (HOOKFLOW_ADMIN_TOKEN), its hash is stored and it is used; one shorter
// than MinAdminTokenLen is refused. Without one, the stored hash is kept;
// on the very first start a token is generated, only its hash stored, and
// the token returned with generated set so the caller can show it once.
func AdminToken(ctx context.Context, s store.Store, configured string) (hash string, token string, generated bool, err error) {
	if configured != "" {
		if err := CheckAdminToken(configured); err != nil {
			return "", "", false, err
		}
		hash = hashToken(configured)
		if err := s.SettingPut(ctx, AdminTokenSetting, hash); err != nil {
			return "", "", false, fmt.Errorf("store admin token hash: %w", err)
		}
		return hash, configured, false, nil
	}
	hash, err = s.SettingGet(ctx, AdminTokenSetting)
	if err == nil {
		return hash, "", false, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", "", false, fmt.Errorf("read admin token hash: %w", err)
	}
	token, hash, err = newAdminToken()
	if err != nil {
		return "", "", false, err
	}
	if err := s.SettingPut(ctx, AdminTokenSetting, hash); err != nil {
		return "", "", false, fmt.Errorf("store admin token hash: %w", err)
	}
	return hash, token, true, nil
}

// newAdminToken makes a random token (192 bits) and its hash.
func newAdminToken() (token, hash string, err error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("generate admin token: %w", err)
	}
	token = "hf_" + base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// matchToken compares a token with the current admin token by their
// hashes, in constant time, and returns the hash it matched.
func (s *Server) matchToken(ctx context.Context, tok string) (string, bool) {
	want := s.adminHash.get(ctx, s.now())
	got := hashToken(tok)
	return want, len(want) > 0 && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

func bearer(h string) (string, bool) {
	const p = "bearer "
	if len(h) > len(p) && strings.EqualFold(h[:len(p)], p) {
		return strings.TrimSpace(h[len(p):]), true
	}
	return "", false
}
