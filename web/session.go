package web

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/store"
)

// The editor logs in with a user's email and password, or with the admin
// token, and gets a session cookie (HttpOnly, SameSite=Strict, Secure over
// TLS), so no secret sits in the page's storage. Sessions live in the
// store, by the SHA-256 of the cookie's random value: they survive a
// restart and are shared by replicas. Logging out ends one; a password
// change or the user's removal ends all of the user's. A session made
// with the admin token holds that token's hash and ends when the token is
// rotated (token_rotate.go), here or on another replica.

// sessionCookie names the editor's session cookie.
const sessionCookie = "hookflow_session"

// sessionTTL is how long a login lasts.
const sessionTTL = 12 * time.Hour

// csrfHeader is the header the editor sends on every request. A request
// authenticated by the session cookie that changes something must carry it
// or a JSON body: a cross-site form can do neither without CORS, which the
// server never grants.
const csrfHeader = "X-Hookflow"

// newSession stores a session for a user (userID) or for the admin token
// (tokenHash) and returns the cookie's value and its expiry.
func (s *Server) newSession(c *gin.Context, userID, tokenHash string) (string, time.Time, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", time.Time{}, err
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	now := s.now().UTC()
	exp := now.Add(sessionTTL)
	err := s.store.SessionCreate(c.Request.Context(), store.Session{
		IDHash: hashToken(id), UserID: userID, AdminTokenHash: tokenHash, CreatedAt: now, ExpiresAt: exp,
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return id, exp, nil
}

// sessionAuth checks the session cookie of a request and, for a request
// that changes something, the CSRF guard. It answers the request itself
// (403) where the cookie is good but the guard is missing, and reports
// whether the request may go on; false with nothing answered means "no
// valid session".
func (s *Server) sessionAuth(c *gin.Context) (p principal, ok, answered bool) {
	ck, err := c.Request.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return principal{}, false, false
	}
	ctx := c.Request.Context()
	ss, err := s.store.SessionGet(ctx, hashToken(ck.Value))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("auth: read the session", "err", err)
		}
		return principal{}, false, false
	}
	if !s.now().Before(ss.ExpiresAt) {
		return principal{}, false, false
	}
	if ss.UserID == "" {
		if ss.AdminTokenHash == "" || ss.AdminTokenHash != s.adminHash.get(ctx, s.now()) {
			return principal{}, false, false
		}
		p = principal{role: roleAdmin, via: "session"}
	} else {
		u, err := s.store.UserGet(ctx, ss.UserID)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				s.log.Warn("auth: read the session's user", "err", err)
			}
			return principal{}, false, false
		}
		p = userPrincipal(u, "session")
	}
	if !safeMethod(c.Request.Method) && c.GetHeader(csrfHeader) == "" && !jsonRequest(c.Request) {
		abort(c, http.StatusForbidden, "csrf", "a request made with the session cookie must send the "+csrfHeader+" header or a JSON body")
		return principal{}, false, true
	}
	c.Set("session_expires", ss.ExpiresAt)
	return p, true, false
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

// loginRequest is the body of POST /api/v1/session: a user's email and
// password, or the admin token.
type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Token    string `json:"token"`
}

// login exchanges a user's email and password, or the admin token, for a
// session cookie: POST /api/v1/session.
func (s *Server) login(c *gin.Context) {
	const shape = `the body must be {"email": "...", "password": "..."} or {"token": "..."}`
	body, ok := readBody(c)
	if !ok {
		return
	}
	if !jsonRequest(c.Request) {
		abort(c, http.StatusUnsupportedMediaType, "bad_request", "log in with a JSON body: {\"email\": \"...\", \"password\": \"...\"} or {\"token\": \"...\"}")
		return
	}
	var req loginRequest
	if err := json.Unmarshal(body, &req); err != nil {
		abort(c, http.StatusBadRequest, "bad_json", shape)
		return
	}
	switch {
	case req.Token != "":
		s.loginToken(c, strings.TrimSpace(req.Token))
	case req.Email != "" && req.Password != "":
		s.loginPassword(c, req.Email, req.Password)
	default:
		abort(c, http.StatusBadRequest, "bad_json", shape)
	}
}

// loginToken starts a session with the admin token.
func (s *Server) loginToken(c *gin.Context, tok string) {
	hash, valid, answered := s.tryToken(c, tok)
	if answered {
		return
	}
	if !valid {
		s.audit(c, store.AuditEntry{Actor: adminActor, Action: "login.failed"})
		abort(c, http.StatusUnauthorized, "unauthorized", "that is not the admin token")
		return
	}
	s.startSession(c, principal{role: roleAdmin, via: "session"}, "", hash)
}

// startSession stores a session, sets its cookie, records the login and
// answers.
func (s *Server) startSession(c *gin.Context, p principal, userID, tokenHash string) {
	id, exp, err := s.newSession(c, userID, tokenHash)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, store.AuditEntry{Actor: p.actor(), Via: "session", Action: "login"})
	s.setSessionCookie(c, id, int(sessionTTL/time.Second))
	c.Header("Cache-Control", "no-store")
	out := gin.H{"authenticated": true, "expires_at": exp.UTC(), "role": p.role.String()}
	if p.email != "" {
		out["email"] = p.email
	}
	c.PureJSON(http.StatusOK, out)
}

// logout ends the session of the cookie, if any, and clears the cookie:
// DELETE /api/v1/session. It needs no auth: an expired session can always
// log out.
func (s *Server) logout(c *gin.Context) {
	if ck, err := c.Request.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := s.store.SessionDelete(c.Request.Context(), hashToken(ck.Value)); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.setSessionCookie(c, "", -1)
	c.Status(http.StatusNoContent)
}

// sessionInfo tells the editor who is logged in, with which role: GET
// /api/v1/session, behind auth (401 otherwise).
func (s *Server) sessionInfo(c *gin.Context) {
	p := callerOf(c)
	out := gin.H{"authenticated": true, "via": "token", "role": p.role.String(), "actor": p.actor()}
	if p.email != "" {
		out["email"] = p.email
		out["user_id"] = p.userID
	}
	if exp, ok := c.Get("session_expires"); ok {
		out["via"] = "session"
		out["expires_at"] = exp.(time.Time).UTC()
	}
	c.Header("Cache-Control", "no-store")
	c.PureJSON(http.StatusOK, out)
}
