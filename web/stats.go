package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/store"
)

// statsCap bounds the runs counted for a workflow's stats: the store has no
// count query yet, so the counts are of listed runs, and "capped" says a
// count reached the cap (the editor shows "1000+").
const statsCap = 1000

// workflowStats answers what the workflow list shows beside each
// workflow: GET /api/v1/workflows/{id}/stats, the last run and the runs and
// failures of the last 24 hours.
func (s *Server) workflowStats(c *gin.Context) {
	ctx := c.Request.Context()
	id := c.Param("id")
	if _, err := s.store.WorkflowGet(ctx, id); err != nil {
		s.fail(c, err)
		return
	}
	since := s.engine.Now().UTC().Add(-24 * time.Hour)
	last, err := s.store.RunList(ctx, store.RunListParams{WorkflowID: id, Limit: 1})
	if err != nil {
		s.fail(c, err)
		return
	}
	recent, err := s.store.RunList(ctx, store.RunListParams{WorkflowID: id, Since: since, Limit: statsCap})
	if err != nil {
		s.fail(c, err)
		return
	}
	failed, err := s.store.RunList(ctx, store.RunListParams{WorkflowID: id, Since: since, Status: store.StatusFailed, Limit: statsCap})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := gin.H{
		"workflow":     id,
		"since":        since,
		"runs_24h":     len(recent),
		"failures_24h": len(failed),
		"capped":       len(recent) == statsCap,
		"last_run":     nil,
	}
	if len(last) > 0 {
		out["last_run"] = viewRun(last[0])
	}
	writeJSON(c, http.StatusOK, out)
}
