package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/workflows"
)

// maxScheduleCount caps how many fire times GET /api/v1/schedule/next gives.
const maxScheduleCount = 50

// nextSchedule serves GET /api/v1/schedule/next?cron=&timezone=&count=: the
// next fire times of a schedule, read as a cron trigger reads it, for the
// editor's schedule picker. A schedule or time zone the trigger would
// refuse answers 422 naming the field (cron or timezone) and why.
func (s *Server) nextSchedule(c *gin.Context) {
	schedule := c.Query("cron")
	zone := c.Query("timezone")
	count := 5
	if v := c.Query("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxScheduleCount {
			abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{
				Code: "bad_count", Message: "count must be a whole number from 1 to " + strconv.Itoa(maxScheduleCount), Field: "count"}})
			return
		}
		count = n
	}
	if schedule == "" {
		abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{
			Code: "missing_cron", Message: "give the schedule as cron=, e.g. cron=0 9 * * 1-5", Field: "cron"}})
		return
	}
	// The schedule is compiled as a cron trigger's: the same parser, the
	// same time zones and the same messages as a save.
	trigger := map[string]any{"type": "cron", "schedule": schedule}
	if zone != "" {
		trigger["timezone"] = zone
	}
	def, _ := json.Marshal(map[string]any{
		"format": "hookflow/v1", "name": "schedule", "trigger": trigger,
		"steps": []any{map[string]any{"id": "tick", "type": "filter", "expr": "true"}},
	})
	w, err := workflows.Decode(def)
	var cw *workflows.Compiled
	if err == nil {
		cw, err = workflows.Compile(w)
	}
	if err != nil {
		field, msg := "cron", err.Error()
		var fe *workflows.FieldError
		if errors.As(err, &fe) {
			msg = fe.Message
			if fe.Field == "trigger.timezone" {
				field = "timezone"
			}
		}
		abortJSON(c, http.StatusUnprocessableEntity, gin.H{"error": apiError{
			Code: "invalid_schedule", Message: msg, Field: field}})
		return
	}
	loc := time.UTC
	if zone != "" {
		loc, _ = time.LoadLocation(zone) // loaded above by the trigger's compile
	}
	fires := cw.NextFires(s.engine.Now(), count)
	out := make([]string, len(fires))
	for i, t := range fires {
		out[i] = t.In(loc).Format(time.RFC3339)
	}
	if zone == "" {
		zone = "UTC"
	}
	writeJSON(c, http.StatusOK, gin.H{"cron": schedule, "timezone": zone, "next": out})
}
