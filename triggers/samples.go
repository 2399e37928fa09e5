package triggers

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// A workflow's test URL (/hooks/test/KEY) captures a request as the
// editor's sample and runs nothing: a person points a sender at it (a
// "send test event" button, a curl) while building the workflow, live or
// not, enabled or not. Captures are kept in memory, a few per workflow:
// a sample, not an event: nothing is stored, and a capture made on one
// replica is seen by editors on that replica.

const (
	samplesPerWorkflow = 5
	sampleWorkflows    = 1000
)

// Samples are the requests test URLs captured, by workflow.
type Samples struct {
	mu   sync.Mutex
	byWF map[string][]store.Event
	lru  []string // workflow ids, least recently captured first
}

func (s *Samples) add(ev store.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byWF == nil {
		s.byWF = map[string][]store.Event{}
	}
	list := append(s.byWF[ev.WorkflowID], ev)
	if len(list) > samplesPerWorkflow {
		list = list[len(list)-samplesPerWorkflow:]
	}
	s.byWF[ev.WorkflowID] = list
	for i, id := range s.lru {
		if id == ev.WorkflowID {
			s.lru = append(s.lru[:i], s.lru[i+1:]...)
			break
		}
	}
	s.lru = append(s.lru, ev.WorkflowID)
	if len(s.lru) > sampleWorkflows {
		delete(s.byWF, s.lru[0])
		s.lru = s.lru[1:]
	}
}

// After returns the oldest capture for a workflow made after t.
func (s *Samples) After(workflowID string, t time.Time) (store.Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ev := range s.byWF[workflowID] {
		if ev.ReceivedAt.After(t) {
			return ev, true
		}
	}
	return store.Event{}, false
}

// ServeTest captures one request to a workflow's test URL: 200 with the
// event as captured (headers with credentials redacted, as a stored event
// has them), 404 for an unknown key, 413 for a body over the limit, 503
// with Retry-After when the bodies being read leave it no room. It checks
// no auth and starts nothing.
func (h *Webhook) ServeTest(w http.ResponseWriter, r *http.Request, key string) {
	MakeInert(w.Header())
	e := h.cfg.Engine
	wf, c, err := e.ResolveHook(r.Context(), key)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no workflow has this test URL")
		return
	}
	if r.ContentLength > h.cfg.MaxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "the body is over the limit")
		return
	}
	body, read, err := readBody(w, r, h.cfg.MaxBody, e.ReadBudget())
	defer read.Release()
	if errors.Is(err, errNoRoomToRead) {
		h.busy(w, wf.ID, "bodies being read", e.ReadBudget().Max())
		return
	}
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "the body is over the limit, or could not be read")
		return
	}
	var auth *workflows.Auth
	if t, ok := c.Trigger.(*kinds.WebhookTrigger); ok {
		auth = t.Auth
	}
	ev := store.Event{
		ID:         uuid.Must(uuid.NewV7()).String(),
		WorkflowID: wf.ID,
		Source:     "test",
		Method:     r.Method,
		Headers:    eventHeaders(r.Header, auth),
		Query:      eventQuery(r.URL.Query(), auth),
		Body:       body,
		ReceivedAt: e.Now().UTC(),
	}
	if p := engine.DecodePayload(&ev); p.BadJSON {
		writeError(w, http.StatusBadRequest, "bad_json", "the body is not valid JSON; nothing was captured")
		return
	}
	h.samples.add(ev)
	writeJSON(w, http.StatusOK, map[string]any{"captured": true, "workflow": wf.ID, "event": map[string]any{
		"id": ev.ID, "method": ev.Method, "headers": ev.Headers, "query": ev.Query,
		"body": engine.ParsePayload(&ev), "received_at": ev.ReceivedAt,
	}})
}

// Samples are the test URLs' captures.
func (h *Webhook) Samples() *Samples { return &h.samples }
