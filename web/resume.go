package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store"
)

// maxResumeBody caps the body of a request to a resume URL.
const maxResumeBody = 1 << 20

// resumeHook serves a wait step's resume URL, /hooks/resume/{token}: a
// POST (JSON or form body) or a GET (query) resumes the run, 200 once; a
// second request is 409, an unknown URL 404. Like every /hooks/ answer it
// is inert (sandboxed, never sniffed).
func (s *Server) resumeHook(c *gin.Context) {
	r := c.Request
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		c.Header("Allow", "GET, POST")
		abort(c, http.StatusMethodNotAllowed, "method_not_allowed", "a resume URL takes GET or POST")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, r.Body, maxResumeBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			abort(c, http.StatusRequestEntityTooLarge, "too_large", "the body is over the limit")
			return
		}
		abort(c, http.StatusBadRequest, "bad_body", "the body could not be read")
		return
	}
	headers := map[string]string{"content-type": strings.ToLower(r.Header.Get("Content-Type"))}
	req := engine.ResumeRequestOf(r.Method, headers, body, r.URL.RawQuery)
	runID, err := s.engine.ResumeByToken(r.Context(), c.Param("token"), req)
	if s.resumeFailed(c, err) {
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"resumed": true, "run_id": runID})
}

// resumeFailed answers for a resume that did not happen, and reports it.
func (s *Server) resumeFailed(c *gin.Context, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, engine.ErrBadResumeToken), errors.Is(err, store.ErrNotFound):
		abort(c, http.StatusNotFound, "not_found", "unknown resume URL")
	case errors.Is(err, store.ErrConflict):
		abort(c, http.StatusConflict, "conflict", "this step was resumed already, or its run has finished")
	default:
		s.fail(c, err)
	}
	return true
}

// resumeRun is an operator resuming a wait step from the run page: POST
// /api/v1/runs/{id}/resume {"step": "approval", "body": {...}}.
func (s *Server) resumeRun(c *gin.Context) {
	var req struct {
		Step string          `json:"step"`
		Body json.RawMessage `json:"body"`
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Step == "" {
		abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{Code: "bad_json",
			Message: "the body must be {\"step\": \"id\", \"body\": ...}", Field: "step"}})
		return
	}
	rr := engine.ResumeRequestOf(http.MethodPost, map[string]string{"content-type": "application/json"}, req.Body, "")
	if s.resumeFailed(c, s.engine.Resume(c.Request.Context(), c.Param("id"), req.Step, rr)) {
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"resumed": true, "run_id": c.Param("id")})
}

// listWaits lists a run's wait steps with their resume URLs: GET
// /api/v1/runs/{id}/waits.
func (s *Server) listWaits(c *gin.Context) {
	waits, err := s.engine.Waits(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	for i := range waits {
		if strings.HasPrefix(waits[i].URL, "/") { // the engine has no base URL: this request's
			waits[i].URL = s.baseURL(c.Request) + waits[i].URL
		}
	}
	writeJSON(c, http.StatusOK, gin.H{"waits": waits})
}
