package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/expr-lang/expr/file"
	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/workflows"
)

// sample is the data the editor's previews are made with: a sample
// payload and, optionally, the trigger, earlier steps' outputs and vars.
type sample struct {
	Payload any            `json:"payload"`
	Trigger map[string]any `json:"trigger"`
	Steps   map[string]any `json:"steps"`
	Vars    map[string]any `json:"vars"`
}

// env is the expression environment of a sample, with a budget of its own
// bound to ctx.
func (s sample) env(ctx context.Context) workflows.Env {
	return workflows.Env{Payload: s.Payload, Trigger: orEmpty(s.Trigger), Steps: orEmpty(s.Steps),
		Vars: orEmpty(s.Vars), Secrets: map[string]any{}, Run: map[string]any{},
		Budget: workflows.NewBudget(ctx)}
}

// evalExpr is the editor's live preview: an expression evaluated against a
// sample payload (and optionally trigger, steps and vars).
func (s *Server) evalExpr(c *gin.Context) {
	var req struct {
		Expr string `json:"expr"`
		sample
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	if err := json.Unmarshal(body, &req); err != nil {
		abort(c, http.StatusBadRequest, "bad_json", "the body must be {\"expr\": \"...\", \"payload\": ...}")
		return
	}
	p, err := workflows.CompileExpr(req.Expr)
	if err != nil {
		exprError(c, err, workflows.Hint(req.Expr, err))
		return
	}
	env := req.env(c.Request.Context())
	v, err := workflows.Eval(p, &env)
	hints := workflows.FieldHints(p, map[string]any{"payload": req.Payload, "steps": env.Steps, "vars": env.Vars})
	if err != nil { // such as null > 100, where a field is missing
		exprError(c, err, strings.Join(hints, "; "))
		return
	}
	answer := gin.H{"value": v}
	if w := workflows.Warning(req.Expr); w != "" {
		answer["warning"] = w
	}
	if len(hints) > 0 {
		answer["hints"] = hints
	}
	b, err := encodeJSON(answer)
	if err != nil { // such as 1e308 * 10, +Inf
		exprError(c, fmt.Errorf("the value cannot be written as JSON: %w", err), "")
		return
	}
	c.Data(http.StatusOK, jsonContentType, b)
}

func exprError(c *gin.Context, err error, hint string) {
	e := apiError{Code: "expr_error", Message: err.Error(), Field: "expr", Hint: hint}
	var xe *file.Error
	if errors.As(err, &xe) {
		e.Message, e.Line, e.Column = xe.Message, xe.Line, xe.Column+1
	}
	abortJSON(c, http.StatusBadRequest, gin.H{"error": e})
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
