package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/expr-lang/expr/file"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// Failed runs are grouped into issues by workflow, step and error class
// (store.FailureIssue): one upsert per failed run, in the transaction of
// its final update. A workflow's on_failure workflow is started when a
// failure opens an issue (or opens it again after it was resolved), not
// for every failed run, unless its on_failure_mode is "every".

// Error classes of failed steps (FailureClass). A 4xx status is a class
// of its own per code: "http_404".
const (
	ClassConnectionRefused = "connection_refused"
	ClassTimeout           = "timeout"
	ClassHTTP5xx           = "http_5xx"
	ClassEgressRefused     = "egress_refused"
	ClassExpression        = "expression"
	ClassOther             = "other"
)

// FailureClass names the class of a step's failure from its error and the
// status code that came back (0: none).
func FailureClass(err error, statusCode int) string {
	var de *actions.DeliveryError
	if errors.As(err, &de) && statusCode == 0 {
		statusCode = de.Status
	}
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	var (
		ne net.Error
		fe *file.Error
	)
	switch {
	case errors.Is(err, actions.ErrEgressRefused) || strings.Contains(msg, actions.ErrEgressRefused.Error()):
		return ClassEgressRefused
	case statusCode >= 500 && statusCode <= 599:
		return ClassHTTP5xx
	case statusCode >= 400 && statusCode <= 499:
		return fmt.Sprintf("http_%d", statusCode)
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(msg, "connection refused"):
		return ClassConnectionRefused
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) ||
		strings.Contains(msg, "timeout") || strings.Contains(msg, "deadline exceeded"):
		return ClassTimeout
	case errors.As(err, &fe) || errors.Is(err, workflows.ErrLimit):
		return ClassExpression
	}
	return ClassOther
}

// noteFailure makes a failing write p count the run into its issue; the
// issue, once written, is x.failure.
func (x *execution) noteFailure(p *store.RunUpdateParams) {
	if p.Status != store.StatusFailed {
		return
	}
	class := x.failClass
	if class == "" {
		class = ClassOther
	}
	x.failure = &store.FailureRecorded{}
	p.Failure = &store.FailureRecord{
		WorkflowID: x.run.WorkflowID, StepID: x.stepAt(p.NextStep), Class: class, Error: p.Error,
		NewID: newID(), Result: x.failure,
	}
}

// stepAt is the id of the step at index i of the run's revision, "" where
// it cannot be told.
func (x *execution) stepAt(i int) string {
	c := (*workflows.Compiled)(nil)
	if x.st != nil {
		c = x.st.compiled
	} else if rev, err := x.e.cache.revision(context.Background(), x.run.WorkflowID, x.run.Revision); err == nil {
		c = rev
	}
	if c == nil || i < 0 || i >= len(c.Steps) {
		return ""
	}
	return c.Steps[i].ID
}

// opensIssue says whether a failure recorded as f starts the on_failure
// workflow of w: always in mode "every"; otherwise where it opened its
// issue (or was not recorded in one).
func opensIssue(w *workflows.Workflow, f *store.FailureRecorded) bool {
	if w.OnFailureMode == workflows.OnFailureEvery || f == nil || f.Issue.ID == "" {
		return true
	}
	return f.Opened
}

// issuePayload is what the on_failure workflow's payload says of the issue.
func issuePayload(f *store.FailureRecorded) map[string]any {
	if f == nil || f.Issue.ID == "" {
		return nil
	}
	i := f.Issue
	return map[string]any{
		"id": i.ID, "workflow": i.WorkflowID, "step": i.StepID, "class": i.Class, "state": i.State,
		"count": i.Count, "first_seen": i.FirstSeen, "last_seen": i.LastSeen, "sample_run": i.SampleRunID,
		"reopened": f.Opened && i.Count > 1,
	}
}
