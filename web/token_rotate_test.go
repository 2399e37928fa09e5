package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/web"
)

// rotated is the answer of POST /api/v1/token/rotate.
type rotated struct {
	Token string `json:"token"`
	Note  string `json:"note"`
}

// wantRotated checks a rotation answer and returns the new token.
func wantRotated(t *testing.T, r *answer, old string) string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("rotate = %d %s", r.status, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	var out rotated
	r.decode(t, &out)
	if !strings.HasPrefix(out.Token, "hf_") || len(out.Token) < web.MinAdminTokenLen || out.Token == old {
		t.Fatalf("new token %q: want a fresh hf_ token", out.Token)
	}
	if !strings.Contains(out.Note, "HOOKFLOW_ADMIN_TOKEN") {
		t.Errorf("note = %q, want a word on HOOKFLOW_ADMIN_TOKEN", out.Note)
	}
	return out.Token
}

// TestTokenRotateRoute: after POST /api/v1/token/rotate the old token and
// the sessions made with it are refused, the new token works, and only
// its hash is stored.
func TestTokenRotateRoute(t *testing.T) {
	t.Parallel()
	b := setup(t)
	old := b.token
	cookie := b.login()
	oldCookie := "hookflow_session=" + cookie.Value

	token := wantRotated(t, b.api(http.MethodPost, "/api/v1/token/rotate", nil), old)

	stored, err := b.store.SettingGet(context.Background(), adminTokenSetting)
	sum := sha256.Sum256([]byte(token))
	if err != nil || stored != hex.EncodeToString(sum[:]) {
		t.Errorf("stored = %q, %v; want the new token's hash", stored, err)
	}
	wantError(t, b.api(http.MethodGet, "/api/v1/workflows", nil), http.StatusUnauthorized, "unauthorized")
	wantError(t, b.send(http.MethodGet, "/api/v1/session", nil, "Cookie", oldCookie), http.StatusUnauthorized, "unauthorized")
	wantError(t, b.send(http.MethodPost, "/api/v1/session", map[string]string{"token": old}), http.StatusUnauthorized, "unauthorized")

	b.token = token
	b.apiOK(http.MethodGet, "/api/v1/workflows", nil, http.StatusOK)
	// The editor can rotate too (with its CSRF guard); that ends its own
	// session as well.
	newCookie := "hookflow_session=" + b.login().Value
	r := b.send(http.MethodPost, "/api/v1/token/rotate", nil, "Cookie", newCookie)
	wantError(t, r, http.StatusForbidden, "csrf")
	third := wantRotated(t, b.send(http.MethodPost, "/api/v1/token/rotate", nil, "Cookie", newCookie, "X-Hookflow", "1"), token)
	wantError(t, b.send(http.MethodGet, "/api/v1/session", nil, "Cookie", newCookie), http.StatusUnauthorized, "unauthorized")
	b.token = third
	b.apiOK(http.MethodGet, "/api/v1/session", nil, http.StatusOK)
}

// TestTokenRotatedElsewhere: a server takes a rotation stored by another
// replica or by `hookflow token rotate` within a second: the old token and
// its sessions are refused there too.
func TestTokenRotatedElsewhere(t *testing.T) {
	t.Parallel()
	b := setup(t)
	clock := newFakeClock()
	_, replicaA := proxiedServer(t, b, clock)
	_, replicaB := proxiedServer(t, b, clock)
	const addr = "192.0.2.10"
	sessionOn := func(base, token string) string {
		t.Helper()
		r := b.loginFrom(base, addr, token)
		if r.status != http.StatusOK {
			t.Fatalf("login on %s = %d %s", base, r.status, r.body)
		}
		return sessionCookieOf(t, r)
	}
	// wantEnded checks that on base, old and its session are refused and
	// token works.
	wantEnded := func(base, old, oldSession, token string) {
		t.Helper()
		wantError(t, b.bearerFrom(base, addr, old), http.StatusUnauthorized, "unauthorized")
		wantError(t, b.send(http.MethodGet, base+"/api/v1/session", nil, from(addr, "Cookie", oldSession)...), http.StatusUnauthorized, "unauthorized")
		if r := b.bearerFrom(base, addr, token); r.status != http.StatusOK {
			t.Errorf("the new token on %s = %d %s", base, r.status, r.body)
		}
	}

	// Rotated through replica A's API.
	sessionB := sessionOn(replicaB, b.token)
	token := wantRotated(t, b.send(http.MethodPost, replicaA+"/api/v1/token/rotate", nil, from(addr, "Authorization", "Bearer "+b.token)...), b.token)
	clock.advance(1100 * time.Millisecond)
	wantEnded(replicaB, b.token, sessionB, token)

	// Rotated in the store, as `hookflow token rotate` does.
	sessionA, sessionB := sessionOn(replicaA, token), sessionOn(replicaB, token)
	third, err := web.RotateAdminToken(context.Background(), b.store)
	if err != nil {
		t.Fatal(err)
	}
	clock.advance(1100 * time.Millisecond)
	wantEnded(replicaA, token, sessionA, third)
	wantEnded(replicaB, token, sessionB, third)
}
