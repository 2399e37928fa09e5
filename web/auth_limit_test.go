package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/web"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// proxiedServer starts another server on b's engine and store that
// believes X-Forwarded-For from 127.0.0.1, so that a test can speak from
// any client address (see from), with clock as its clock. tune runs
// before it takes requests. It returns the server and its base URL.
func proxiedServer(t *testing.T, b *bundle, clock *fakeClock, tune ...func(*web.Server)) (*web.Server, string) {
	t.Helper()
	hash, err := b.store.SettingGet(context.Background(), adminTokenSetting)
	if err != nil {
		t.Fatal(err)
	}
	s := web.New(web.Config{
		Engine: b.engine, AdminTokenHash: hash, Logger: quiet,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	})
	web.SetClock(s, clock.now)
	for _, f := range tune {
		f(s)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// from makes a request come from addr, through the trusted proxy.
func from(addr string, headers ...string) []string {
	return append([]string{"X-Forwarded-For", addr}, headers...)
}

// bearerFrom is a GET of the workflow list with the token, from addr.
func (b *bundle) bearerFrom(base, addr, token string) *answer {
	b.t.Helper()
	return b.send(http.MethodGet, base+"/api/v1/workflows", nil, from(addr, "Authorization", "Bearer "+token)...)
}

// loginFrom posts a login with the token, from addr.
func (b *bundle) loginFrom(base, addr, token string) *answer {
	b.t.Helper()
	return b.send(http.MethodPost, base+"/api/v1/session", map[string]string{"token": token}, from(addr)...)
}

// sessionCookieOf is the Cookie header value for the session a login
// answer set.
func sessionCookieOf(t *testing.T, r *answer) string {
	t.Helper()
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "hookflow_session" && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("no session cookie in %v", r.header.Values("Set-Cookie"))
	return ""
}

// wantLimited checks a 429 with Retry-After (whole seconds, at most the
// time one more attempt takes to come back) and a JSON error.
func wantLimited(t *testing.T, r *answer) {
	t.Helper()
	wantError(t, r, http.StatusTooManyRequests, "too_many_attempts")
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 6 {
		t.Errorf("Retry-After = %q, want 1 to 6 seconds", r.header.Get("Retry-After"))
	}
}

// TestAuthFailuresLimited: wrong bearer tokens and logins from one address
// are answered 429 after ten, without the token being looked at; other
// addresses and editor sessions are not held up; the address may try
// again once the failures have aged.
func TestAuthFailuresLimited(t *testing.T) {
	t.Parallel()
	b := setup(t)
	clock := newFakeClock()
	_, base := proxiedServer(t, b, clock)
	const attacker, admin = "203.0.113.7", "198.51.100.9"

	// The admin's editor logged in from the attacker's address (a shared
	// NAT) before the attack.
	r := b.loginFrom(base, attacker, b.token)
	if r.status != http.StatusOK {
		t.Fatalf("login = %d %s", r.status, r.body)
	}
	cookie := sessionCookieOf(t, r)

	counts := map[int]int{}
	for i := range 500 {
		r := b.bearerFrom(base, attacker, fmt.Sprintf("guess-%03d-%s", i, b.token[:8]))
		counts[r.status]++
		if r.status == http.StatusTooManyRequests {
			wantLimited(t, r)
		}
		if t.Failed() {
			t.Fatalf("guess %d: %d %s", i, r.status, r.body)
		}
	}
	if counts[http.StatusUnauthorized] != 10 || counts[http.StatusTooManyRequests] != 490 {
		t.Errorf("500 wrong tokens from one address got %v; want 10 401s, then 429s", counts)
	}

	// Past the limit, the right token gets the very answer a wrong one
	// gets: it is not compared.
	right, wrong := b.bearerFrom(base, attacker, b.token), b.bearerFrom(base, attacker, b.token+"x")
	wantLimited(t, right)
	if string(right.body) != string(wrong.body) || right.header.Get("Retry-After") != wrong.header.Get("Retry-After") {
		t.Errorf("limited answers differ: right token %s %s, wrong token %s %s",
			right.header.Get("Retry-After"), right.body, wrong.header.Get("Retry-After"), wrong.body)
	}
	wantLimited(t, b.loginFrom(base, attacker, b.token))
	wantLimited(t, b.loginFrom(base, attacker, "not-the-token-at-all"))

	// Another address is not held up; nor is the session cookie.
	if r := b.bearerFrom(base, admin, b.token); r.status != http.StatusOK {
		t.Errorf("the right token from another address = %d %s", r.status, r.body)
	}
	if r := b.loginFrom(base, admin, b.token); r.status != http.StatusOK {
		t.Errorf("login from another address = %d %s", r.status, r.body)
	}
	if r := b.send(http.MethodGet, base+"/api/v1/session", nil, from(attacker, "Cookie", cookie)...); r.status != http.StatusOK {
		t.Errorf("the editor session from the limited address = %d %s", r.status, r.body)
	}

	// One attempt comes back every 6 s; a minute restores them all.
	clock.advance(6 * time.Second)
	wantError(t, b.bearerFrom(base, attacker, "one-more-guess-0123456789"), http.StatusUnauthorized, "unauthorized")
	wantLimited(t, b.bearerFrom(base, attacker, b.token))
	clock.advance(time.Minute)
	if r := b.bearerFrom(base, attacker, b.token); r.status != http.StatusOK {
		t.Errorf("the right token from the limited address a minute later = %d %s", r.status, r.body)
	}
	if r := b.loginFrom(base, attacker, b.token); r.status != http.StatusOK {
		t.Errorf("login from the limited address a minute later = %d %s", r.status, r.body)
	}
	for i := range 9 { // successes took nothing from the ten
		wantError(t, b.bearerFrom(base, attacker, fmt.Sprintf("late-guess-%d-0123456789", i)), http.StatusUnauthorized, "unauthorized")
	}
}

// TestAuthFailuresShared: logins and bearer tokens draw on one budget per
// address, and an IPv6 client is limited by its /64.
func TestAuthFailuresShared(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, base := proxiedServer(t, b, newFakeClock())
	for i := range 5 {
		wantError(t, b.loginFrom(base, "192.0.2.1", fmt.Sprintf("wrong-login-%d-0123456789", i)), http.StatusUnauthorized, "unauthorized")
		wantError(t, b.bearerFrom(base, "192.0.2.1", fmt.Sprintf("wrong-bearer-%d-0123456789", i)), http.StatusUnauthorized, "unauthorized")
	}
	wantLimited(t, b.loginFrom(base, "192.0.2.1", b.token))
	wantLimited(t, b.bearerFrom(base, "192.0.2.1", b.token))
	if r := b.bearerFrom(base, "192.0.2.2", b.token); r.status != http.StatusOK {
		t.Errorf("the next IPv4 address = %d", r.status)
	}

	for i := range 10 {
		addr := fmt.Sprintf("2001:db8:1:2::%x", i+1)
		wantError(t, b.bearerFrom(base, addr, "wrong-v6-token-0123456789"), http.StatusUnauthorized, "unauthorized")
	}
	wantLimited(t, b.bearerFrom(base, "2001:db8:1:2:ffff:ffff:ffff:ffff", b.token))
	if r := b.bearerFrom(base, "2001:db8:1:3::1", b.token); r.status != http.StatusOK {
		t.Errorf("the next /64 = %d", r.status)
	}
}

// TestAuthFailuresBounded: a flood of distinct addresses does not grow the
// limiter past its cap, and evicts the addresses whose last failure is
// oldest, not one limited a moment ago.
func TestAuthFailuresBounded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const capacity = 64
	s, base := proxiedServer(t, b, newFakeClock(), func(s *web.Server) { web.SetAuthLimitEntries(s, capacity) })
	guess := func(i int) {
		addr := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		wantError(t, b.bearerFrom(base, addr, "flood-guess-0123456789"), http.StatusUnauthorized, "unauthorized")
	}
	for i := range 1000 {
		guess(i)
	}
	if n := web.AuthLimitEntries(s); n != capacity {
		t.Fatalf("after 1000 addresses the limiter holds %d, want its cap %d", n, capacity)
	}
	// An address first seen a while ago that fails again is kept as the
	// latest, not as the oldest.
	const limited = "198.51.100.77"
	wrong := func() {
		wantError(t, b.bearerFrom(base, limited, "wrong-token-0123456789"), http.StatusUnauthorized, "unauthorized")
	}
	wrong()
	for i := range 10 {
		guess(2000 + i)
	}
	for range 9 {
		wrong()
	}
	for i := range capacity - 1 {
		guess(5000 + i)
	}
	wantLimited(t, b.bearerFrom(base, limited, b.token))
	if n := web.AuthLimitEntries(s); n != capacity {
		t.Errorf("the limiter holds %d, want %d", n, capacity)
	}
}
