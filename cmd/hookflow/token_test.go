package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/web"
)

// quietLog is the replicas' logger.
var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// configuredToken is the HOOKFLOW_ADMIN_TOKEN the replicas start with.
const configuredToken = "hf_cli-rotate-admin-token-0123"

// replica starts the admin API on its own connection to db, as serve does
// with HOOKFLOW_ADMIN_TOKEN set, and returns its base URL.
func replica(t *testing.T, db string) string {
	t.Helper()
	ctx := context.Background()
	c := config{DB: db}
	st, err := c.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hash, _, _, err := web.AdminToken(ctx, st, configuredToken)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Config{Store: st, Sender: actions.NewSender(actions.Config{})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(web.Config{Engine: eng, AdminTokenHash: hash, Logger: quietLog}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// adminStatus is the status of GET /api/v1/session with the header.
func adminStatus(t *testing.T, base, header, value string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/api/v1/session", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(header, value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// loginCookie logs in on base and returns the Cookie header of the session.
func loginCookie(t *testing.T, base, token string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"token": token})
	resp, err := http.Post(base+"/api/v1/session", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "hookflow_session" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("login on %s = %s, no session cookie", base, resp.Status)
	return ""
}

// testTokenRotate runs `hookflow token rotate` on db while two replicas
// serve it: both refuse the old token and its sessions within a few
// seconds, and take the new token.
func testTokenRotate(t *testing.T, db string) {
	a, b := replica(t, db), replica(t, db)
	sessions := map[string]string{a: loginCookie(t, a, configuredToken), b: loginCookie(t, b, configuredToken)}

	t.Setenv("HOOKFLOW_ADMIN_TOKEN", "")
	out, errOut, err := hookflow(t, "", "token", "rotate", "--db", db)
	if err != nil {
		t.Fatalf("token rotate: %v\n%s", err, errOut)
	}
	token := strings.TrimSuffix(out, "\n")
	if !strings.HasPrefix(token, "hf_") || len(token) < web.MinAdminTokenLen || strings.Contains(token, "\n") {
		t.Fatalf("token rotate printed %q on stdout; want the token alone", out)
	}
	if !strings.Contains(errOut, "HOOKFLOW_ADMIN_TOKEN") || strings.Contains(errOut, token) {
		t.Errorf("token rotate said %q; want a word on HOOKFLOW_ADMIN_TOKEN, without the token", errOut)
	}

	// Polled with the new token, which a replica refuses until it reads
	// the stored hash again (once a second): four polls a second stay
	// under the limit on wrong tokens.
	for base, cookie := range sessions {
		deadline := time.Now().Add(5 * time.Second)
		for adminStatus(t, base, "Authorization", "Bearer "+token) != http.StatusOK {
			if time.Now().After(deadline) {
				t.Fatalf("%s does not take the new token 5 s after the rotation", base)
			}
			time.Sleep(250 * time.Millisecond)
		}
		if code := adminStatus(t, base, "Authorization", "Bearer "+configuredToken); code != http.StatusUnauthorized {
			t.Errorf("%s: the old token = %d after the rotation, want 401", base, code)
		}
		if code := adminStatus(t, base, "Cookie", cookie); code != http.StatusUnauthorized {
			t.Errorf("%s: a session made with the old token = %d after the rotation, want 401", base, code)
		}
	}

	// Said more plainly where the variable is set in the shell.
	t.Setenv("HOOKFLOW_ADMIN_TOKEN", configuredToken)
	_, errOut, err = hookflow(t, "", "token", "rotate", "--db", db)
	if err != nil || !strings.Contains(errOut, "HOOKFLOW_ADMIN_TOKEN is set here") {
		t.Errorf("token rotate with HOOKFLOW_ADMIN_TOKEN set said %q, %v", errOut, err)
	}
}

func TestTokenRotateSQLite(t *testing.T) {
	dir := t.TempDir()
	testTokenRotate(t, filepath.Join(dir, "hookflow.db"))

	missing := filepath.Join(dir, "none.db")
	if _, _, err := hookflow(t, "", "token", "rotate", "--db", missing); err == nil || !strings.Contains(err.Error(), "no such database") {
		t.Errorf("token rotate on a missing database = %v, want no such database", err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("token rotate created %s (%v)", missing, err)
	}
}

// TestTokenRotatePostgres: replicas on one PostgreSQL database take a
// rotation made by the command line. It runs where HOOKFLOW_TEST_POSTGRES
// names a database.
func TestTokenRotatePostgres(t *testing.T) {
	base := os.Getenv("HOOKFLOW_TEST_POSTGRES")
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set HOOKFLOW_TEST_POSTGRES to a database URL, " +
			"e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	testTokenRotate(t, testSchema(t, base))
}
