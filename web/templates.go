package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/workflows/examples"
)

// listTemplates serves GET /api/v1/templates: the workflows the editor
// offers to start from, each with a sample event.
func (s *Server) listTemplates(c *gin.Context) {
	ts, err := examples.Templates()
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"templates": ts})
}
