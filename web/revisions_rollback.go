package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/workflows"
)

// rollbackRevision stores an earlier revision's definition as a new
// revision: POST /api/v1/workflows/{id}/revisions/{rev}/rollback. History
// is never rewritten; the workflow keeps its current enabled state (turning
// it on or off is not a revision).
func (s *Server) rollbackRevision(c *gin.Context) {
	id := c.Param("id")
	n, err := strconv.Atoi(c.Param("rev"))
	if err != nil {
		abort(c, http.StatusBadRequest, "bad_request", "revision must be a number")
		return
	}
	cur, err := s.store.WorkflowGet(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	rev, err := s.store.RevisionGet(c.Request.Context(), id, n)
	if err != nil {
		s.fail(c, err)
		return
	}
	w, err := workflows.Decode(rev.Definition)
	if err != nil {
		s.fail(c, err)
		return
	}
	w.ID, w.Enabled = id, cur.Enabled
	res, err := s.engine.SaveWorkflow(c.Request.Context(), w)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.answerSaved(c, http.StatusOK, res.Workflow)
}
