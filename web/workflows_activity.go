package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/store"
)

// activityRun is a workflow's last run, as its list shows it.
type activityRun struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

// activityView is what the workflow list shows of a workflow's runs, read
// for every workflow in one store query.
type activityView struct {
	// LastRun is its newest run, or null.
	LastRun *activityRun `json:"last_run"`
	// Runs24h counts its runs of the last 24 hours.
	Runs24h int `json:"runs_24h"`
	// Failures counts its failed runs of the last 24 hours not followed
	// by a succeeded run.
	Failures int `json:"failures"`
}

// listedWorkflow is a workflow of GET /api/v1/workflows: the workflow and
// its activity.
type listedWorkflow struct {
	workflowView
	Activity activityView `json:"activity"`
}

// writeListed answers the workflow list with each workflow's activity.
func (s *Server) writeListed(c *gin.Context, views []workflowView) {
	ids := make([]string, len(views))
	for i, v := range views {
		ids[i] = v.ID
	}
	var acts []store.WorkflowActivity
	var err error
	if len(views) > 0 { // the activity of the listed workflows only
		acts, err = s.store.WorkflowActivity(c.Request.Context(), store.WorkflowActivityParams{
			Since: s.engine.Now().UTC().Add(-24 * time.Hour), WorkflowIDs: ids,
		})
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	byID := make(map[string]store.WorkflowActivity, len(acts))
	for _, a := range acts {
		byID[a.WorkflowID] = a
	}
	out := make([]listedWorkflow, len(views))
	for i, v := range views {
		out[i] = listedWorkflow{workflowView: v, Activity: activityOf(byID[v.ID])}
	}
	writeJSON(c, http.StatusOK, gin.H{"workflows": out})
}

// activityOf is a workflow's activity as the list shows it.
func activityOf(a store.WorkflowActivity) activityView {
	v := activityView{Runs24h: a.Runs, Failures: a.Failures}
	if a.LastRunID != "" {
		v.LastRun = &activityRun{ID: a.LastRunID, Status: a.LastRunStatus, CreatedAt: a.LastRunAt}
	}
	return v
}
