package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/store"
)

// A request to the admin API comes from a principal: the admin token (the
// bootstrap owner, role admin), a user logged in with a session, or a
// user's personal API token, whose role is the lower of the token's and
// the user's current one.

// adminActor is how the audit log names the admin token.
const adminActor = "admin token"

// principalKey is where authorize leaves the caller in the gin context.
const principalKey = "hookflow_principal"

// principal is who makes a request.
type principal struct {
	role   role
	userID string
	email  string
	// via is how they came: "session", "bearer" (the admin token in the
	// header), or "token NAME".
	via     string
	tokenID string
}

// actor names the principal in the audit log.
func (p principal) actor() string {
	if p.email == "" {
		return adminActor
	}
	return p.email
}

// who names the principal in an error message.
func (p principal) who() string {
	if p.email == "" {
		return "the admin token"
	}
	if strings.HasPrefix(p.via, "token ") {
		return "this token of " + p.email
	}
	return p.email
}

// userPrincipal is a user as a principal.
func userPrincipal(u store.User, via string) principal {
	r, _ := parseRole(u.Role) // an unknown stored role reads as public: nothing allowed
	return principal{role: r, userID: u.ID, email: u.Email, via: via}
}

// callerOf returns the principal authorize found.
func callerOf(c *gin.Context) principal {
	p, _ := c.Get(principalKey)
	pp, _ := p.(principal)
	return pp
}

// authenticate finds who makes a request: the admin token or a personal
// API token as "Authorization: Bearer T", or a session cookie. It answers
// the request itself (401, 403, 429) where it returns false. Wrong
// tokens are limited per client address (auth_limit.go); session ids are
// not, being 256 random bits, and an editor left open across a restart
// must not lock its user out with its stale cookie.
func (s *Server) authenticate(c *gin.Context) (principal, bool) {
	if tok, ok := bearer(c.GetHeader("Authorization")); ok {
		p, valid, answered := s.tryBearer(c, tok)
		if answered {
			return principal{}, false
		}
		if valid {
			return p, true
		}
	}
	if p, ok, answered := s.sessionAuth(c); ok {
		return p, true
	} else if answered {
		return principal{}, false
	}
	c.Header("WWW-Authenticate", `Bearer realm="hookflow"`)
	abort(c, http.StatusUnauthorized, "unauthorized",
		"the admin API needs a token (Authorization: Bearer <token>: the admin token or a personal API token) or the editor's login")
	return principal{}, false
}

// tryBearer checks a bearer token, the admin token or a personal one,
// under the failure limit of the client's address.
func (s *Server) tryBearer(c *gin.Context, tok string) (p principal, ok, answered bool) {
	key := s.clientKey(c)
	if s.answerBlocked(c, s.authFails.blocked(key, s.now()), "with a token from this address") {
		return principal{}, false, true
	}
	if _, ok := s.matchToken(c.Request.Context(), tok); ok {
		return principal{role: roleAdmin, via: "bearer"}, true, false
	}
	if p, ok := s.apiTokenPrincipal(c, tok); ok {
		return p, true, false
	}
	s.addressFailed(c, key)
	return principal{}, false, false
}

// apiTokenPrincipal resolves a personal API token: live, and of a user
// who still exists.
func (s *Server) apiTokenPrincipal(c *gin.Context, tok string) (principal, bool) {
	if !strings.HasPrefix(tok, apiTokenPrefix) {
		return principal{}, false
	}
	ctx := c.Request.Context()
	t, err := s.store.APITokenGetByHash(ctx, hashToken(tok))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("auth: read the API token", "err", err)
		}
		return principal{}, false
	}
	if !t.ExpiresAt.IsZero() && !s.now().Before(t.ExpiresAt) {
		return principal{}, false
	}
	u, err := s.store.UserGet(ctx, t.UserID)
	if err != nil {
		return principal{}, false
	}
	p := userPrincipal(u, "token "+t.Name)
	p.tokenID = t.ID
	if r, ok := parseRole(t.Role); !ok {
		p.role = rolePublic
	} else if r < p.role {
		p.role = r
	}
	return p, true
}

// NormalizeEmail is an email as users are stored and looked up by: in
// lower case, without surrounding spaces.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func normalizeEmail(e string) string { return NormalizeEmail(e) }

// loginPassword starts a session for a user's email and password. Failed
// attempts are limited per client address and per account; an address or
// account past its limit is answered 429 before the password is checked.
// An unknown email costs the same password check as a wrong password and
// gets the same answer.
func (s *Server) loginPassword(c *gin.Context, email, password string) {
	email = normalizeEmail(email)
	key := s.clientKey(c)
	now := s.now()
	if s.answerBlocked(c, max(s.authFails.blocked(key, now), s.loginFails.blocked(email, now)), "to log in from this address or to this account") {
		return
	}
	hash := dummyHash
	u, err := s.store.UserGetByEmail(c.Request.Context(), email)
	switch {
	case err == nil:
		hash = u.PasswordHash
	case !errors.Is(err, store.ErrNotFound):
		s.fail(c, err)
		return
	}
	if len(password) > maxPasswordLen {
		password = password[:maxPasswordLen] // the same work; it cannot match a stored one
		err = errBadHash
	}
	match, verr := verifyPassword(hash, password)
	if verr != nil {
		s.log.Error("auth: a stored password hash is unreadable", "user", u.ID, "err", verr)
	}
	if err != nil || !match {
		s.addressFailed(c, key)
		if s.loginFails.fail(email, now) {
			s.log.Warn("auth: too many failed logins, account limited", "client", key.String())
		}
		s.audit(c, store.AuditEntry{Actor: email, Action: "login.failed"})
		abort(c, http.StatusUnauthorized, "unauthorized", "wrong email or password")
		return
	}
	s.startSession(c, userPrincipal(u, "session"), u.ID, "")
}
