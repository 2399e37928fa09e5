package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/triggers"
)

// Every change made through the admin API is recorded in the audit log
// from one place: authorize calls audited for each route whose rule names
// an action (roles.go), after the handler, when it succeeded. The rule
// says where the target is (the route's :id or :name, a workflow's
// revisions before and after, or the answer's body); a handler may add
// what only it knows with auditNote. Logins are recorded by the login
// itself. Secret values and passwords are never recorded.

// auditNoteKey is where a handler leaves its note for the audit entry.
const auditNoteKey = "hookflow_audit_note"

// auditNote is what a handler adds to its route's audit entry.
type auditNote struct {
	target string
	detail map[string]any
}

// noteAudit sets the target and detail of the request's audit entry.
func noteAudit(c *gin.Context, target string, detail map[string]any) {
	c.Set(auditNoteKey, auditNote{target: target, detail: detail})
}

// maxTap bounds the answer kept for the audit log.
const maxTap = 1 << 20

// bodyTap keeps a copy of an answer's body (up to maxTap).
type bodyTap struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (t *bodyTap) Write(b []byte) (int, error) {
	if room := maxTap - t.buf.Len(); room > 0 {
		t.buf.Write(b[:min(len(b), room)])
	}
	return t.ResponseWriter.Write(b)
}

func (t *bodyTap) WriteString(s string) (int, error) { return t.Write([]byte(s)) }

// audited runs the rest of a change's handlers and records it once it
// succeeded.
func (s *Server) audited(c *gin.Context, p principal, rule routeRule) {
	ctx := c.Request.Context()
	target := c.Param("id")
	if target == "" {
		target = c.Param("name")
	}
	before := 0
	if rule.workflow {
		if w, err := s.store.WorkflowGet(ctx, target); err == nil {
			before = w.Revision
		}
	}
	var tap *bodyTap
	if rule.tap {
		tap = &bodyTap{ResponseWriter: c.Writer}
		c.Writer = tap
	}
	c.Next()
	if tap != nil {
		c.Writer = tap.ResponseWriter
	}
	if st := c.Writer.Status(); st >= 400 || c.IsAborted() && st >= 300 {
		return
	}
	e := store.AuditEntry{Actor: p.actor(), Via: p.via, Action: rule.action, Target: target, RevisionBefore: before}
	detail := map[string]any{}
	if k := c.Query("key"); k != "" && c.FullPath() == "/api/v1/storage" {
		e.Target = k
		if sc := c.Query("scope"); sc != "" {
			detail["scope"] = sc
		}
	}
	if rule.workflow {
		if w, err := s.store.WorkflowGet(context.WithoutCancel(ctx), target); err == nil {
			e.RevisionAfter = w.Revision
		}
	}
	if tap != nil {
		var out struct {
			ID        string `json:"id"`
			Revision  int    `json:"revision"`
			RunID     string `json:"run_id"`
			Workflows []struct {
				ID       string `json:"id"`
				Revision int    `json:"revision"`
				Created  bool   `json:"created"`
				Changed  bool   `json:"changed"`
			} `json:"workflows"`
		}
		_ = json.Unmarshal(tap.buf.Bytes(), &out)
		switch {
		case out.Workflows != nil: // an import: one entry per workflow changed
			for _, w := range out.Workflows {
				if !w.Created && !w.Changed {
					continue
				}
				we := e
				we.Target, we.RevisionAfter = w.ID, w.Revision
				if !w.Created {
					we.RevisionBefore = w.Revision - 1
				}
				s.audit(c, we)
			}
			return
		case out.RunID != "":
			detail["run_id"] = out.RunID
		case out.ID != "":
			e.Target, e.RevisionAfter = out.ID, out.Revision
		}
	}
	if v, ok := c.Get(auditNoteKey); ok {
		n := v.(auditNote)
		if n.target != "" {
			e.Target = n.target
		}
		for k, v := range n.detail {
			detail[k] = v
		}
	}
	if len(detail) > 0 {
		if b, err := json.Marshal(detail); err == nil {
			e.Detail = string(b)
		}
	}
	s.audit(c, e)
}

// audit records an entry, with its id, time and the client's address. A
// failure to record is logged: the change it describes is made.
func (s *Server) audit(c *gin.Context, e store.AuditEntry) {
	e.ID = uuid.Must(uuid.NewV7()).String()
	e.At = s.now().UTC()
	e.Client = triggers.ClientIP(c.Request, s.cfg.TrustedProxies).String()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 5*time.Second)
	defer cancel()
	if err := s.store.AuditInsert(ctx, e); err != nil {
		s.log.Error("audit: record", "action", e.Action, "actor", e.Actor, "err", err)
	}
}

// auditView is an audit log entry as the API shows it.
type auditView struct {
	ID             string          `json:"id"`
	At             time.Time       `json:"at"`
	Actor          string          `json:"actor"`
	Via            string          `json:"via,omitempty"`
	Client         string          `json:"client"`
	Action         string          `json:"action"`
	Target         string          `json:"target,omitempty"`
	RevisionBefore int             `json:"revision_before,omitempty"`
	RevisionAfter  int             `json:"revision_after,omitempty"`
	Detail         json.RawMessage `json:"detail,omitempty"`
}

// listAudit answers the audit log, newest first: GET /api/v1/audit with
// actor, action, since, until (RFC 3339), limit (default 100, at most
// 1000) and cursor (the next_cursor of the page before).
func (s *Server) listAudit(c *gin.Context) {
	p := store.AuditListParams{Actor: c.Query("actor"), Action: c.Query("action"), Before: c.Query("cursor"), Limit: 100}
	for _, f := range []struct {
		name string
		to   *time.Time
	}{{"since", &p.Since}, {"until", &p.Until}} {
		if v := c.Query(f.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{
					Code: "invalid_time", Message: f.name + " must be a time such as 2026-01-02T15:04:05Z", Field: f.name}})
				return
			}
			*f.to = t
		}
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{
				Code: "invalid_limit", Message: "limit must be a number from 1 to 1000", Field: "limit"}})
			return
		}
		p.Limit = n
	}
	list, err := s.store.AuditList(c.Request.Context(), p)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]auditView, 0, len(list))
	for _, e := range list {
		v := auditView{ID: e.ID, At: e.At, Actor: e.Actor, Via: e.Via, Client: e.Client, Action: e.Action,
			Target: e.Target, RevisionBefore: e.RevisionBefore, RevisionAfter: e.RevisionAfter}
		if e.Detail != "" && json.Valid([]byte(e.Detail)) {
			v.Detail = json.RawMessage(e.Detail)
		}
		out = append(out, v)
	}
	next := ""
	if len(list) == p.Limit {
		next = list[len(list)-1].ID
	}
	writeJSON(c, http.StatusOK, gin.H{"entries": out, "next_cursor": next})
}
