package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store"
)

// runNow starts a stored run of a workflow with the payload given: POST
// /api/v1/workflows/{id}/runs {"payload": ...} answers 202 {"run_id"}.
// A disabled workflow runs too (its trigger is off, not the operator).
func (s *Server) runNow(c *gin.Context) {
	var req struct {
		Payload json.RawMessage `json:"payload"`
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			abort(c, http.StatusBadRequest, "bad_json", "the body must be {\"payload\": ...}: "+err.Error())
			return
		}
	}
	ev := store.Event{Body: req.Payload, Headers: map[string]string{"content-type": "application/json"}}
	var re *engine.NumberRangeError
	if p := engine.LazyPayload(&ev); errors.As(p.Err, &re) {
		abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{
			Code: "bad_json", Message: re.At("payload"), Field: "payload" + re.Path}})
		return
	}
	res, err := s.engine.RunNow(c.Request.Context(), c.Param("id"), req.Payload)
	if err != nil {
		if errors.Is(err, engine.ErrNotStarted) {
			abort(c, http.StatusServiceUnavailable, "shutting_down", "the server is shutting down; try again")
			return
		}
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusAccepted, gin.H{"run_id": res.RunID})
}
