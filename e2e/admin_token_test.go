package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAdminTokenTooShort: serve refuses a HOOKFLOW_ADMIN_TOKEN under 16
// characters with one line naming the variable and the minimum, before
// it listens.
func TestAdminTokenTooShort(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "hookflow.db")
	res := cli(t, []string{"HOOKFLOW_ADMIN_TOKEN=hf_tooshort"}, "serve", "--addr", "127.0.0.1:0", "--db", db)
	msg := strings.TrimSpace(res.Stderr)
	if res.Code == 0 || strings.Contains(msg, "\n") || !strings.Contains(msg, "HOOKFLOW_ADMIN_TOKEN") ||
		!strings.Contains(msg, "16") || strings.Contains(res.Stderr+res.Stdout, listeningPrefix) {
		t.Errorf("serve with an 11-character token: exit %d, stderr %q; want non-zero and one line naming HOOKFLOW_ADMIN_TOKEN and 16",
			res.Code, res.Stderr)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("serve refused the token but created %s (%v): a bad setting changes nothing", db, err)
	}
}

// TestTokenRotateLive: `hookflow token rotate` on the database of a
// running server prints a new token once; the server takes it within a
// second and refuses the old token and the editor sessions made with it.
// At the next start HOOKFLOW_ADMIN_TOKEN wins again, as the command says.
func TestTokenRotateLive(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	cookie := loginAs(t, s, s.Token)

	res := cli(t, nil, "token", "rotate", "--db", s.opts.DB)
	token := strings.TrimSpace(res.Stdout)
	if res.Code != 0 || !strings.HasPrefix(token, "hf_") || strings.Contains(token, "\n") {
		t.Fatalf("token rotate: exit %d, stdout %q, stderr %q; want the new token alone on stdout", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "HOOKFLOW_ADMIN_TOKEN") {
		t.Errorf("token rotate said %q; want a word on HOOKFLOW_ADMIN_TOKEN", res.Stderr)
	}
	// Four polls a second: the server refuses the new token until it reads
	// the stored hash again, and ten refusals would meet the failure limit.
	waitForEvery(t, 5*time.Second, 250*time.Millisecond, "the server to take the new token", func() (bool, string) {
		code := s.doAs(token, "GET", "/api/v1/workflows", nil, nil)
		return code == http.StatusOK, http.StatusText(code)
	})
	if code := s.doAs(s.Token, "GET", "/api/v1/workflows", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("the old token after the rotation = %d, want 401", code)
	}
	if code := sessionStatus(t, s, cookie); code != http.StatusUnauthorized {
		t.Errorf("a session made with the old token = %d after the rotation, want 401", code)
	}
	if code := sessionStatus(t, s, loginAs(t, s, token)); code != http.StatusOK {
		t.Errorf("a session made with the new token = %d, want 200", code)
	}

	if code := s.stop(); code != 0 {
		t.Errorf("serve: exit %d after SIGTERM, want 0", code)
	}
	again := startServer(t, serverOptions{DB: s.opts.DB})
	if code := again.doAs(again.Token, "GET", "/api/v1/workflows", nil, nil); code != http.StatusOK {
		t.Errorf("HOOKFLOW_ADMIN_TOKEN after a restart = %d, want 200", code)
	}
	if code := again.doAs(token, "GET", "/api/v1/workflows", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("the rotated token after a restart with HOOKFLOW_ADMIN_TOKEN = %d, want 401", code)
	}
}

// loginAs logs in to the editor with token and returns the session's
// Cookie header.
func loginAs(t *testing.T, s *server, token string) string {
	t.Helper()
	resp, err := s.client.Post(s.URL+"/api/v1/session", "application/json", strings.NewReader(`{"token": "`+token+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "hookflow_session" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("login = %s, no session cookie", resp.Status)
	return ""
}

// sessionStatus is the status of GET /api/v1/session with the cookie.
func sessionStatus(t *testing.T, s *server, cookie string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+"/api/v1/session", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", cookie)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitForEvery is waitFor polling every interval.
func waitForEvery(t *testing.T, timeout, interval time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s (last seen: %s)", timeout, what, state)
		}
		time.Sleep(interval)
	}
}
