package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/web"
)

// publicAPIRoutes are the routes under /api/v1 that need no admin auth:
// the editor's login and logout.
var publicAPIRoutes = map[string]bool{
	"POST /api/v1/session":   true,
	"DELETE /api/v1/session": true,
}

// adminRoutes is every route of the admin API as the router knows it, with
// its parameters filled in with ids that need not exist: auth is checked
// before anything else.
func adminRoutes(t *testing.T, b *bundle) []struct{ method, path string } {
	t.Helper()
	var out []struct{ method, path string }
	for _, r := range web.Routes(b.server) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || publicAPIRoutes[r.Method+" "+r.Path] {
			continue
		}
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			switch {
			case p == ":rev":
				parts[i] = "1"
			case strings.HasPrefix(p, ":"), strings.HasPrefix(p, "*"):
				parts[i] = "x1"
			}
		}
		out = append(out, struct{ method, path string }{r.Method, strings.Join(parts, "/")})
	}
	// The routes of the contract are among them.
	for _, want := range []string{
		"GET /api/v1/workflows", "POST /api/v1/workflows", "GET /api/v1/workflows/x1",
		"PUT /api/v1/workflows/x1", "DELETE /api/v1/workflows/x1", "POST /api/v1/workflows/x1/enable",
		"POST /api/v1/workflows/x1/disable", "POST /api/v1/workflows/x1/rotate-key",
		"GET /api/v1/workflows/x1/revisions", "GET /api/v1/workflows/x1/revisions/1",
		"GET /api/v1/workflows/x1/events", "POST /api/v1/workflows/x1/test", "POST /api/v1/import",
		"GET /api/v1/export", "GET /api/v1/runs", "GET /api/v1/runs/x1", "POST /api/v1/runs/x1/replay",
		"POST /api/v1/expr", "POST /api/v1/token/rotate",
	} {
		found := false
		for _, r := range out {
			found = found || r.method+" "+r.path == want
		}
		if !found {
			t.Errorf("the router has no %s behind admin auth", want)
		}
	}
	return out
}

func TestAdminAuthRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.create(relayDef("kept", b.recv.URL))
	// Each request comes from an address of its own, so that the limit
	// on wrong tokens (auth_limit_test.go) does not answer in place of
	// the check.
	_, base := proxiedServer(t, b, newFakeClock())
	n := 0
	for _, rt := range adminRoutes(t, b) {
		for name, hdr := range map[string][]string{
			"no token":    nil,
			"wrong token": {"Authorization", "Bearer " + b.token + "x"},
			"empty token": {"Authorization", "Bearer "},
			"basic":       {"Authorization", "Basic " + b.token},
			"bare token":  {"Authorization", b.token},
			"bad session": {"Cookie", "hookflow_session=" + b.token},
		} {
			n++
			r := b.send(rt.method, base+rt.path, `{}`, from(fmt.Sprintf("10.0.%d.%d", n>>8, n&255), hdr...)...)
			e := wantError(t, r, http.StatusUnauthorized, "unauthorized")
			if t.Failed() {
				t.Fatalf("%s %s with %s: %v", rt.method, rt.path, name, e)
			}
			if r.header.Get("Set-Cookie") != "" {
				t.Errorf("%s %s with %s set a cookie", rt.method, rt.path, name)
			}
			if strings.Contains(string(r.body), b.token) {
				t.Errorf("%s %s with %s: the answer holds the token", rt.method, rt.path, name)
			}
		}
	}
	// Nothing was changed by the refused calls.
	if r := b.api(http.MethodGet, "/api/v1/workflows/kept", nil); r.status != http.StatusOK {
		t.Errorf("GET kept after refused calls = %d", r.status)
	}
}

func TestAdminAuthAccepted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, p := range []string{"/api/v1/workflows", "/api/v1/runs", "/api/v1/export"} {
		if r := b.api(http.MethodGet, p, nil); r.status != http.StatusOK {
			t.Errorf("GET %s with the token = %d\n%s", p, r.status, r.body)
		}
	}
	// The scheme is case-insensitive.
	r := b.send(http.MethodGet, "/api/v1/workflows", nil, "Authorization", "bearer "+b.token)
	if r.status != http.StatusOK {
		t.Errorf("lower-case bearer = %d", r.status)
	}
	// With the token, no route answers 401 (unknown ids answer 404 etc.).
	// Rotating the token comes last: it ends the token.
	const rotate = "POST /api/v1/token/rotate"
	for _, rt := range adminRoutes(t, b) {
		if rt.method+" "+rt.path == rotate {
			continue
		}
		if r := b.api(rt.method, rt.path, `{}`); r.status == http.StatusUnauthorized {
			t.Errorf("%s %s with the token = 401", rt.method, rt.path)
		}
	}
	if r := b.api(http.MethodPost, "/api/v1/token/rotate", `{}`); r.status != http.StatusOK {
		t.Errorf("%s with the token = %d", rotate, r.status)
	}
}

func TestAdminTokenGeneratedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	hash, token, generated, err := web.AdminToken(ctx, st, "")
	if err != nil || !generated || token == "" {
		t.Fatalf("first AdminToken = %q, %q, %v, %v", hash, token, generated, err)
	}
	sum := sha256.Sum256([]byte(token))
	if hash != hex.EncodeToString(sum[:]) {
		t.Errorf("hash %q is not the SHA-256 of the token", hash)
	}
	stored, err := st.SettingGet(ctx, adminTokenSetting)
	if err != nil || stored != hash {
		t.Errorf("stored = %q, %v; want the hash", stored, err)
	}

	hash2, token2, generated2, err := web.AdminToken(ctx, st, "")
	if err != nil || generated2 || token2 != "" || hash2 != hash {
		t.Errorf("second AdminToken = %q, %q, %v, %v; want the same hash and no token", hash2, token2, generated2, err)
	}
}

// adminTokenSetting is where the admin token's hash is kept: part of the
// database format, since changing it would lock users out.
const adminTokenSetting = "admin_token_sha256"

func TestAdminTokenConfigured(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	const configured = "hf_configured-admin-token"
	hash, token, generated, err := web.AdminToken(ctx, st, configured)
	if err != nil || generated || token != configured {
		t.Fatalf("AdminToken(configured) = %q, %q, %v, %v", hash, token, generated, err)
	}
	stored, err := st.SettingGet(ctx, adminTokenSetting)
	if err != nil {
		t.Fatal(err)
	}
	if stored != hash || strings.Contains(stored, configured) {
		t.Errorf("stored setting = %q: want the hash %q, never the token", stored, hash)
	}
	// A later start without the setting keeps the configured token's hash.
	hash2, token2, generated2, err := web.AdminToken(ctx, st, "")
	if err != nil || generated2 || token2 != "" || hash2 != hash {
		t.Errorf("AdminToken after configured = %q, %q, %v, %v", hash2, token2, generated2, err)
	}
	// A different configured token replaces it.
	hash3, _, _, err := web.AdminToken(ctx, st, configured+"2")
	if err != nil || hash3 == hash {
		t.Errorf("new configured token kept the old hash (%v)", err)
	}
}

// A server whose token hash is the configured token's accepts that token.
func TestAdminTokenConfiguredServes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const configured = "hf_another-token"
	hash, _, _, err := web.AdminToken(context.Background(), b.store, configured)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(web.Config{Engine: b.engine, AdminTokenHash: hash, Logger: quiet}))
	defer srv.Close()
	for tok, want := range map[string]int{configured: http.StatusOK, b.token: http.StatusUnauthorized, hash: http.StatusUnauthorized} {
		r := b.send(http.MethodGet, srv.URL+"/api/v1/workflows", nil, "Authorization", "Bearer "+tok)
		if r.status != want {
			t.Errorf("token %q = %d, want %d", tok, r.status, want)
		}
	}
}

// TestAdminTokenTooShort: a configured token under 16 characters is
// refused with an error naming the variable and the minimum, and nothing
// is stored; 16 characters (counted as characters, not bytes) will do.
func TestAdminTokenTooShort(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, short := range []string{"x", "hf_0123456789ab", "ééééééééééééééé"} {
		_, _, _, err := web.AdminToken(ctx, st, short)
		if err == nil || !strings.Contains(err.Error(), "HOOKFLOW_ADMIN_TOKEN") || !strings.Contains(err.Error(), "16") ||
			strings.Contains(err.Error(), short) {
			t.Errorf("AdminToken(%q) = %v; want an error naming HOOKFLOW_ADMIN_TOKEN and 16, without the token", short, err)
		}
		if _, err := st.SettingGet(ctx, adminTokenSetting); err == nil {
			t.Fatalf("AdminToken(%q) stored a hash", short)
		}
	}
	for _, ok := range []string{"hf_0123456789abc", "éééééééééééééééé"} {
		if _, _, _, err := web.AdminToken(ctx, st, ok); err != nil {
			t.Errorf("AdminToken(%q) = %v; want it taken", ok, err)
		}
	}
}
