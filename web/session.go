package web

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// The editor logs in by exchanging the admin token for a session cookie
// (HttpOnly, SameSite=Strict, Secure over TLS), so the token never sits in
// the page's storage. Sessions live in this process's memory: they do not
// survive a restart and are not shared between replicas (a user logs in
// again). A store-backed session table would lift both limits. Each
// session holds the hash of the admin token it was made with, and ends
// when the token is rotated (token_rotate.go), here or on another replica.

// sessionCookie names the editor's session cookie.
const sessionCookie = "hookflow_session"

// sessionTTL is how long a login lasts.
const sessionTTL = 12 * time.Hour

// csrfHeader is the header the editor sends on every request. A request
// authenticated by the session cookie that changes something must carry it
// or a JSON body: a cross-site form can do neither without CORS, which the
// server never grants.
const csrfHeader = "X-Hookflow"

// sessions keeps the editor's logins by their random ids.
type sessions struct {
	mu  sync.Mutex
	ids map[string]session
	now func() time.Time
}

// session is one login: when it ends, and the hash of the admin token it
// was made with.
type session struct {
	expires   time.Time
	tokenHash string
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{ids: make(map[string]session), now: now}
}

// create starts a session for a login with the token of tokenHash and
// returns its id and expiry.
func (ss *sessions) create(tokenHash string) (string, time.Time, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", time.Time{}, err
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	now := ss.now()
	exp := now.Add(sessionTTL)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for k, e := range ss.ids { // sweep: logins are rare, the map small
		if !now.Before(e.expires) || e.tokenHash != tokenHash {
			delete(ss.ids, k)
		}
	}
	ss.ids[id] = session{expires: exp, tokenHash: tokenHash}
	return id, exp, nil
}

// valid reports whether id is a live session made with the current admin
// token (of tokenHash), and its expiry.
func (ss *sessions) valid(id, tokenHash string) (time.Time, bool) {
	if id == "" {
		return time.Time{}, false
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	e, ok := ss.ids[id]
	if !ok {
		return time.Time{}, false
	}
	if !ss.now().Before(e.expires) || e.tokenHash != tokenHash {
		delete(ss.ids, id)
		return time.Time{}, false
	}
	return e.expires, true
}

// end forgets a session.
func (ss *sessions) end(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.ids, id)
}

// sessionAuth checks the session cookie of a request and, for a request
// that changes something, the CSRF guard. It answers the request itself
// (403) where the cookie is good but the guard is missing, and reports
// whether the request may go on; false with nothing answered means "no
// valid session".
func (s *Server) sessionAuth(c *gin.Context) (ok, answered bool) {
	ck, err := c.Request.Cookie(sessionCookie)
	if err != nil {
		return false, false
	}
	exp, ok := s.sessions.valid(ck.Value, s.adminHash.get(c.Request.Context(), s.now()))
	if !ok {
		return false, false
	}
	if !safeMethod(c.Request.Method) && c.GetHeader(csrfHeader) == "" && !jsonRequest(c.Request) {
		abort(c, http.StatusForbidden, "csrf", "a request made with the session cookie must send the "+csrfHeader+" header or a JSON body")
		return false, true
	}
	c.Set("session_expires", exp)
	return true, false
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func jsonRequest(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json"
}

// secureCookies reports whether cookies for this request get Secure: over
// TLS, or behind a base URL that is https.
func (s *Server) secureCookies(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.cfg.BaseURL, "https://")
}

func (s *Server) setSessionCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name:     sessionCookie,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.secureCookies(c.Request),
		SameSite: http.SameSiteStrictMode,
	})
}

// login exchanges the admin token for a session cookie:
// POST /api/v1/session {"token": "..."}.
func (s *Server) login(c *gin.Context) {
	var req struct {
		Token string `json:"token"`
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	if !jsonRequest(c.Request) {
		abort(c, http.StatusUnsupportedMediaType, "bad_request", "log in with a JSON body: {\"token\": \"...\"}")
		return
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Token == "" {
		abort(c, http.StatusBadRequest, "bad_json", "the body must be {\"token\": \"...\"}")
		return
	}
	hash, valid, answered := s.tryToken(c, strings.TrimSpace(req.Token))
	if answered {
		return
	}
	if !valid {
		abort(c, http.StatusUnauthorized, "unauthorized", "that is not the admin token")
		return
	}
	id, exp, err := s.sessions.create(hash)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.setSessionCookie(c, id, int(sessionTTL/time.Second))
	c.Header("Cache-Control", "no-store")
	c.PureJSON(http.StatusOK, gin.H{"authenticated": true, "expires_at": exp.UTC()})
}

// logout ends the session of the cookie, if any, and clears the cookie:
// DELETE /api/v1/session. It needs no auth: an expired session can always
// log out.
func (s *Server) logout(c *gin.Context) {
	if ck, err := c.Request.Cookie(sessionCookie); err == nil {
		s.sessions.end(ck.Value)
	}
	s.setSessionCookie(c, "", -1)
	c.Status(http.StatusNoContent)
}

// sessionInfo tells the editor whether it is logged in: GET
// /api/v1/session, behind admin auth (401 otherwise).
func (s *Server) sessionInfo(c *gin.Context) {
	out := gin.H{"authenticated": true, "via": "token"}
	if exp, ok := c.Get("session_expires"); ok {
		out["via"] = "session"
		out["expires_at"] = exp.(time.Time).UTC()
	}
	c.Header("Cache-Control", "no-store")
	c.PureJSON(http.StatusOK, out)
}
