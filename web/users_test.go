package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/web"
)

// addUser makes a user through the API with the admin token.
func (b *bundle) addUser(email, role, password string) map[string]any {
	b.t.Helper()
	return b.apiOK(http.MethodPost, "/api/v1/users", map[string]string{"email": email, "role": role, "password": password}, http.StatusCreated)
}

// loginUser logs in with an email and password and returns the Cookie
// header of the session.
func (b *bundle) loginUser(base, email, password string) string {
	b.t.Helper()
	r := b.send(http.MethodPost, base+"/api/v1/session", map[string]string{"email": email, "password": password})
	if r.status != http.StatusOK {
		b.t.Fatalf("login %s = %d\n%s", email, r.status, r.body)
	}
	return sessionCookieOf(b.t, r)
}

// makeToken makes a personal API token with a session and returns it.
func (b *bundle) makeToken(cookie, name, role string) string {
	b.t.Helper()
	r := b.send(http.MethodPost, "/api/v1/tokens", map[string]string{"name": name, "role": role, "expires_in": "30d"}, "Cookie", cookie)
	if r.status != http.StatusCreated {
		b.t.Fatalf("make token %s = %d\n%s", name, r.status, r.body)
	}
	tok, _ := r.json(b.t)["token"].(string)
	if !strings.HasPrefix(tok, "hft_") {
		b.t.Fatalf("token = %q", tok)
	}
	return tok
}

// withBearer calls the API with a token.
func (b *bundle) withBearer(tok, method, path string, body any) *answer {
	b.t.Helper()
	return b.send(method, path, body, "Authorization", "Bearer "+tok)
}

// auditEntry is GET /api/v1/audit's entry.
type auditEntry struct {
	Actor          string          `json:"actor"`
	Via            string          `json:"via"`
	Client         string          `json:"client"`
	Action         string          `json:"action"`
	Target         string          `json:"target"`
	RevisionBefore int             `json:"revision_before"`
	RevisionAfter  int             `json:"revision_after"`
	Detail         json.RawMessage `json:"detail"`
}

// audit reads the audit log with a query.
func (b *bundle) audit(query string) []auditEntry {
	b.t.Helper()
	var out struct {
		Entries []auditEntry `json:"entries"`
	}
	r := b.api(http.MethodGet, "/api/v1/audit"+query, nil)
	if r.status != http.StatusOK {
		b.t.Fatalf("audit = %d\n%s", r.status, r.body)
	}
	r.decode(b.t, &out)
	return out.Entries
}

// findAudit returns the first (newest) entry of action by actor, on target
// where one is given.
func findAudit(entries []auditEntry, actor, action string, target ...string) (auditEntry, bool) {
	for _, e := range entries {
		if e.Actor == actor && e.Action == action && (len(target) == 0 || e.Target == target[0]) {
			return e, true
		}
	}
	return auditEntry{}, false
}

const wfDef = `{"format": "hookflow/v1", "id": "roles-wf", "name": "Roles", "trigger": {"type": "webhook"}, "steps": [{"id": "t", "type": "transform", "expr": "payload"}]}`

// TestRolesEnforced: users of each role, by session and by personal API
// token: a viewer reads but cannot save a workflow, an editor saves one but
// cannot set a secret or manage users; every change and every refused
// change is in the audit log with its actor, revisions and client.
func TestRolesEnforced(t *testing.T) {
	t.Parallel()
	b := setup(t, withVault())
	b.addUser("Viewer@Example.com", "viewer", "viewer-pass-1")
	b.addUser("editor@example.com", "editor", "editor-pass-1")
	b.create(wfDef)

	viewerCookie := b.loginUser(b.url, "viewer@example.com", "viewer-pass-1")
	editorCookie := b.loginUser(b.url, "editor@example.com", "editor-pass-1")
	viewerTok := b.makeToken(viewerCookie, "viewer script", "viewer")
	editorTok := b.makeToken(editorCookie, "deploy", "")
	if r := b.send(http.MethodPost, "/api/v1/tokens", map[string]string{"name": "up", "role": "admin"}, "Cookie", viewerCookie); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a viewer's admin token = %d, want 422\n%s", r.status, r.body)
	}

	// Who am I.
	var me struct {
		Role, Email, Via string
	}
	b.withBearer(editorTok, http.MethodGet, "/api/v1/session", nil).decode(t, &me)
	if me.Role != "editor" || me.Email != "editor@example.com" {
		t.Errorf("GET /session with the editor's token = %+v", me)
	}

	// A viewer reads, and cannot save.
	if r := b.withBearer(viewerTok, http.MethodGet, "/api/v1/workflows/roles-wf", nil); r.status != http.StatusOK {
		t.Fatalf("viewer GET workflow = %d\n%s", r.status, r.body)
	}
	changed := strings.Replace(wfDef, `"Roles"`, `"Roles 2"`, 1)
	wantError(t, b.withBearer(viewerTok, http.MethodPut, "/api/v1/workflows/roles-wf", changed), http.StatusForbidden, "not_allowed")
	r := b.send(http.MethodPut, "/api/v1/workflows/roles-wf", changed, "Cookie", viewerCookie, "X-Hookflow", "1", "Content-Type", "application/json")
	wantError(t, r, http.StatusForbidden, "not_allowed")
	wantError(t, b.withBearer(viewerTok, http.MethodPost, "/api/v1/runs/none/replay", nil), http.StatusForbidden, "not_allowed")

	// An editor saves, and cannot set a secret or add a user.
	if r := b.withBearer(editorTok, http.MethodPut, "/api/v1/workflows/roles-wf", changed); r.status != http.StatusOK {
		t.Fatalf("editor PUT workflow = %d\n%s", r.status, r.body)
	}
	wantError(t, b.withBearer(editorTok, http.MethodPut, "/api/v1/secrets/api_key", map[string]string{"value": "s3cr3t-value"}), http.StatusForbidden, "not_allowed")
	wantError(t, b.withBearer(editorTok, http.MethodPost, "/api/v1/users", map[string]string{"email": "x@example.com", "role": "admin", "password": "0123456789"}), http.StatusForbidden, "not_allowed")
	wantError(t, b.withBearer(editorTok, http.MethodGet, "/api/v1/audit", nil), http.StatusForbidden, "not_allowed")
	// The admin token sets it.
	b.apiOK(http.MethodPut, "/api/v1/secrets/api_key", map[string]string{"value": "s3cr3t-value"}, http.StatusNoContent)

	// A role lowered takes effect on the user's token at once.
	var users struct {
		Users []struct{ ID, Email, Role string }
	}
	b.api(http.MethodGet, "/api/v1/users", nil).decode(t, &users)
	if len(users.Users) != 2 || users.Users[0].Email != "editor@example.com" || users.Users[1].Email != "viewer@example.com" {
		t.Fatalf("users = %+v", users)
	}
	b.apiOK(http.MethodPut, "/api/v1/users/"+users.Users[0].ID, map[string]string{"role": "viewer"}, http.StatusOK)
	wantError(t, b.withBearer(editorTok, http.MethodPut, "/api/v1/workflows/roles-wf", wfDef), http.StatusForbidden, "not_allowed")

	// The audit log.
	log := b.audit("")
	for _, want := range []struct{ actor, action, target string }{
		{"admin token", "user.create", ""},
		{"admin token", "workflow.create", "roles-wf"},
		{"viewer@example.com", "login", ""},
		{"viewer@example.com", "token.create", ""},
		{"viewer@example.com", "denied", "roles-wf"},
		{"editor@example.com", "workflow.update", "roles-wf"},
		{"editor@example.com", "denied", "api_key"},
		{"admin token", "secret.set", "api_key"},
		{"admin token", "user.update", ""},
	} {
		var targets []string
		if want.target != "" {
			targets = append(targets, want.target)
		}
		e, ok := findAudit(log, want.actor, want.action, targets...)
		if !ok {
			t.Errorf("no %s by %s in the audit log", want.action, want.actor)
			continue
		}
		if e.Client != "127.0.0.1" {
			t.Errorf("%s: client %q", want.action, e.Client)
		}
	}
	if e, _ := findAudit(log, "editor@example.com", "workflow.update"); e.RevisionBefore != 1 || e.RevisionAfter != 2 || e.Via != "token deploy" {
		t.Errorf("workflow.update: %+v; want revisions 1 -> 2 via token deploy", e)
	}
	if e, _ := findAudit(log, "admin token", "workflow.create"); e.RevisionAfter != 1 {
		t.Errorf("workflow.create: %+v; want revision 1", e)
	}
	if e, _ := findAudit(log, "admin token", "user.update"); !strings.Contains(string(e.Detail), `"role_before":"editor"`) {
		t.Errorf("user.update detail: %s", e.Detail)
	}
	if e, _ := findAudit(log, "editor@example.com", "denied", "api_key"); !strings.Contains(string(e.Detail), `"action":"secret.set"`) {
		t.Errorf("denied detail: %s", e.Detail)
	}
	for _, e := range log {
		if strings.Contains(string(e.Detail), "s3cr3t") || strings.Contains(string(e.Detail), "pass-1") {
			t.Errorf("the audit log holds a secret: %+v", e)
		}
	}
	// Filters and pages.
	if got := b.audit("?actor=editor@example.com&action=workflow.update"); len(got) != 1 {
		t.Errorf("filtered audit = %+v", got)
	}
	var page struct {
		Entries    []auditEntry `json:"entries"`
		NextCursor string       `json:"next_cursor"`
	}
	b.api(http.MethodGet, "/api/v1/audit?limit=2", nil).decode(t, &page)
	if len(page.Entries) != 2 || page.NextCursor == "" {
		t.Fatalf("page 1 = %+v", page)
	}
	rest := b.audit("?limit=1000&cursor=" + page.NextCursor)
	if len(rest) != len(log)-2 {
		t.Errorf("page 2 has %d entries, want %d", len(rest), len(log)-2)
	}
	if got := b.audit("?since=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339)); len(got) != 0 {
		t.Errorf("since an hour ahead: %d entries", len(got))
	}
	wantError(t, b.api(http.MethodGet, "/api/v1/audit?since=yesterday", nil), http.StatusBadRequest, "invalid_time")

	// Revoke: the token stops working; deleting a user ends the rest.
	var toks struct {
		Tokens []struct{ ID, Name string }
	}
	b.send(http.MethodGet, "/api/v1/tokens", nil, "Cookie", viewerCookie).decode(t, &toks)
	if len(toks.Tokens) != 1 || toks.Tokens[0].Name != "viewer script" {
		t.Fatalf("the viewer's tokens = %+v", toks)
	}
	if r := b.send(http.MethodDelete, "/api/v1/tokens/"+toks.Tokens[0].ID, nil, "Cookie", editorCookie, "X-Hookflow", "1"); r.status != http.StatusNotFound {
		t.Errorf("revoke another user's token = %d, want 404", r.status)
	}
	if r := b.send(http.MethodDelete, "/api/v1/tokens/"+toks.Tokens[0].ID, nil, "Cookie", viewerCookie, "X-Hookflow", "1"); r.status != http.StatusNoContent {
		t.Fatalf("revoke = %d\n%s", r.status, r.body)
	}
	wantError(t, b.withBearer(viewerTok, http.MethodGet, "/api/v1/workflows", nil), http.StatusUnauthorized, "unauthorized")
	b.apiOK(http.MethodDelete, "/api/v1/users/"+users.Users[0].ID, nil, http.StatusNoContent)
	wantError(t, b.withBearer(editorTok, http.MethodGet, "/api/v1/workflows", nil), http.StatusUnauthorized, "unauthorized")
	wantError(t, b.send(http.MethodGet, "/api/v1/workflows", nil, "Cookie", editorCookie), http.StatusUnauthorized, "unauthorized")
}

// TestUserValidation: bad emails, roles and passwords are refused with
// their field; a taken email is a conflict.
func TestUserValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, c := range []struct {
		email, role, password, field string
	}{
		{"not-an-email", "viewer", "0123456789", "email"},
		{"ann@example.com", "owner", "0123456789", "role"},
		{"ann@example.com", "viewer", "short", "password"},
	} {
		r := b.api(http.MethodPost, "/api/v1/users", map[string]string{"email": c.email, "role": c.role, "password": c.password})
		e := wantError(t, r, http.StatusUnprocessableEntity, "invalid_"+c.field)
		if e["field"] != c.field {
			t.Errorf("field = %v, want %s", e["field"], c.field)
		}
	}
	b.addUser("ann@example.com", "viewer", "0123456789")
	wantError(t, b.api(http.MethodPost, "/api/v1/users", map[string]string{"email": "ANN@example.com", "role": "admin", "password": "0123456789"}), http.StatusConflict, "conflict")
	// The admin token is no user: it makes no personal token.
	wantError(t, b.api(http.MethodPost, "/api/v1/tokens", map[string]string{"name": "x"}), http.StatusUnprocessableEntity, "no_user")
}

// TestLoginLimits: a wrong password and an unknown email get the same
// answer and are both recorded; failed logins are limited per account
// (from any address) and per address (to any account), with 429 and
// Retry-After, the right password included; a password change ends the
// user's sessions.
func TestLoginLimits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.addUser("ann@example.com", "editor", "ann-password-1")
	b.addUser("bob@example.com", "viewer", "bob-password-1")
	clock := newFakeClock()
	_, base := proxiedServer(t, b, clock)
	login := func(addr, email, pw string) *answer {
		t.Helper()
		return b.send(http.MethodPost, base+"/api/v1/session", map[string]string{"email": email, "password": pw}, from(addr)...)
	}

	wrong := login("10.0.0.1", "ann@example.com", "not-her-password")
	unknown := login("10.0.0.2", "nobody@example.com", "not-her-password")
	if wrong.status != http.StatusUnauthorized || unknown.status != wrong.status || string(unknown.body) != string(wrong.body) {
		t.Errorf("wrong password: %d %s; unknown email: %d %s; want the same 401", wrong.status, wrong.body, unknown.status, unknown.body)
	}
	log := b.audit("?action=login.failed")
	if _, ok := findAudit(log, "nobody@example.com", "login.failed"); !ok {
		t.Error("the unknown email's failed login is not recorded")
	}
	if e, ok := findAudit(log, "ann@example.com", "login.failed"); !ok || e.Client != "10.0.0.1" {
		t.Errorf("ann's failed login: %+v, %v", e, ok)
	}

	// Per account: ten failures from ten addresses, and the eleventh
	// attempt on the account is refused, right password or not, from
	// anywhere; other accounts are not held up.
	for i := 2; i <= 10; i++ {
		if r := login("10.1.0."+string(rune('0'+i%10)), "ann@example.com", "nope-nope-nope"); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d = %d\n%s", i, r.status, r.body)
		}
	}
	wantLimited(t, login("10.2.0.1", "ann@example.com", "ann-password-1"))
	if r := login("10.2.0.1", "bob@example.com", "bob-password-1"); r.status != http.StatusOK {
		t.Fatalf("bob is held up by ann's limit: %d\n%s", r.status, r.body)
	}
	// Once the failures have aged, the right password works.
	clock.advance(7 * time.Second)
	if r := login("10.2.0.1", "ann@example.com", "ann-password-1"); r.status != http.StatusOK {
		t.Fatalf("after the wait: %d\n%s", r.status, r.body)
	}

	// Per address: ten failures on ten accounts from one address.
	for i := range 10 {
		login("10.3.0.1", "guess"+string(rune('a'+i))+"@example.com", "guess-guess-1")
	}
	wantLimited(t, login("10.3.0.1", "bob@example.com", "bob-password-1"))

	// A password change ends the sessions.
	cookie := b.loginUser(b.url, "bob@example.com", "bob-password-1")
	if r := b.send(http.MethodGet, "/api/v1/session", nil, "Cookie", cookie); r.status != http.StatusOK {
		t.Fatalf("session = %d", r.status)
	}
	var users struct{ Users []struct{ ID, Email string } }
	b.api(http.MethodGet, "/api/v1/users", nil).decode(t, &users)
	b.apiOK(http.MethodPut, "/api/v1/users/"+users.Users[1].ID, map[string]string{"password": "bob-password-2"}, http.StatusOK)
	wantError(t, b.send(http.MethodGet, "/api/v1/session", nil, "Cookie", cookie), http.StatusUnauthorized, "unauthorized")
	b.loginUser(b.url, "bob@example.com", "bob-password-2")
}

// TestSessionsSurviveReopen: a session made on one server works on a new
// server over the same database file, reopened; logging out ends it there.
func TestSessionsSurviveReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	ctx := context.Background()
	start := func() (string, func()) {
		st, err := sqlite.Open(ctx, path, sqlite.WithSynchronous(sqlite.SynchronousNormal))
		if err != nil {
			t.Fatal(err)
		}
		hash, _, _, err := web.AdminToken(ctx, st, "a-configured-admin-token-0001")
		if err != nil {
			t.Fatal(err)
		}
		eng, err := engine.New(engine.Config{Store: st, Sender: actions.NewSender(actions.Config{}), Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(web.New(web.Config{Engine: eng, AdminTokenHash: hash, Logger: quiet}))
		return srv.URL, func() { srv.Close(); _ = st.Close() }
	}
	b := &bundle{t: t, client: http.DefaultClient}
	url, stop := start()
	b.url, b.token = url, "a-configured-admin-token-0001"
	b.addUser("ann@example.com", "viewer", "ann-password-1")
	cookie := b.loginUser(url, "ann@example.com", "ann-password-1")
	r := b.send(http.MethodPost, url+"/api/v1/session", map[string]string{"token": b.token})
	adminCookie := sessionCookieOf(t, r)
	stop()

	url, stop = start()
	defer stop()
	var me struct{ Role, Email string }
	r = b.send(http.MethodGet, url+"/api/v1/session", nil, "Cookie", cookie)
	if r.status != http.StatusOK {
		t.Fatalf("the session after a reopen = %d\n%s", r.status, r.body)
	}
	r.decode(t, &me)
	if me.Role != "viewer" || me.Email != "ann@example.com" {
		t.Errorf("session = %+v", me)
	}
	if r := b.send(http.MethodGet, url+"/api/v1/users", nil, "Cookie", adminCookie); r.status != http.StatusOK {
		t.Errorf("the admin token's session after a reopen = %d", r.status)
	}
	b.send(http.MethodDelete, url+"/api/v1/session", nil, "Cookie", cookie)
	wantError(t, b.send(http.MethodGet, url+"/api/v1/session", nil, "Cookie", cookie), http.StatusUnauthorized, "unauthorized")
}

// TestTokenExpires: a personal API token works until its expires_in has
// passed, then answers 401; a bad expires_in is refused with its field.
func TestTokenExpires(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.addUser("ann@example.com", "editor", "ann-password-1")
	clock := newFakeClock()
	_, base := proxiedServer(t, b, clock)
	cookie := b.loginUser(base, "ann@example.com", "ann-password-1")
	mk := func(expires string) *answer {
		return b.send(http.MethodPost, base+"/api/v1/tokens", map[string]string{"name": "ci", "expires_in": expires}, "Cookie", cookie)
	}
	for _, bad := range []string{"soon", "0d", "30s"} {
		wantError(t, mk(bad), http.StatusUnprocessableEntity, "invalid_expires_in")
	}
	r := mk("2h")
	if r.status != http.StatusCreated {
		t.Fatalf("make token = %d\n%s", r.status, r.body)
	}
	tok := r.json(t)["token"].(string)
	use := func() *answer {
		return b.send(http.MethodGet, base+"/api/v1/workflows", nil, "Authorization", "Bearer "+tok)
	}
	if r := use(); r.status != http.StatusOK {
		t.Fatalf("a fresh token = %d\n%s", r.status, r.body)
	}
	clock.advance(time.Hour + 59*time.Minute)
	if r := use(); r.status != http.StatusOK {
		t.Fatalf("a token a minute before its expiry = %d", r.status)
	}
	clock.advance(time.Minute)
	wantError(t, use(), http.StatusUnauthorized, "unauthorized")
}
