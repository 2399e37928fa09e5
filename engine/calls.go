package engine

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// Runs that wait on the world (wait steps) or on other runs (workflow
// steps). A waiting step records its wait in the store (WaitBegin) and
// the run is written waiting, with the step named (RunUpdateParams.
// WaitStep): no worker waits. What ends the wait makes the run due: a
// request to the step's resume URL (Resume), or, for a workflow step, its
// child's finishing write, which resumes the parent's wait in the same
// transaction. The step then runs again and finds why.
//
// A child run's event carries its parent in headers the engine alone sets
// (trusted only where the event's source is "workflow").
const (
	headerParentRun  = "hookflow-parent-run"
	headerParentStep = "hookflow-parent-step"
	headerCallDepth  = "hookflow-call-depth"
	// resumeKeySetting names the random key resume URLs are signed with
	// (made by the stores' migrations).
	resumeKeySetting = "resume_key"
)

// callState is what a run keeps for its calls and waits, shared by the
// forks of its runtime (the items of a loop, run at once): mu guards
// starts and waitOn.
type callState struct {
	mu sync.Mutex
	// parentRun and parentStep are the run and step that started this
	// run, depth how deep it is in calls (0: not started by a workflow).
	parentRun, parentStep string
	depth                 int
	// starts are child runs to write with the run's next write.
	starts []store.EventAcceptParams
	// waitOn is the step the run waits on, for its waiting write.
	waitOn string
}

// fromEvent reads the run's parent from its event.
func (c *callState) fromEvent(ev *store.Event) {
	if ev == nil || ev.Source != "workflow" {
		return
	}
	c.parentRun, c.parentStep = ev.Headers[headerParentRun], ev.Headers[headerParentStep]
	c.depth, _ = strconv.Atoi(ev.Headers[headerCallDepth])
}

// prepare adds to a write of the run what its calls need: the child runs
// its steps started, the step it waits on, and, as it finishes, its
// parent's wait resumed.
func (x *execution) prepare(p *store.RunUpdateParams) {
	if x.st == nil { // failed before it could start (crashed, its workflow gone)
		if store.Finished(p.Status) {
			var c callState
			if ev, err := x.e.store.EventGet(context.Background(), x.run.EventID); err == nil {
				c.fromEvent(&ev)
			}
			c.resumeParent(x.run.ID, p)
		}
		return
	}
	c := x.st.calls
	c.mu.Lock()
	p.Start = slices.Clone(c.starts)
	if p.Status == store.StatusWaiting {
		p.WaitStep = c.waitOn
	}
	c.mu.Unlock()
	if store.Finished(p.Status) {
		c.resumeParent(x.run.ID, p)
	}
}

// resumeParent makes the finishing write p of run id resume the wait of
// the step that started it, if a step did.
func (c *callState) resumeParent(id string, p *store.RunUpdateParams) {
	if c.parentRun == "" || c.parentStep == "" {
		return
	}
	body, _ := jsonOf(map[string]any{"run_id": id, "status": p.Status})
	p.Resume = []store.WaitResumeParams{{RunID: c.parentRun, StepID: c.parentStep, Resume: body, Now: p.Now}}
}

// setWaitOn records the step the run waits on ("": none).
func (c *callState) setWaitOn(path string) {
	c.mu.Lock()
	c.waitOn = path
	c.mu.Unlock()
}

// written is told that a write of the run succeeded.
func (x *execution) written(p *store.RunUpdateParams) {
	x.traceWritten(p)
	if len(p.Start) > 0 && x.st != nil {
		c := x.st.calls
		c.mu.Lock()
		c.starts = c.starts[len(p.Start):] // others may have come since, from a loop's other items
		c.mu.Unlock()
		x.e.schedule(x.e.now()) // the children are due now
	}
	if len(p.Resume) > 0 {
		x.e.schedule(x.e.now()) // the parent, where it runs here
	}
}

var _ kinds.Calls = (*runState)(nil)

// WaitBegin records the step under way waiting (kinds.Calls). A wait
// whose time is up is closed, so that a request coming later is refused
// (409), unless one came first.
func (st *runState) WaitBegin(ctx context.Context, until time.Time) (kinds.WaitState, error) {
	s := st.eng.store
	w, err := s.WaitBegin(ctx, store.WaitBeginParams{RunID: st.runID, StepID: st.path, Until: until})
	if err != nil {
		return kinds.WaitState{}, err
	}
	now := st.eng.now()
	if !w.Resumed() && !w.Until.IsZero() && !now.Before(w.Until) {
		timedOut, _ := jsonOf(map[string]any{"resumed": false, "timed_out": true})
		err := s.WaitResume(ctx, store.WaitResumeParams{RunID: st.runID, StepID: st.path, Resume: timedOut, Now: now.UTC()})
		switch {
		case err == nil:
			st.calls.setWaitOn("")
			return kinds.WaitState{Until: w.Until}, nil
		case errors.Is(err, store.ErrConflict): // a request came first
			if w, err = s.WaitGet(ctx, st.runID, st.path); err != nil {
				return kinds.WaitState{}, err
			}
		default:
			return kinds.WaitState{}, err
		}
	}
	ws := kinds.WaitState{Until: w.Until, Resumed: w.Resumed()}
	if !ws.Resumed {
		st.calls.setWaitOn(st.path)
		return ws, nil
	}
	st.calls.setWaitOn("")
	if ws.Output, err = decodeJSON(w.Resume); err != nil {
		return kinds.WaitState{}, fmt.Errorf("read the resume: %w", err)
	}
	if m, ok := ws.Output.(map[string]any); ok && m["timed_out"] == true {
		return kinds.WaitState{Until: w.Until}, nil // closed as its time was up
	}
	return ws, nil
}

// ChildRunID is the id of the run the step under way starts: made from
// the run's id and the step's path, so the same on every attempt.
func (st *runState) ChildRunID() string { return childRunID(st.runID, st.path) }

// childRunID is the id of the run the step at path of run runID starts.
func childRunID(runID, path string) string {
	sum := sha256.Sum256([]byte("hookflow child run\x00" + runID + "\x00" + path))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// StartRun starts a child run of workflow id with payload (kinds.Calls).
func (st *runState) StartRun(ctx context.Context, workflowID string, payload any) (string, error) {
	if st.calls.depth+1 > kinds.MaxCallDepth {
		return "", fmt.Errorf("workflow %s: calls are %d deep already, the most there may be", workflowID, kinds.MaxCallDepth)
	}
	w, err := st.eng.store.WorkflowGet(ctx, workflowID)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("workflow %s does not exist", workflowID)
	}
	if err != nil {
		return "", fmt.Errorf("workflow %s: %w", workflowID, err)
	}
	body, err := jsonOf(payload)
	if err != nil {
		return "", fmt.Errorf("payload is not JSON: %w", err)
	}
	if body == nil {
		body = []byte("null")
	}
	id := st.ChildRunID()
	ev := store.Event{
		ID: id, WorkflowID: w.ID, Source: "workflow", Method: http.MethodPost, Body: body,
		Headers: map[string]string{
			"content-type": "application/json", headerParentRun: st.runID, headerParentStep: st.path,
			headerCallDepth: strconv.Itoa(st.calls.depth + 1),
		},
		ReceivedAt: st.eng.now().UTC(),
	}
	st.calls.mu.Lock()
	st.calls.starts = append(st.calls.starts, store.EventAcceptParams{Event: ev, RunID: id, Revision: w.Revision})
	st.calls.mu.Unlock()
	return id, nil
}

// RunResult reads a run and, once it has finished, its result
// (kinds.Calls).
func (st *runState) RunResult(ctx context.Context, runID string) (kinds.RunResult, error) {
	return st.eng.runResult(ctx, runID)
}

// runResult is a run's status and, once finished, its final payload (or
// its respond step's body) and error.
func (e *Engine) runResult(ctx context.Context, runID string) (kinds.RunResult, error) {
	r, err := e.store.RunGet(ctx, runID)
	if err != nil {
		return kinds.RunResult{}, err
	}
	res := kinds.RunResult{Status: r.Status, Error: r.Error}
	if !store.Finished(r.Status) {
		return res, nil
	}
	c, err := e.cache.revision(ctx, r.WorkflowID, r.Revision)
	if err != nil {
		return kinds.RunResult{}, fmt.Errorf("run %s: load workflow: %w", runID, err)
	}
	ev, err := e.store.EventGet(ctx, r.EventID)
	if err != nil {
		return kinds.RunResult{}, fmt.Errorf("run %s: load event: %w", runID, err)
	}
	results, err := e.store.StepResultList(ctx, runID)
	if err != nil {
		return kinds.RunResult{}, fmt.Errorf("run %s: load steps: %w", runID, err)
	}
	st := newRunState(c, &ev, runID, nil)
	if err := st.restore(results, len(c.Steps)); err != nil {
		return kinds.RunResult{}, fmt.Errorf("run %s: restore: %w", runID, err)
	}
	res.Output = st.payload()
	for _, s := range c.Steps {
		if _, ok := s.Program.(kinds.Responder); ok {
			if out, done := st.env.Steps[s.ID]; done && out != nil {
				res.Output = responseFromStep(out).Body
			}
		}
	}
	return res, nil
}

// Resume URLs: BaseURL/hooks/resume/TOKEN, where TOKEN names the run and
// the wait step and is signed with the store's random resume key, so that
// it cannot be made from the run's id.

// resumeKey is the key resume URLs are signed with, read from the store
// once.
type resumeKey struct {
	mu  sync.Mutex
	key []byte
}

func (e *Engine) resumeKeyBytes(ctx context.Context) ([]byte, error) {
	k := &e.resume
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key != nil {
		return k.key, nil
	}
	v, err := e.store.SettingGet(ctx, resumeKeySetting)
	if errors.Is(err, store.ErrNotFound) {
		// Not made by a migration (a store of another kind): make it here.
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		v = hex.EncodeToString(b)
		err = e.store.SettingPut(ctx, resumeKeySetting, v)
	}
	if err != nil {
		return nil, fmt.Errorf("resume key: %w", err)
	}
	k.key = []byte(v)
	return k.key, nil
}

// ResumeToken is the token of the resume URL of a wait step of a run.
func (e *Engine) ResumeToken(ctx context.Context, runID, step string) (string, error) {
	key, err := e.resumeKeyBytes(ctx)
	if err != nil {
		return "", err
	}
	name := runID + "\x00" + step
	return base64.RawURLEncoding.EncodeToString([]byte(name)) + "." + base64.RawURLEncoding.EncodeToString(resumeMAC(key, name)), nil
}

// ResumeURL is the resume URL of a wait step of a run: the engine's
// BaseURL (empty: a path alone) and /hooks/resume/TOKEN.
func (e *Engine) ResumeURL(ctx context.Context, runID, step string) (string, error) {
	tok, err := e.ResumeToken(ctx, runID, step)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(e.cfg.BaseURL, "/") + "/hooks/resume/" + tok, nil
}

func resumeMAC(key []byte, name string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("hookflow resume\x00" + name))
	return m.Sum(nil)
}

// ErrBadResumeToken: a resume URL's token is not one the engine made.
var ErrBadResumeToken = errors.New("unknown resume URL")

// parseResumeToken checks a resume token and returns its run and step.
func (e *Engine) parseResumeToken(ctx context.Context, tok string) (runID, step string, err error) {
	name64, mac64, ok := strings.Cut(tok, ".")
	if !ok {
		return "", "", ErrBadResumeToken
	}
	name, err1 := base64.RawURLEncoding.DecodeString(name64)
	mac, err2 := base64.RawURLEncoding.DecodeString(mac64)
	if err1 != nil || err2 != nil {
		return "", "", ErrBadResumeToken
	}
	key, err := e.resumeKeyBytes(ctx)
	if err != nil {
		return "", "", err
	}
	if !hmac.Equal(mac, resumeMAC(key, string(name))) {
		return "", "", ErrBadResumeToken
	}
	runID, step, ok = strings.Cut(string(name), "\x00")
	if !ok {
		return "", "", ErrBadResumeToken
	}
	return runID, step, nil
}

// resumeURL is resumeURL("STEP") in the run's expressions. Within nested
// steps (a loop's item), it names the wait step among the asking step's
// own: "each[3].approval" for resumeURL("approval") asked in "each[3].ask".
func (st *runState) resumeURL(step string) (string, error) {
	if !hasResumeStep(st.compiled.Steps, step) {
		return "", fmt.Errorf("resumeURL: the workflow has no wait step %q", step)
	}
	if st.test {
		return strings.TrimRight(st.eng.cfg.BaseURL, "/") + "/hooks/resume/TEST-RUN", nil
	}
	path := step
	if i := strings.LastIndexByte(st.path, '.'); i >= 0 {
		path = st.path[:i+1] + step
	}
	return st.eng.ResumeURL(context.Background(), st.runID, path)
}

// stepIDOf is the id of the step at a path ("each[3].approval": approval).
func stepIDOf(path string) string { return path[strings.LastIndexByte(path, '.')+1:] }

// waitsAgain reports a step whose waiting attempt rec is not the step done
// (kinds.WaitsAgain): it runs again when the run resumes.
func waitsAgain(s *workflows.CompiledStep, rec store.StepResult) bool {
	_, ok := s.Program.(kinds.WaitsAgain)
	return ok && rec.Status == store.StepWaiting
}

// hasResumeStep reports whether steps hold a step a resume URL resumes,
// with that id.
func hasResumeStep(steps []*workflows.CompiledStep, id string) bool {
	for _, s := range steps {
		if _, ok := s.Program.(kinds.ResumeStep); ok && s.ID == id {
			return true
		}
		if hasResumeStep(s.Steps, id) {
			return true
		}
	}
	return false
}

// ResumeRequest is what came to a resume URL (or from an operator).
type ResumeRequest struct {
	Method string
	// Body is the request's body as the payload is read: JSON decoded, a
	// form as an object, other text as a string.
	Body  any
	Query map[string]any
}

// Resume resumes a wait step of a run with a request: the step's output
// becomes {"resumed": true, "method", "body", "query", "at"} and the run
// is due at once. store.ErrNotFound where the run or the step is unknown;
// store.ErrConflict where the step was resumed before or the run has
// finished.
func (e *Engine) Resume(ctx context.Context, runID, step string, req ResumeRequest) error {
	r, err := e.store.RunGet(ctx, runID)
	if err != nil {
		return fmt.Errorf("resume run %s: %w", runID, err)
	}
	c, err := e.cache.revision(ctx, r.WorkflowID, r.Revision)
	if err != nil {
		return fmt.Errorf("resume run %s: load workflow: %w", runID, err)
	}
	if !isResumeStep(c, step) {
		return fmt.Errorf("resume run %s: no wait step %q: %w", runID, step, store.ErrNotFound)
	}
	now := e.now().UTC()
	if req.Query == nil {
		req.Query = map[string]any{}
	}
	out, err := jsonOf(map[string]any{
		"resumed": true, "method": req.Method, "body": req.Body, "query": req.Query,
		"at": now.Format(time.RFC3339Nano),
	})
	if err != nil {
		return fmt.Errorf("resume run %s: %w", runID, err)
	}
	if err := e.store.WaitResume(ctx, store.WaitResumeParams{RunID: runID, StepID: step, Resume: out, Now: now}); err != nil {
		return fmt.Errorf("resume run %s: %w", runID, err)
	}
	e.schedule(now)
	return nil
}

// ResumeByToken is Resume for a resume URL's token: ErrBadResumeToken
// where it is not one the engine made.
func (e *Engine) ResumeByToken(ctx context.Context, tok string, req ResumeRequest) (runID string, err error) {
	runID, step, err := e.parseResumeToken(ctx, tok)
	if err != nil {
		return "", err
	}
	return runID, e.Resume(ctx, runID, step, req)
}

// ResumeRequestOf reads a request to a resume URL: its method, its body
// as a trigger's payload is read, and its query.
func ResumeRequestOf(method string, headers map[string]string, body []byte, query string) ResumeRequest {
	ev := store.Event{Method: method, Headers: headers, Body: body}
	var b any
	if len(body) > 0 {
		b = DecodePayload(&ev).Value
	}
	return ResumeRequest{Method: method, Body: b, Query: valuesMap(parseQuery(query))}
}

// parentRun is the run that started the event's run, where a workflow
// step did ("" otherwise): trigger.parent_run.
func parentRun(ev *store.Event) string {
	if ev.Source != "workflow" {
		return ""
	}
	return ev.Headers[headerParentRun]
}

// WaitInfo is a wait step of a run as the run page shows it.
type WaitInfo struct {
	Step string `json:"step"`
	// URL resumes the step (a path alone where the engine has no BaseURL).
	URL string `json:"url"`
	// Waiting: the run has reached the step and waits on it.
	Waiting  bool      `json:"waiting"`
	Resumed  bool      `json:"resumed"`
	TimedOut bool      `json:"timed_out,omitempty"`
	Until    time.Time `json:"until,omitzero"`
}

// Waits lists the wait steps of a run's workflow, with their resume URLs
// and how each stands: a top-level one by its id, a wait step inside a
// loop or a path by the path of each of its records
// ("each_line[2].approval"), once the run has reached it.
func (e *Engine) Waits(ctx context.Context, runID string) ([]WaitInfo, error) {
	r, err := e.store.RunGet(ctx, runID)
	if err != nil {
		return nil, fmt.Errorf("waits of run %s: %w", runID, err)
	}
	c, err := e.cache.revision(ctx, r.WorkflowID, r.Revision)
	if err != nil {
		return nil, fmt.Errorf("waits of run %s: load workflow: %w", runID, err)
	}
	var paths []string
	var nested []*workflows.CompiledStep
	for _, s := range c.Steps {
		if _, ok := s.Program.(kinds.ResumeStep); ok {
			paths = append(paths, s.ID)
		}
		if len(s.Steps) > 0 {
			nested = append(nested, s)
		}
	}
	if len(nested) > 0 {
		results, err := e.store.StepResultList(ctx, runID)
		if err != nil {
			return nil, fmt.Errorf("waits of run %s: load steps: %w", runID, err)
		}
		seen := map[string]bool{}
		var found []string
		for _, rec := range results {
			if !seen[rec.StepID] && nestedResumeStep(c, rec.StepID) {
				seen[rec.StepID] = true
				found = append(found, rec.StepID)
			}
		}
		slices.SortStableFunc(found, comparePaths) // items in order, however they ran
		paths = append(paths, found...)
	}
	out := make([]WaitInfo, 0, len(paths))
	for _, path := range paths {
		wi, err := e.waitInfo(ctx, r, path)
		if err != nil {
			return nil, fmt.Errorf("waits of run %s: %w", runID, err)
		}
		out = append(out, wi)
	}
	return out, nil
}

// waitInfo is how the wait step at path stands in run r.
func (e *Engine) waitInfo(ctx context.Context, r store.Run, path string) (WaitInfo, error) {
	u, err := e.ResumeURL(ctx, r.ID, path)
	if err != nil {
		return WaitInfo{}, err
	}
	wi := WaitInfo{Step: path, URL: u}
	w, err := e.store.WaitGet(ctx, r.ID, path)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return WaitInfo{}, err
	default:
		wi.Until = w.Until
		if w.Resumed() {
			wi.Resumed = true
			var v map[string]any
			if out, err := decodeJSON(w.Resume); err == nil {
				v, _ = out.(map[string]any)
			}
			if v["timed_out"] == true {
				wi.Resumed, wi.TimedOut = false, true
			}
		} else {
			wi.Waiting = r.Status == store.StatusWaiting
		}
	}
	return wi, nil
}

// comparePaths orders step paths with their item numbers as numbers:
// each_line[2].approval before each_line[10].approval.
func comparePaths(a, b string) int {
	for a != "" && b != "" {
		na, ra := leadingNumber(a)
		nb, rb := leadingNumber(b)
		switch {
		case len(ra) < len(a) && len(rb) < len(b): // both start with a number
			if na != nb {
				return cmp.Compare(na, nb)
			}
			a, b = ra, rb
		case a[0] != b[0]:
			return cmp.Compare(a[0], b[0])
		default:
			a, b = a[1:], b[1:]
		}
	}
	return cmp.Compare(len(a), len(b))
}

// leadingNumber reads the digits s starts with, and what follows them.
func leadingNumber(s string) (int, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:]
}

// isResumeStep reports whether path names a wait step of the workflow: a
// top-level one by its id, or one inside a top-level step by its path
// ("each_line[2].approval", "route.big.approval").
func isResumeStep(c *workflows.Compiled, path string) bool {
	if !strings.Contains(path, ".") {
		i := c.StepIndex(path)
		if i < 0 {
			return false
		}
		_, ok := c.Steps[i].Program.(kinds.ResumeStep)
		return ok
	}
	return nestedResumeStep(c, path)
}

// nestedResumeStep reports whether path names a wait step inside a
// top-level step.
func nestedResumeStep(c *workflows.Compiled, path string) bool {
	if !strings.Contains(path, ".") {
		return false
	}
	i := c.StepIndex(path[:nextIDEnd(path)])
	return i >= 0 && hasResumeStep(c.Steps[i].Steps, stepIDOf(path))
}
