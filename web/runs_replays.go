package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/store"
)

// replayFilters reads the run list's replay filters: replay_of=ID (the
// replays of a run) and unresolved=1 (leave out the failed runs whose
// latest replay succeeded). It answers 400 itself for a bad value.
func replayFilters(c *gin.Context, p *store.RunListParams) bool {
	p.ReplayOf = c.Query("replay_of")
	switch c.Query("unresolved") {
	case "", "0", "false":
	case "1", "true":
		p.Unresolved = true
	default:
		abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{
			Code: "bad_request", Message: "unresolved must be 1 or 0", Field: "unresolved"}})
		return false
	}
	return true
}
