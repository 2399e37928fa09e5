package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/secrets"
)

// secretView is a secret as the API shows it: never its value.
type secretView struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// vault answers 503 itself when the server has no secrets vault.
func (s *Server) vault(c *gin.Context) (*secrets.Vault, bool) {
	if s.cfg.Secrets == nil {
		abort(c, http.StatusServiceUnavailable, "secrets_unavailable", "this server has no secrets vault configured")
		return nil, false
	}
	return s.cfg.Secrets, true
}

func (s *Server) listSecrets(c *gin.Context) {
	v, ok := s.vault(c)
	if !ok {
		return
	}
	infos, err := v.List(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]secretView, 0, len(infos))
	for _, i := range infos {
		out = append(out, secretView{Name: i.Name, CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt})
	}
	writeJSON(c, http.StatusOK, gin.H{"secrets": out})
}

// putSecret sets a secret from {"value": "..."}: 204, and the value is
// never answered, logged or echoed in an error.
func (s *Server) putSecret(c *gin.Context) {
	v, ok := s.vault(c)
	if !ok {
		return
	}
	name := c.Param("name")
	if err := secrets.ValidName(name); err != nil {
		abortJSON(c, http.StatusUnprocessableEntity, gin.H{"error": apiError{
			Code: "invalid_name", Message: err.Error(), Field: "name"}})
		return
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	var req struct {
		Value *string `json:"value"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		abort(c, http.StatusBadRequest, "bad_json", `the body must be {"value": "..."} with a string value`)
		return
	}
	if req.Value == nil || *req.Value == "" {
		abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{
			Code: "missing_value", Message: `the body must be {"value": "..."} with a non-empty value`, Field: "value"}})
		return
	}
	err := v.Set(c.Request.Context(), name, *req.Value)
	switch {
	case errors.Is(err, secrets.ErrTooLarge):
		abortJSON(c, http.StatusRequestEntityTooLarge, gin.H{"error": apiError{
			Code: "value_too_large", Message: err.Error(), Field: "value"}})
	case err != nil:
		s.fail(c, err)
	default:
		c.Status(http.StatusNoContent)
	}
}

func (s *Server) deleteSecret(c *gin.Context) {
	v, ok := s.vault(c)
	if !ok {
		return
	}
	if err := v.Delete(c.Request.Context(), c.Param("name")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
