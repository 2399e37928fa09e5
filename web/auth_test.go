package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/web"
)

// adminRoutes is every route of the admin API, with ids that need not
// exist: auth is checked before anything else.
var adminRoutes = []struct{ method, path string }{
	{http.MethodGet, "/api/v1/workflows"},
	{http.MethodPost, "/api/v1/workflows"},
	{http.MethodGet, "/api/v1/workflows/wf"},
	{http.MethodPut, "/api/v1/workflows/wf"},
	{http.MethodDelete, "/api/v1/workflows/wf"},
	{http.MethodPost, "/api/v1/workflows/wf/enable"},
	{http.MethodPost, "/api/v1/workflows/wf/disable"},
	{http.MethodPost, "/api/v1/workflows/wf/rotate-key"},
	{http.MethodGet, "/api/v1/workflows/wf/revisions"},
	{http.MethodGet, "/api/v1/workflows/wf/revisions/1"},
	{http.MethodGet, "/api/v1/workflows/wf/events"},
	{http.MethodPost, "/api/v1/workflows/wf/test"},
	{http.MethodPost, "/api/v1/import"},
	{http.MethodGet, "/api/v1/export"},
	{http.MethodGet, "/api/v1/runs"},
	{http.MethodGet, "/api/v1/runs/r1"},
	{http.MethodPost, "/api/v1/runs/r1/replay"},
	{http.MethodPost, "/api/v1/expr"},
}

func TestAdminAuthRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.create(relayDef("kept", b.recv.url))
	for _, rt := range adminRoutes {
		for name, hdr := range map[string][]string{
			"no token":    nil,
			"wrong token": {"Authorization", "Bearer " + b.token + "x"},
			"empty token": {"Authorization", "Bearer "},
			"basic":       {"Authorization", "Basic " + b.token},
			"bare token":  {"Authorization", b.token},
		} {
			r := b.send(rt.method, rt.path, `{}`, hdr...)
			e := wantError(t, r, http.StatusUnauthorized, "unauthorized")
			if t.Failed() {
				t.Fatalf("%s %s with %s: %v", rt.method, rt.path, name, e)
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
	for _, rt := range adminRoutes {
		if r := b.api(rt.method, rt.path, `{}`); r.status == http.StatusUnauthorized {
			t.Errorf("%s %s with the token = 401", rt.method, rt.path)
		}
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
