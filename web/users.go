package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/hookflow/hookflow/store"
)

// ErrInvalidUser marks a user the API or the command line refuses: a bad
// email, role or password (its message says which, in plain words).
var ErrInvalidUser = errors.New("invalid user")

// invalid is an ErrInvalidUser naming the field.
type invalid struct {
	field, msg string
}

func (e *invalid) Error() string { return e.msg }
func (e *invalid) Unwrap() error { return ErrInvalidUser }

// AddUser stores a new user with a role and a password (argon2id-hashed);
// the email is kept in lower case. store.ErrConflict where it is taken.
func AddUser(ctx context.Context, st store.Store, email, roleName, password string, now time.Time) (store.User, error) {
	email = normalizeEmail(email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || a.Name != "" {
		return store.User{}, &invalid{"email", fmt.Sprintf("%q is not an email address such as ann@example.com", email)}
	}
	if _, ok := parseRole(roleName); !ok {
		return store.User{}, &invalid{"role", fmt.Sprintf("the role %q is not one of viewer, editor, admin", roleName)}
	}
	if err := CheckPassword(password); err != nil {
		return store.User{}, &invalid{"password", err.Error()}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return store.User{}, err
	}
	now = store.OrNow(now).UTC()
	u := store.User{ID: uuid.Must(uuid.NewV7()).String(), Email: email, Role: roleName, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := st.UserCreate(ctx, u); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// UpdateUser changes a user's role and/or password (an empty one is
// kept); a new password ends the user's sessions.
func UpdateUser(ctx context.Context, st store.Store, id, roleName, password string, now time.Time) (store.User, error) {
	if roleName != "" {
		if _, ok := parseRole(roleName); !ok {
			return store.User{}, &invalid{"role", fmt.Sprintf("the role %q is not one of viewer, editor, admin", roleName)}
		}
	}
	p := store.UserUpdateParams{ID: id, Role: roleName, Now: store.OrNow(now).UTC()}
	if password != "" {
		if err := CheckPassword(password); err != nil {
			return store.User{}, &invalid{"password", err.Error()}
		}
		h, err := HashPassword(password)
		if err != nil {
			return store.User{}, err
		}
		p.PasswordHash = h
	}
	return st.UserUpdate(ctx, p)
}

// userView is a user as the API shows it: never the password hash.
type userView struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewUser(u store.User) userView {
	return userView{ID: u.ID, Email: u.Email, Role: u.Role, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// failUser answers a refused user (422 naming the field) or another error.
func (s *Server) failUser(c *gin.Context, err error) {
	var iv *invalid
	if errors.As(err, &iv) {
		abortJSON(c, http.StatusUnprocessableEntity, gin.H{"error": apiError{Code: "invalid_" + iv.field, Message: iv.msg, Field: iv.field}})
		return
	}
	if errors.Is(err, store.ErrConflict) {
		abortJSON(c, http.StatusConflict, gin.H{"error": apiError{Code: "conflict", Message: "a user with this email exists", Field: "email"}})
		return
	}
	s.fail(c, err)
}

// listUsers: GET /api/v1/users.
func (s *Server) listUsers(c *gin.Context) {
	users, err := s.store.UserList(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]userView, 0, len(users))
	for _, u := range users {
		out = append(out, viewUser(u))
	}
	writeJSON(c, http.StatusOK, gin.H{"users": out})
}

// userRequest is the body of POST and PUT /api/v1/users.
type userRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Role     string `json:"role"`
}

func readUserRequest(c *gin.Context) (userRequest, bool) {
	var req userRequest
	body, ok := readBody(c)
	if !ok {
		return req, false
	}
	if err := json.Unmarshal(body, &req); err != nil {
		abort(c, http.StatusBadRequest, "bad_json", `the body must be {"email": "...", "password": "...", "role": "viewer|editor|admin"}`)
		return req, false
	}
	return req, true
}

// createUser: POST /api/v1/users {"email", "password", "role"}.
func (s *Server) createUser(c *gin.Context) {
	req, ok := readUserRequest(c)
	if !ok {
		return
	}
	u, err := AddUser(c.Request.Context(), s.store, req.Email, req.Role, req.Password, s.now())
	if err != nil {
		s.failUser(c, err)
		return
	}
	noteAudit(c, u.ID, map[string]any{"email": u.Email, "role": u.Role})
	writeJSON(c, http.StatusCreated, viewUser(u))
}

// updateUser: PUT /api/v1/users/{id} {"role"} and/or {"password"}.
func (s *Server) updateUser(c *gin.Context) {
	req, ok := readUserRequest(c)
	if !ok {
		return
	}
	if req.Role == "" && req.Password == "" {
		abort(c, http.StatusBadRequest, "bad_json", `give a new "role" and/or "password"`)
		return
	}
	ctx := c.Request.Context()
	old, err := s.store.UserGet(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	u, err := UpdateUser(ctx, s.store, old.ID, req.Role, req.Password, s.now())
	if err != nil {
		s.failUser(c, err)
		return
	}
	detail := map[string]any{"email": u.Email}
	if req.Role != "" && req.Role != old.Role {
		detail["role_before"], detail["role"] = old.Role, u.Role
	}
	if req.Password != "" {
		detail["password_changed"] = true
	}
	noteAudit(c, u.ID, detail)
	writeJSON(c, http.StatusOK, viewUser(u))
}

// deleteUser: DELETE /api/v1/users/{id}, with the user's sessions and
// tokens.
func (s *Server) deleteUser(c *gin.Context) {
	ctx := c.Request.Context()
	u, err := s.store.UserGet(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.store.UserDelete(ctx, u.ID); err != nil {
		s.fail(c, err)
		return
	}
	noteAudit(c, u.ID, map[string]any{"email": u.Email})
	c.Status(http.StatusNoContent)
}
