package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/workflows"
)

// checkCondition is the condition builder's live result: POST
// /api/v1/condition {"when": rules or an expression, "payload": ...,
// optionally "trigger", "steps", "vars"} answers {"ok": bool, "rules":
// [{"path", "ok", "seen", "group"}]}, one entry per rule and group of the
// rules, or 400 with the field of the rule at fault ("when.all[1].op").
func (s *Server) checkCondition(c *gin.Context) {
	var req struct {
		When json.RawMessage `json:"when"`
		sample
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	if err := json.Unmarshal(body, &req); err != nil {
		abort(c, http.StatusBadRequest, "bad_json", "the body must be {\"when\": rules or an expression, \"payload\": ...}")
		return
	}
	var cond workflows.Condition
	if len(req.When) == 0 || string(req.When) == "null" {
		abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{Code: "condition_error", Message: "when is required", Field: "when"}})
		return
	}
	if err := json.Unmarshal(req.When, &cond); err != nil {
		abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{Code: "condition_error", Message: "when: " + err.Error(), Field: "when"}})
		return
	}
	env := req.env(c.Request.Context())
	held, rules, err := workflows.CheckCondition("when", cond, &env)
	if err != nil {
		e := apiError{Code: "condition_error", Message: err.Error(), Field: "when"}
		var fe *workflows.FieldError
		if errors.As(err, &fe) {
			e.Message, e.Field, e.Line, e.Column, e.Hint = fe.Message, fe.Field, fe.Line, fe.Column, fe.Hint
		}
		abortJSON(c, http.StatusBadRequest, gin.H{"error": e})
		return
	}
	if rules == nil {
		rules = []workflows.RuleResult{}
	}
	b, err := encodeJSON(gin.H{"ok": held, "rules": rules})
	if err != nil {
		abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{Code: "condition_error", Message: "a value seen cannot be written as JSON: " + err.Error(), Field: "when"}})
		return
	}
	c.Data(http.StatusOK, jsonContentType, b)
}
