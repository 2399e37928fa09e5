package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// Run controls (retry now, cancel), bulk replay jobs, and failures grouped
// into issues.

// retryNow makes a retrying run attempt its step now: 409 for any other.
func (s *Server) retryNow(c *gin.Context) {
	run, err := s.engine.RetryNow(c.Request.Context(), c.Param("id"))
	if errors.Is(err, store.ErrConflict) {
		s.refuseControl(c, "retried now: only a retrying run can be")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusAccepted, gin.H{"run": viewRun(run)})
}

// cancelRun cancels a queued, retrying or waiting run at once (200), or a
// running one after its attempt in flight (202, cancel_requested); 409 for
// a finished run.
func (s *Server) cancelRun(c *gin.Context) {
	run, cancelled, err := s.engine.Cancel(c.Request.Context(), c.Param("id"))
	if errors.Is(err, store.ErrConflict) {
		s.refuseControl(c, "cancelled: it has finished")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if !cancelled {
		writeJSON(c, http.StatusAccepted, gin.H{"run": viewRun(run), "cancel_requested": true})
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"run": viewRun(run)})
}

// refuseControl answers 409 for a run control that does not apply to the
// run as it is, saying its status in plain words.
func (s *Server) refuseControl(c *gin.Context, why string) {
	status := "in another state"
	if r, err := s.store.RunGet(c.Request.Context(), c.Param("id")); err == nil {
		status = r.Status
	}
	abort(c, http.StatusConflict, "conflict", fmt.Sprintf("the run is %s, so it cannot be %s", status, why))
}

// bulkReplayRequest is POST /api/v1/replays's body.
type bulkReplayRequest struct {
	Workflow      string `json:"workflow"`
	Status        string `json:"status"`
	Since         string `json:"since"`
	Until         string `json:"until"`
	From          string `json:"from"`
	RatePerSecond int    `json:"rate_per_second"`
	Dry           bool   `json:"dry"`
}

// replayJobView is a bulk replay job as the API shows it.
type replayJobView struct {
	ID            string     `json:"id"`
	Workflow      string     `json:"workflow,omitempty"`
	Status        string     `json:"status,omitempty"`
	Since         *time.Time `json:"since,omitempty"`
	Until         *time.Time `json:"until,omitempty"`
	From          string     `json:"from"`
	RatePerSecond int        `json:"rate_per_second"`
	State         string     `json:"state"`
	Total         int        `json:"total"`
	Done          int        `json:"done"`
	Failed        int        `json:"failed"`
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func viewReplayJob(j store.ReplayJob) replayJobView {
	return replayJobView{
		ID: j.ID, Workflow: j.WorkflowID, Status: j.Status, Since: optTime(j.Since), Until: optTime(j.Until),
		From: j.From, RatePerSecond: j.RatePerSecond, State: j.State, Total: j.Total, Done: j.Done,
		Failed: j.Failed, LastError: j.LastError, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt,
		FinishedAt: optTime(j.FinishedAt),
	}
}

// createReplays previews (dry) or starts a bulk replay.
func (s *Server) createReplays(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	var req bulkReplayRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		abort(c, http.StatusBadRequest, "bad_json", "the body must be {\"workflow\", \"status\", \"since\", \"until\", \"from\", \"rate_per_second\", \"dry\"}: "+err.Error())
		return
	}
	p := engine.BulkReplayParams{WorkflowID: req.Workflow, Status: req.Status, From: req.From, RatePerSecond: req.RatePerSecond}
	for name, v := range map[string]struct {
		s   string
		dst *time.Time
	}{"since": {req.Since, &p.Since}, "until": {req.Until, &p.Until}} {
		if v.s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v.s)
		if err != nil {
			abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{Code: "bad_request", Field: name,
				Message: name + " must be an RFC 3339 time, e.g. 2026-01-02T15:04:05Z"}})
			return
		}
		*v.dst = t
	}
	if req.Dry {
		n, sample, err := s.engine.BulkReplayPreview(c.Request.Context(), p)
		if err != nil {
			s.failReplay(c, err)
			return
		}
		out := make([]runView, 0, len(sample))
		for _, r := range sample {
			out = append(out, viewRun(r))
		}
		writeJSON(c, http.StatusOK, gin.H{"count": n, "sample": out})
		return
	}
	j, err := s.engine.BulkReplay(c.Request.Context(), p)
	if err != nil {
		s.failReplay(c, err)
		return
	}
	writeJSON(c, http.StatusAccepted, gin.H{"job": viewReplayJob(j)})
}

// failReplay answers a bad bulk replay request 400, naming its field.
func (s *Server) failReplay(c *gin.Context, err error) {
	var fe *workflows.FieldError
	if errors.As(err, &fe) {
		abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{Code: "bad_request", Message: fe.Field + " " + fe.Message, Field: fe.Field}})
		return
	}
	s.fail(c, err)
}

func (s *Server) getReplayJob(c *gin.Context) {
	j, err := s.store.ReplayJobGet(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"job": viewReplayJob(j)})
}

func (s *Server) listReplayJobs(c *gin.Context) {
	jobs, err := s.store.ReplayJobList(c.Request.Context(), store.ReplayJobListParams{State: c.Query("state")})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]replayJobView, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, viewReplayJob(j))
	}
	writeJSON(c, http.StatusOK, gin.H{"jobs": out})
}

// deleteReplayJob cancels a running job (409 where it has ended).
func (s *Server) deleteReplayJob(c *gin.Context) {
	j, err := s.engine.ReplayJobCancel(c.Request.Context(), c.Param("id"))
	if errors.Is(err, store.ErrConflict) {
		abort(c, http.StatusConflict, "conflict", "the bulk replay has ended already")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"job": viewReplayJob(j)})
}

// issueView is a failure issue as the API shows it.
type issueView struct {
	ID        string    `json:"id"`
	Workflow  string    `json:"workflow"`
	Step      string    `json:"step"`
	Class     string    `json:"class"`
	State     string    `json:"state"`
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	SampleRun string    `json:"sample_run"`
	LastError string    `json:"last_error,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewIssue(i store.FailureIssue) issueView {
	return issueView{ID: i.ID, Workflow: i.WorkflowID, Step: i.StepID, Class: i.Class, State: i.State,
		Count: i.Count, FirstSeen: i.FirstSeen, LastSeen: i.LastSeen, SampleRun: i.SampleRunID,
		LastError: i.LastError, UpdatedAt: i.UpdatedAt}
}

func (s *Server) listIssues(c *gin.Context) {
	state := c.Query("state")
	if state != "" && !store.ValidIssueState(state) {
		abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{Code: "bad_request", Field: "state",
			Message: "state must be open, acknowledged or resolved"}})
		return
	}
	issues, err := s.store.FailureIssueList(c.Request.Context(), store.FailureIssueListParams{WorkflowID: c.Query("workflow"), State: state})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]issueView, 0, len(issues))
	for _, i := range issues {
		out = append(out, viewIssue(i))
	}
	writeJSON(c, http.StatusOK, gin.H{"issues": out})
}

// setIssue changes an issue's state: {"state": "acknowledged"}.
func (s *Server) setIssue(c *gin.Context) {
	var req struct {
		State string `json:"state"`
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	if err := json.Unmarshal(body, &req); err != nil || !store.ValidIssueState(req.State) {
		abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{Code: "bad_request", Field: "state",
			Message: "the body must be {\"state\": \"open\" | \"acknowledged\" | \"resolved\"}"}})
		return
	}
	i, err := s.store.FailureIssueSetState(c.Request.Context(), c.Param("id"), req.State, s.now().UTC())
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"issue": viewIssue(i)})
}
