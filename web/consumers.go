package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/triggers"
	"github.com/hookflow/hookflow/workflows"
)

// triggerState is what the workflow's API says of its consumer trigger
// (broker, poll) on the replica that answers; nil for other triggers.
func (s *Server) triggerState(rec store.Workflow, cw *workflows.Compiled) *triggers.TriggerState {
	if s.cfg.Consumers == nil {
		return nil
	}
	if _, ok := cw.Trigger.(kinds.Consumer); !ok {
		return nil
	}
	if st, ok := s.cfg.Consumers.State(rec.ID); ok && rec.Enabled {
		return &st
	}
	st := triggers.TriggerState{Type: cw.Workflow.Trigger.Type, State: kinds.ConsumerStopped}
	if rec.Enabled {
		st.State = kinds.ConsumerConnecting // saved a moment ago: starting
	}
	return &st
}

// readyTriggers are the consumers' states as /readyz shows them: by
// workflow, the type, state and since, never the error (which the admin
// API gives).
func (s *Server) readyTriggers() map[string]gin.H {
	if s.cfg.Consumers == nil {
		return nil
	}
	out := map[string]gin.H{}
	for id, st := range s.cfg.Consumers.States() {
		out[id] = gin.H{"type": st.Type, "state": st.State, "since": st.Since}
	}
	return out
}

// reloadConsumers has the consumers follow a change of the workflows made
// through the API (a save, toggle, import, rollback or delete) at once
// rather than at their next refresh.
func (s *Server) reloadConsumers(c *gin.Context) {
	c.Next()
	if s.cfg.Consumers == nil || c.Request.Method == http.MethodGet || c.Writer.Status() >= 300 {
		return
	}
	s.cfg.Consumers.Reload()
}
