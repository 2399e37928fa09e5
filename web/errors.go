package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// apiError is the JSON error body.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Step    string `json:"step,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	// Hint says how to mend a common mistake, in plain words.
	Hint string `json:"hint,omitempty"`
}

func abort(c *gin.Context, status int, code, msg string) {
	abortJSON(c, status, gin.H{"error": apiError{Code: code, Message: msg}})
}

// abortField is abort naming the request field at fault.
func abortField(c *gin.Context, status int, code, msg, field string) {
	abortJSON(c, status, gin.H{"error": apiError{Code: code, Message: msg, Field: field}})
}

// fail answers for an error from a lower layer: invalid definitions name
// their field, missing records are 404, anything else is logged and
// answered 500 without details.
func (s *Server) fail(c *gin.Context, err error) {
	var fe *workflows.FieldError
	switch {
	case errors.As(err, &fe):
		status, code := http.StatusUnprocessableEntity, "invalid_workflow"
		if fe.Field == "definition" {
			status, code = http.StatusBadRequest, "bad_json"
		}
		abortJSON(c, status, gin.H{"error": apiError{
			Code: code, Message: fe.Error(), Field: fe.Field, Step: fe.Step, Line: fe.Line, Column: fe.Column, Hint: fe.Hint,
		}})
	case errors.Is(err, store.ErrNotFound):
		abort(c, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, store.ErrConflict):
		abort(c, http.StatusConflict, "conflict", err.Error())
	default:
		s.log.Error("request failed", "route", c.FullPath(), "err", err)
		abort(c, http.StatusInternalServerError, "internal", "internal error; see the server log")
	}
}

// recovery turns a panic into a JSON 500 without a stack trace.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, rec any) {
		log.Error("panic serving request", "route", c.FullPath(), "panic", rec)
		abort(c, http.StatusInternalServerError, "internal", "internal error; see the server log")
	})
}

// accessLog logs each request by route pattern, never by raw path: trigger
// URLs hold secret keys.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		log.Debug("http", "method", c.Request.Method, "route", route, "status", c.Writer.Status())
	}
}
