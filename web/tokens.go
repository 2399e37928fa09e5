package web

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/hookflow/hookflow/store"
)

// Personal API tokens: a user makes one with a name, a role up to their
// own and an optional lifetime; it is answered once and stored only as its
// SHA-256 (a random 256-bit token needs no slow hash). Used as
// "Authorization: Bearer hft_...", it acts with the lower of its role and
// its user's current one; it ends when revoked, when it expires, or with
// its user.

// apiTokenPrefix starts every personal API token, so a leaked one is easy
// to recognise (and told from the admin token's "hf_").
const apiTokenPrefix = "hft_"

// tokenView is a token as the API lists it: never the token itself.
type tokenView struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	UserID    string     `json:"user_id"`
	Email     string     `json:"email,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// parseLifetime reads expires_in: a duration such as "720h", or a number
// of days such as "30d".
func parseLifetime(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 3650 {
			return 0, errors.New("expires_in in days must be from 1d to 3650d")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute {
		return 0, fmt.Errorf("expires_in %q is not a lifetime such as \"720h\" or \"30d\" (at least a minute)", s)
	}
	return d, nil
}

// createToken: POST /api/v1/tokens {"name", "role", "expires_in"} answers
// {"token"} this once.
func (s *Server) createToken(c *gin.Context) {
	p := callerOf(c)
	if p.userID == "" {
		abort(c, http.StatusUnprocessableEntity, "no_user",
			"a personal API token belongs to a user: log in as one (add users with POST /api/v1/users or hookflow user add)")
		return
	}
	if p.tokenID != "" {
		abort(c, http.StatusForbidden, "not_allowed", "a personal API token cannot make other tokens: log in to make one")
		return
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	var req struct {
		Name      string `json:"name"`
		Role      string `json:"role"`
		ExpiresIn string `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		abort(c, http.StatusBadRequest, "bad_json", `the body must be {"name": "...", "role": "viewer|editor|admin", "expires_in": "30d"}`)
		return
	}
	field := func(f, msg string) {
		abortJSON(c, http.StatusUnprocessableEntity, gin.H{"error": apiError{Code: "invalid_" + f, Message: msg, Field: f}})
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || utf8.RuneCountInString(req.Name) > 100 {
		field("name", "give the token a name of up to 100 characters, e.g. \"deploy script\"")
		return
	}
	if req.Role == "" {
		req.Role = p.role.String()
	}
	r, ok := parseRole(req.Role)
	if !ok {
		field("role", fmt.Sprintf("the role %q is not one of viewer, editor, admin", req.Role))
		return
	}
	if r > p.role {
		field("role", fmt.Sprintf("a token's role is at most yours (%s)", p.role))
		return
	}
	life, err := parseLifetime(req.ExpiresIn)
	if err != nil {
		field("expires_in", err.Error())
		return
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		s.fail(c, err)
		return
	}
	tok := apiTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	now := s.now().UTC()
	t := store.APIToken{ID: uuid.Must(uuid.NewV7()).String(), UserID: p.userID, Name: req.Name, Role: r.String(), Hash: hashToken(tok), CreatedAt: now}
	if life > 0 {
		t.ExpiresAt = now.Add(life)
	}
	if err := s.store.APITokenCreate(c.Request.Context(), t); err != nil {
		s.fail(c, err)
		return
	}
	noteAudit(c, t.ID, map[string]any{"name": t.Name, "role": t.Role, "user": p.email})
	v := viewToken(t, p.email)
	c.Header("Cache-Control", "no-store")
	writeJSON(c, http.StatusCreated, gin.H{"token": tok, "id": v.ID, "name": v.Name, "role": v.Role, "expires_at": v.ExpiresAt,
		"note": "shown this once: use it as Authorization: Bearer <token>"})
}

func viewToken(t store.APIToken, email string) tokenView {
	v := tokenView{ID: t.ID, Name: t.Name, Role: t.Role, UserID: t.UserID, Email: email, CreatedAt: t.CreatedAt}
	if !t.ExpiresAt.IsZero() {
		e := t.ExpiresAt
		v.ExpiresAt = &e
	}
	return v
}

// listTokens: GET /api/v1/tokens, the caller's tokens; an admin's list
// has everyone's.
func (s *Server) listTokens(c *gin.Context) {
	p := callerOf(c)
	ctx := c.Request.Context()
	owner := p.userID
	if p.role == roleAdmin {
		owner = ""
	} else if owner == "" {
		writeJSON(c, http.StatusOK, gin.H{"tokens": []tokenView{}})
		return
	}
	list, err := s.store.APITokenList(ctx, owner)
	if err != nil {
		s.fail(c, err)
		return
	}
	emails := map[string]string{p.userID: p.email}
	if owner == "" {
		users, err := s.store.UserList(ctx)
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, u := range users {
			emails[u.ID] = u.Email
		}
	}
	out := make([]tokenView, 0, len(list))
	for _, t := range list {
		out = append(out, viewToken(t, emails[t.UserID]))
	}
	writeJSON(c, http.StatusOK, gin.H{"tokens": out})
}

// deleteToken: DELETE /api/v1/tokens/{id} revokes one of the caller's
// tokens, or anyone's for an admin.
func (s *Server) deleteToken(c *gin.Context) {
	p := callerOf(c)
	ctx := c.Request.Context()
	id := c.Param("id")
	if p.role != roleAdmin {
		mine, err := s.store.APITokenList(ctx, p.userID)
		if err != nil {
			s.fail(c, err)
			return
		}
		found := false
		for _, t := range mine {
			found = found || t.ID == id
		}
		if p.userID == "" || !found {
			abort(c, http.StatusNotFound, "not_found", "you have no token "+id)
			return
		}
	}
	if err := s.store.APITokenDelete(ctx, id); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
