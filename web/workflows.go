package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// workflowView is a stored workflow as the API shows it.
type workflowView struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Enabled    bool   `json:"enabled"`
	Revision   int    `json:"revision"`
	TriggerURL string `json:"trigger_url,omitempty"`
	// TestURL captures a request as the editor's sample and runs nothing.
	TestURL    string              `json:"test_url,omitempty"`
	NextFires  []time.Time         `json:"next_fires,omitempty"`
	CreatedAt  time.Time           `json:"created_at"`
	UpdatedAt  time.Time           `json:"updated_at"`
	Definition *workflows.Workflow `json:"definition"`
}

func (s *Server) view(r *http.Request, rec store.Workflow) (workflowView, error) {
	def, err := engine.Definition(rec)
	if err != nil {
		return workflowView{}, err
	}
	v := workflowView{
		ID: rec.ID, Name: rec.Name, Enabled: rec.Enabled, Revision: rec.Revision,
		CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt, Definition: def,
	}
	cw, err := s.engine.Compiled(r.Context(), rec.ID, rec.Revision)
	if err != nil {
		return v, nil // shown as stored; running it says what is wrong
	}
	if _, ok := cw.Trigger.(kinds.Receiver); ok {
		v.TriggerURL = s.baseURL(r) + "/hooks/" + rec.HookKey
		v.TestURL = s.baseURL(r) + "/hooks/test/" + rec.HookKey
	}
	if rec.Enabled {
		v.NextFires = cw.NextFires(s.engine.Now(), 5)
	}
	return v, nil
}

// readBody reads a request body, answering 413 or 400 itself on failure.
func readBody(c *gin.Context) ([]byte, bool) {
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			abort(c, http.StatusRequestEntityTooLarge, "body_too_large", "the request body is over the limit")
		} else {
			abort(c, http.StatusBadRequest, "bad_request", "could not read the request body")
		}
		return nil, false
	}
	return b, true
}

func (s *Server) listWorkflows(c *gin.Context) {
	if c.Query("limit") != "" || c.Query("cursor") != "" {
		s.listWorkflowPage(c)
		return
	}
	recs, err := s.store.WorkflowList(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	tag := c.Query("tag")
	out := make([]workflowView, 0, len(recs))
	for _, rec := range recs {
		v, err := s.view(c.Request, rec)
		if err != nil {
			s.fail(c, err)
			return
		}
		if tag != "" && !hasTag(v.Definition, tag) {
			continue
		}
		out = append(out, v)
	}
	s.writeListed(c, out)
}

func (s *Server) createWorkflow(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	w, err := workflows.Decode(body)
	if err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.engine.CreateWorkflow(c.Request.Context(), w)
	if errors.Is(err, store.ErrConflict) {
		abort(c, http.StatusConflict, "conflict", "workflow "+w.ID+" exists; PUT /api/v1/workflows/"+w.ID+" stores a new revision")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.answerSaved(c, http.StatusCreated, res.Workflow)
}

func (s *Server) putWorkflow(c *gin.Context) {
	id := c.Param("id")
	if _, err := s.store.WorkflowGet(c.Request.Context(), id); err != nil {
		s.fail(c, err)
		return
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	w, err := workflows.Decode(body)
	if err != nil {
		s.fail(c, err)
		return
	}
	if w.ID == "" {
		w.ID = id
	}
	if w.ID != id {
		abortJSON(c, http.StatusUnprocessableEntity, gin.H{"error": apiError{
			Code: "invalid_workflow", Message: "id " + w.ID + " does not match the URL's " + id, Field: "id"}})
		return
	}
	res, err := s.engine.SaveWorkflow(c.Request.Context(), w)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.answerSaved(c, http.StatusOK, res.Workflow)
}

func (s *Server) answerSaved(c *gin.Context, status int, rec store.Workflow) {
	v, err := s.view(c.Request, rec)
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, status, v)
}

func (s *Server) getWorkflow(c *gin.Context) {
	rec, err := s.store.WorkflowGet(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.answerSaved(c, http.StatusOK, rec)
}

func (s *Server) deleteWorkflow(c *gin.Context) {
	id := c.Param("id")
	if err := s.store.WorkflowDelete(c.Request.Context(), id); err != nil {
		s.fail(c, err)
		return
	}
	s.engine.Forget(id)
	c.Status(http.StatusNoContent)
}

func (s *Server) setEnabled(enabled bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		rec, err := s.store.WorkflowSetEnabled(c.Request.Context(), c.Param("id"), enabled)
		if err != nil {
			s.fail(c, err)
			return
		}
		s.engine.Forget(rec.ID)
		s.answerSaved(c, http.StatusOK, rec)
	}
}

func (s *Server) rotateKey(c *gin.Context) {
	rec, err := s.store.WorkflowSetHookKey(c.Request.Context(), c.Param("id"), store.NewHookKey())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.engine.Forget(rec.ID)
	s.answerSaved(c, http.StatusOK, rec)
}

type revisionView struct {
	Revision   int             `json:"revision"`
	CreatedAt  time.Time       `json:"created_at"`
	Definition json.RawMessage `json:"definition,omitempty"`
}

func (s *Server) listRevisions(c *gin.Context) {
	revs, err := s.store.RevisionList(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(revs) == 0 {
		if _, err := s.store.WorkflowGet(c.Request.Context(), c.Param("id")); err != nil {
			s.fail(c, err)
			return
		}
	}
	out := make([]revisionView, 0, len(revs))
	for _, r := range revs {
		out = append(out, revisionView{Revision: r.Revision, CreatedAt: r.CreatedAt})
	}
	writeJSON(c, http.StatusOK, gin.H{"revisions": out})
}

func (s *Server) getRevision(c *gin.Context) {
	n, err := strconv.Atoi(c.Param("rev"))
	if err != nil {
		abort(c, http.StatusBadRequest, "bad_request", "revision must be a number")
		return
	}
	r, err := s.store.RevisionGet(c.Request.Context(), c.Param("id"), n)
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, revisionView{Revision: r.Revision, CreatedAt: r.CreatedAt, Definition: r.Definition})
}

func (s *Server) importWorkflows(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	ws, err := workflows.DecodeBundle(body)
	if err != nil {
		s.fail(c, err)
		return
	}
	// Validate everything first so a bad bundle changes nothing.
	for i, w := range ws {
		err := workflows.Validate(w)
		if err == nil && w.ID != "" && w.OnFailure == w.ID {
			// SaveWorkflow refuses this too, but only after the workflows
			// before it in the bundle are stored.
			err = &workflows.FieldError{Field: "on_failure", Message: "a workflow cannot be its own on_failure workflow"}
		}
		if err != nil {
			var fe *workflows.FieldError
			if errors.As(err, &fe) && len(ws) > 1 {
				fe.Field = "workflows[" + strconv.Itoa(i) + "]." + fe.Field
			}
			s.fail(c, err)
			return
		}
	}
	type imported struct {
		workflowView
		Created bool `json:"created"`
		Changed bool `json:"changed"`
	}
	out := make([]imported, 0, len(ws))
	for _, w := range ws {
		res, err := s.engine.SaveWorkflow(c.Request.Context(), w)
		if err != nil {
			s.fail(c, err)
			return
		}
		v, err := s.view(c.Request, res.Workflow)
		if err != nil {
			s.fail(c, err)
			return
		}
		out = append(out, imported{v, res.Created, res.Changed})
	}
	writeJSON(c, http.StatusOK, gin.H{"workflows": out})
}

func (s *Server) exportWorkflows(c *gin.Context) {
	ids := c.QueryArray("id")
	defs, err := engine.Export(c.Request.Context(), s.store, ids)
	if err != nil {
		s.fail(c, err)
		return
	}
	var body []byte
	if len(ids) == 1 {
		body, err = workflows.Encode(defs[0])
	} else {
		body, err = workflows.EncodeBundle(defs)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Data(http.StatusOK, jsonContentType, validUTF8(body))
}

type eventView struct {
	ID      string            `json:"id"`
	Source  string            `json:"source"`
	Method  string            `json:"method,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Query   string            `json:"query,omitempty"`
	Body    any               `json:"body,omitempty"`
	// BodyError stands in for a body that cannot be shown as JSON.
	BodyError  string    `json:"body_error,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
	// Meta is what a broker or poll said of the message (trigger.meta).
	Meta map[string]any `json:"meta,omitempty"`
}

func viewEvent(ev store.Event) eventView {
	return eventView{ID: ev.ID, Source: ev.Source, Method: ev.Method, Headers: ev.Headers,
		Query: ev.Query, Body: engine.ParsePayload(&ev), ReceivedAt: ev.ReceivedAt, Meta: ev.Meta}
}

// dropUnencodable replaces a body that cannot be encoded with an error
// saying why.
func (v *eventView) dropUnencodable() {
	if _, err := json.Marshal(v.Body); err != nil {
		v.Body, v.BodyError = nil, "the body cannot be shown as JSON: "+err.Error()
	}
}

// dropUnencodable is eventView.dropUnencodable for each event.
func dropUnencodable(evs []eventView) {
	for i := range evs {
		evs[i].dropUnencodable()
	}
}

func (s *Server) listEvents(c *gin.Context) {
	limit, _ := strconv.Atoi(c.DefaultQuery("limit", "10"))
	if limit <= 0 || limit > 100 {
		limit = 10
	}
	if _, err := s.store.WorkflowGet(c.Request.Context(), c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	evs, err := s.store.EventListByWorkflow(c.Request.Context(), c.Param("id"), limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]eventView, 0, len(evs))
	for _, ev := range evs {
		out = append(out, viewEvent(ev))
	}
	writeView(c, http.StatusOK, gin.H{"events": out}, func() { dropUnencodable(out) })
}

// testWorkflow makes a test run of the stored workflow (or a definition given in the
// body) against a payload, or the last captured event.
func (s *Server) testWorkflow(c *gin.Context) {
	var req struct {
		Payload    json.RawMessage `json:"payload"`
		Send       bool            `json:"send"`
		Definition json.RawMessage `json:"definition"`
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			abort(c, http.StatusBadRequest, "bad_json", "the body must be {\"payload\": ..., \"send\": false}: "+err.Error())
			return
		}
	}
	rec, err := s.store.WorkflowGet(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	var compiled *workflows.Compiled
	if len(req.Definition) > 0 {
		w, err := workflows.Decode(req.Definition)
		if err == nil {
			compiled, err = workflows.Compile(w)
		}
		if err != nil {
			s.fail(c, err)
			return
		}
	} else if compiled, err = s.engine.Compiled(c.Request.Context(), rec.ID, rec.Revision); err != nil {
		s.fail(c, err)
		return
	}
	var ev store.Event
	switch {
	case len(req.Payload) > 0:
		ev = store.Event{Source: "manual", Method: http.MethodPost, Body: req.Payload,
			Headers: map[string]string{"content-type": "application/json"}}
		var re *engine.NumberRangeError
		if p := engine.LazyPayload(&ev); errors.As(p.Err, &re) {
			abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{
				Code: "bad_json", Message: re.At("payload"), Field: "payload" + re.Path}})
			return
		}
	default:
		evs, err := s.store.EventListByWorkflow(c.Request.Context(), rec.ID, 1)
		if err != nil {
			s.fail(c, err)
			return
		}
		if len(evs) == 0 {
			abort(c, http.StatusBadRequest, "no_sample", "no payload given and no event captured yet: send one to the trigger URL or pass {\"payload\": ...}")
			return
		}
		ev = evs[0]
	}
	writeJSON(c, http.StatusOK, s.engine.Test(c.Request.Context(), compiled, &ev, engine.TestOptions{Send: req.Send}))
}

// hasTag reports whether a workflow has a tag (in any case).
func hasTag(w *workflows.Workflow, tag string) bool {
	for _, t := range w.Tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}
