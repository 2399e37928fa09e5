package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store"
)

// runView is a run as the API shows it.
type runView struct {
	ID          string     `json:"id"`
	Workflow    string     `json:"workflow"`
	Revision    int        `json:"revision"`
	EventID     string     `json:"event_id"`
	Status      string     `json:"status"`
	NextStep    int        `json:"next_step"`
	Attempt     int        `json:"attempt"`
	StepAttempt int        `json:"step_attempt,omitempty"`
	Error       string     `json:"error,omitempty"`
	ReplayOf    string     `json:"replay_of,omitempty"`
	NextRunAt   *time.Time `json:"next_run_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
}

func viewRun(r store.Run) runView {
	v := runView{
		ID: r.ID, Workflow: r.WorkflowID, Revision: r.Revision, EventID: r.EventID, Status: r.Status,
		NextStep: r.NextStep, Attempt: r.Attempt, StepAttempt: r.StepAttempt, Error: r.Error,
		ReplayOf: r.ReplayOf, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if r.Status == store.StatusRetrying || r.Status == store.StatusWaiting || r.Status == store.StatusQueued {
		t := r.RunAt
		v.NextRunAt = &t
	}
	if !r.FinishedAt.IsZero() {
		t := r.FinishedAt
		v.FinishedAt = &t
	}
	return v
}

// stepView is one recorded step attempt.
type stepView struct {
	Step       string          `json:"step"`
	Index      int             `json:"index"`
	Attempt    int             `json:"attempt"`
	Status     string          `json:"status"`
	Input      json.RawMessage `json:"input,omitempty"`
	Output     json.RawMessage `json:"output,omitempty"`
	Error      string          `json:"error,omitempty"`
	StatusCode int             `json:"status_code,omitempty"`
	StartedAt  time.Time       `json:"started_at"`
	DurationMS float64         `json:"duration_ms"`
	// InputError and OutputError stand in for a recorded input or output
	// that cannot be shown as JSON.
	InputError  string `json:"input_error,omitempty"`
	OutputError string `json:"output_error,omitempty"`
}

// dropUnencodable replaces a recorded input or output that is not JSON
// with an error saying so.
func (v *stepView) dropUnencodable() {
	if len(v.Input) > 0 && !json.Valid(v.Input) {
		v.Input, v.InputError = nil, "the recorded input is not valid JSON and cannot be shown"
	}
	if len(v.Output) > 0 && !json.Valid(v.Output) {
		v.Output, v.OutputError = nil, "the recorded output is not valid JSON and cannot be shown"
	}
}

func (s *Server) listRuns(c *gin.Context) {
	p := store.RunListParams{
		WorkflowID: c.Query("workflow"),
		Status:     c.Query("status"),
		Before:     c.Query("cursor"),
		Limit:      50,
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			abort(c, http.StatusBadRequest, "bad_request", "limit must be a number from 1 to 1000")
			return
		}
		p.Limit = n
	}
	for name, dst := range map[string]*time.Time{"since": &p.Since, "until": &p.Until} {
		if v := c.Query(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				abort(c, http.StatusBadRequest, "bad_request", name+" must be an RFC 3339 time, e.g. 2026-01-02T15:04:05Z")
				return
			}
			*dst = t
		}
	}
	if p.Status != "" && !validStatus(p.Status) {
		abort(c, http.StatusBadRequest, "bad_request", "unknown status "+strconv.Quote(p.Status))
		return
	}
	if !replayFilters(c, &p) {
		return
	}
	runs, err := s.store.RunList(c.Request.Context(), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]runView, 0, len(runs))
	for _, r := range runs {
		out = append(out, viewRun(r))
	}
	resp := gin.H{"runs": out}
	if len(runs) == p.Limit {
		resp["next_cursor"] = runs[len(runs)-1].ID
	}
	writeJSON(c, http.StatusOK, resp)
}

func validStatus(s string) bool {
	switch s {
	case store.StatusQueued, store.StatusRunning, store.StatusRetrying, store.StatusWaiting,
		store.StatusSucceeded, store.StatusFiltered, store.StatusFailed, store.StatusCancelled:
		return true
	}
	return false
}

func (s *Server) getRun(c *gin.Context) {
	run, err := s.store.RunGet(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	ev, err := s.store.EventGet(c.Request.Context(), run.EventID)
	if err != nil {
		s.fail(c, err)
		return
	}
	results, err := s.store.StepResultList(c.Request.Context(), run.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	steps := make([]stepView, 0, len(results))
	for _, r := range results {
		steps = append(steps, stepView{
			Step: r.StepID, Index: r.StepIndex, Attempt: r.Attempt, Status: r.Status,
			Input: r.Input, Output: r.Output, Error: r.Error, StatusCode: r.StatusCode,
			StartedAt: r.StartedAt, DurationMS: float64(r.Duration) / float64(time.Millisecond),
		})
	}
	calls, err := s.engine.Calls(c.Request.Context(), run, &ev, results)
	if err != nil {
		s.fail(c, err)
		return
	}
	event := viewEvent(ev)
	writeView(c, http.StatusOK, gin.H{"run": viewRun(run), "event": &event, "steps": steps, "calls": calls}, func() {
		event.dropUnencodable()
		for i := range steps {
			steps[i].dropUnencodable()
		}
	})
}

func (s *Server) replayRun(c *gin.Context) {
	var req struct {
		FromStep   string `json:"from_step"`
		OnlyFailed bool   `json:"only_failed"`
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			abort(c, http.StatusBadRequest, "bad_json", "the body must be {} or {\"from_step\": \"id\"} (with \"only_failed\": true for a loop's failed items)")
			return
		}
	}
	run, err := s.engine.ReplayFrom(c.Request.Context(), c.Param("id"), engine.ReplayOptions{FromStep: req.FromStep, OnlyFailed: req.OnlyFailed})
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusAccepted, gin.H{"run_id": run.ID, "run": viewRun(run)})
}
