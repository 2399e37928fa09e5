package triggers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// DefaultMaxBody is the default limit on a webhook body: 1 MiB.
const DefaultMaxBody = 1 << 20

// WebhookConfig configures the webhook receiver.
type WebhookConfig struct {
	Engine *engine.Engine
	// MaxBody is the largest body accepted (default DefaultMaxBody).
	MaxBody int64
	// StatusURL builds the URL where a run's status can be read, for sync
	// triggers that time out (optional).
	StatusURL func(r *http.Request, runID string) string
	// TrustedProxies are the peers whose X-Forwarded-For names the caller.
	TrustedProxies []netip.Prefix
	// Count, when set, is told the outcome of each trigger request
	// (accepted, duplicate, unauthorized, forbidden, rate_limited, ...).
	Count  func(workflowID, outcome string)
	Logger *slog.Logger
}

// Webhook receives the requests sent to trigger URLs.
type Webhook struct {
	cfg     WebhookConfig
	log     *slog.Logger
	limits  limiters
	samples Samples
}

// NewWebhook builds the receiver.
func NewWebhook(cfg WebhookConfig) *Webhook {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Webhook{cfg: cfg, log: cfg.Logger}
}

// Serve handles one request to the trigger URL with the given key. It
// answers 202 {"run_id"} once the event and its run are durable (or, for a
// sync trigger, the run's response), 404 for an unknown or disabled
// workflow, 405 for a method the trigger does not take, 413 for a body over
// the limit, 503 with Retry-After when the bodies being read or the bytes
// in flight leave it no room within BudgetWait, 401 when the caller fails
// the trigger's auth, 400 for malformed JSON or a number beyond float64's
// range (its place in field), and 200 with the first run's id for a
// duplicate delivery.
func (h *Webhook) Serve(w http.ResponseWriter, r *http.Request, key string) {
	MakeInert(w.Header()) // first: the answer may be written early, from Accept
	ctx := r.Context()
	e := h.cfg.Engine
	wf, c, err := e.ResolveHook(ctx, key)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusNotFound, "not_found", "no workflow listens at this URL")
			return
		}
		h.log.Error("resolve trigger", "err", err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the workflow could not be loaded; try again")
		return
	}
	t, isWebhook := c.Trigger.(*kinds.WebhookTrigger)
	if !wf.Enabled || !isWebhook {
		writeError(w, http.StatusNotFound, "not_found", "no workflow listens at this URL")
		return
	}
	if ip := ClientIP(r, h.cfg.TrustedProxies); !allowedIP(t, ip) {
		h.log.Info("trigger refused: caller not in allow_ips", "workflow", wf.ID, "ip", ip.String())
		h.count(wf.ID, "forbidden")
		writeError(w, http.StatusForbidden, "forbidden", "this address may not call the trigger")
		return
	}
	if ok, wait := h.limits.allow(wf.ID, t.RateLimit, e.Now()); !ok {
		h.log.Info("trigger refused: rate limit", "workflow", wf.ID)
		h.count(wf.ID, "rate_limited")
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
		writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests to this trigger; retry later")
		return
	}
	if len(t.Methods) > 0 && !contains(t.Methods, r.Method) {
		w.Header().Set("Allow", strings.Join(t.Methods, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "this trigger accepts "+strings.Join(t.Methods, ", "))
		return
	}
	if r.ContentLength > h.cfg.MaxBody {
		h.count(wf.ID, "too_large")
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "the body is over the limit")
		return
	}
	body, read, err := readBody(w, r, h.cfg.MaxBody, e.ReadBudget())
	defer read.Release()
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			h.count(wf.ID, "too_large")
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "the body is over the limit")
		case errors.Is(err, errNoRoomToRead):
			h.count(wf.ID, "over_budget")
			h.busy(w, wf.ID, "bodies being read", e.ReadBudget().Max())
		default: // a body that stopped coming (cut off by the connection limits), or its caller gone
			writeError(w, http.StatusBadRequest, "bad_request", "could not read the request body")
		}
		return
	}
	if err := h.authenticate(ctx, c, t, r, body); err != nil {
		h.log.Info("trigger auth refused", "workflow", wf.ID, "reason", err)
		msg := strings.TrimPrefix(err.Error(), kinds.ErrUnauthorized.Error()+": ")
		if errors.Is(err, kinds.ErrAuthConfig) {
			msg = "the trigger's auth is misconfigured"
		}
		h.count(wf.ID, "unauthorized")
		writeError(w, http.StatusUnauthorized, "unauthorized", msg)
		return
	}
	// Room in the budget is taken once the body is read and the caller authenticated: a client that
	// sends its body slowly holds none, and cannot keep others out. The body's bytes in the
	// ReadBudget go back once it has its share (or gave up waiting for it).
	held, ok := h.reserve(w, r, wf.ID, int64(len(body)))
	read.Release()
	if !ok {
		return
	}
	budget := e.Budget()
	defer func() { budget.Release(held) }()
	ev := store.Event{
		Source:  "webhook",
		Method:  r.Method,
		Headers: eventHeaders(r.Header, t.Auth),
		Query:   eventQuery(r.URL.Query(), t.Auth),
		Body:    body,
	}
	// Decoded once, for the checks here and the run's steps. Where neither
	// read it (a filter on headers, a body sent on as it is) it is only
	// checked; the run decodes it if it ever needs it.
	payload := engine.PreparePayload(c, &ev)
	if payload.BadJSON {
		var re *engine.NumberRangeError
		if errors.As(payload.Err, &re) {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
				"code": "bad_json", "message": re.At("payload"), "field": "payload" + re.Path}})
			return
		}
		writeError(w, http.StatusBadRequest, "bad_json", "the body is not valid JSON")
		return
	}
	if t.PayloadSchema != nil {
		if err := t.PayloadSchema.Check(payload.Value); err != nil {
			h.count(wf.ID, "schema_mismatch")
			var se *workflows.SchemaError
			path := ""
			if errors.As(err, &se) {
				path = se.Path
			}
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]any{
				"code": "schema_mismatch", "message": err.Error(), "path": path}})
			return
		}
	}
	if t.Idempotency != nil {
		k, err := idempotencyKey(c, t, &ev, payload.Value)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "idempotency_key: "+err.Error())
			return
		}
		ev.IdempotencyKey = k
	}
	var answered bool // by answerEarly
	var answer func(store.AcceptResult)
	if !c.Sync() {
		answer = func(res store.AcceptResult) { answered = answerEarly(w, r, res.RunID) }
	}
	res, err := e.Accept(ctx, engine.AcceptParams{WorkflowID: wf.ID, Revision: wf.Revision, Event: ev, Sync: c.Sync(),
		Payload: &payload, Answer: answer})
	// Stored (or not): from here the run's bytes are counted by the run,
	// and a sync trigger waiting for it must not hold room it needs.
	budget.Release(held)
	held = 0
	if err != nil {
		h.log.Error("accept event", "workflow", wf.ID, "err", err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the event could not be stored; retry later")
		return
	}
	if res.Duplicate {
		h.count(wf.ID, "duplicate")
		writeJSON(w, http.StatusOK, map[string]any{"run_id": res.RunID, "duplicate": true})
		return
	}
	h.count(wf.ID, "accepted")
	if !c.Sync() {
		if !answered {
			writeAccepted(w, res.RunID)
		}
		return
	}
	h.respondSync(w, r, res.RunID, t)
}

// BudgetWait is how long a request waits for room in the budget of bytes
// in flight (engine.Budget) before it is answered 503 with Retry-After.
const BudgetWait = 5 * time.Second

// reserve waits for room in the engine's budget of bytes in flight for a
// body of n bytes read, and returns what it took; false once it has
// answered (503 after BudgetWait) or the caller went away.
func (h *Webhook) reserve(w http.ResponseWriter, r *http.Request, workflowID string, n int64) (int64, bool) {
	budget := h.cfg.Engine.Budget()
	if budget == nil {
		return 0, true
	}
	ctx, cancel := context.WithTimeout(r.Context(), BudgetWait)
	defer cancel()
	held, err := budget.Acquire(ctx, engine.RunCost(n))
	if err == nil {
		return held, true
	}
	if r.Context().Err() != nil {
		return 0, false // the caller is gone
	}
	h.count(workflowID, "over_budget")
	h.busy(w, workflowID, "bytes in flight", budget.Max())
	return 0, false
}

// busy answers 503 with Retry-After to a request that found no room in
// the named bound within BudgetWait.
func (h *Webhook) busy(w http.ResponseWriter, workflowID, bound string, size int64) {
	h.log.Warn("trigger refused: "+bound+" over the budget", "workflow", workflowID, "budget", size)
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusServiceUnavailable, "busy", "the server has too many bytes in flight; retry later")
}

// bodyPart is how much of a body is read at once. A body's first part is
// read freely: nearly every webhook fits in it, and never waits. Each
// further part counts against the engine's ReadBudget.
const bodyPart = 64 << 10

// errNoRoomToRead: a body's next part found no room in the ReadBudget
// within BudgetWait.
var errNoRoomToRead = errors.New("no room to read the body")

// readBody reads a request body of at most limit bytes (else an
// *http.MaxBytesError), a part at a time: its buffers follow the bytes that
// arrive, not the length the caller declares (ten thousand callers that
// declare a megabyte and send a few bytes would otherwise take ten
// gigabytes). Past the first part, each part takes its bytes from reads
// once its first byte has come, waiting up to BudgetWait for room (else
// errNoRoomToRead): a caller holds at most one part beyond what it sent,
// and one waiting for room leaves the rest in its socket. The parts are
// joined once all have come. The BodyRead returned (nil for a body within
// its first part) holds the body's bytes in reads until released.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, reads *engine.ReadBudget) ([]byte, *engine.BodyRead, error) {
	body := http.MaxBytesReader(w, r.Body, limit)
	size := r.ContentLength
	if size > limit {
		size = -1 // unknown: refused as its bytes come
	}
	var first []byte
	var err error
	if size < 0 {
		first, err = io.ReadAll(io.LimitReader(body, bodyPart))
	} else {
		first = make([]byte, min(size, bodyPart))
		_, err = io.ReadFull(body, first)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(first) < bodyPart || size == bodyPart {
		return first, nil, nil // the whole body
	}
	var claim *engine.BodyRead
	fail := func(err error) ([]byte, *engine.BodyRead, error) {
		claim.Release()
		return nil, nil, err
	}
	parts := [][]byte{first}
	total := int64(len(first))
	for size < 0 || total < size {
		var one [1]byte
		if _, err := io.ReadFull(body, one[:]); err != nil {
			if size < 0 && err == io.EOF {
				break
			}
			return fail(err)
		}
		end := limit
		if size >= 0 {
			end = size
		}
		if claim == nil {
			claim = reads.Begin(end - total)
		}
		n := min(bodyPart, end-total)
		ctx, cancel := context.WithTimeout(r.Context(), BudgetWait)
		err := claim.Take(ctx, n)
		cancel()
		if err != nil {
			if r.Context().Err() == nil {
				err = errNoRoomToRead
			}
			return fail(err)
		}
		part := make([]byte, n)
		part[0] = one[0]
		m, err := io.ReadFull(body, part[1:])
		if err != nil && !(size < 0 && (err == io.EOF || err == io.ErrUnexpectedEOF)) {
			return fail(err)
		}
		parts = append(parts, part[:1+m])
		total += int64(1 + m)
		if err != nil {
			break // the end of a body of unknown length
		}
	}
	claim.Done()
	out := make([]byte, 0, total)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out, claim, nil
}

// answerEarly writes the 202 from the goroutine that made the event durable,
// as soon as it is: the client has it without waiting for the request's own
// goroutine to be scheduled again (with every core busy, that wait is a
// large share of an accept's latency). Every event in the batch waits behind
// it, so it writes only where the write cannot block: on an HTTP/1
// connection whose socket holds nothing unsent or unacknowledged (see
// ConnContext), which takes a 202 at once. Elsewhere (a client with answers
// it has not read, HTTP/2, a system other than Linux) it reports false and
// the handler writes the answer, waiting for the client as long as it takes.
// A write deadline would not do: once one expires, net/http fails the
// connection, and the caller would lose the answer of an event that is
// stored (and send it again). A flush that fails here found the connection
// gone, which no answer could reach, or a writer that cannot flush, whose
// answer goes out when the handler returns.
func answerEarly(w http.ResponseWriter, r *http.Request, runID string) bool {
	if r.ProtoMajor != 1 || !sendQueueEmpty(r.Context()) {
		return false
	}
	writeAccepted(w, runID)
	_ = http.NewResponseController(w).Flush()
	return true
}

// writeAccepted answers 202 {"run_id": id}, the answer to nearly every
// webhook, without encoding/json (run ids are UUIDs: nothing to escape).
func writeAccepted(w http.ResponseWriter, runID string) {
	b := make([]byte, 0, 16+len(runID))
	b = append(b, `{"run_id":"`...)
	b = append(b, runID...)
	b = append(b, "\"}\n"...)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write(b)
}

// respondSync waits for a sync run's response; past the trigger's timeout
// the caller gets 202 with the run id and where to follow it.
func (h *Webhook) respondSync(w http.ResponseWriter, r *http.Request, runID string, t *kinds.WebhookTrigger) {
	resp, err := h.cfg.Engine.AwaitResponse(r.Context(), runID, t.SyncTimeout)
	if err != nil {
		body := map[string]any{"run_id": runID, "status": "running"}
		if h.cfg.StatusURL != nil {
			body["status_url"] = h.cfg.StatusURL(r, runID)
		}
		writeJSON(w, http.StatusAccepted, body)
		return
	}
	h.writeResponse(w, runID, resp)
}

// writeResponse writes a sync run's answer. A header a respond step may not
// set (kinds.RefusedResponseHeader) is dropped, should a run have made
// one anyway (a replica of an older Hookflow sharing the store).
func (h *Webhook) writeResponse(w http.ResponseWriter, runID string, resp engine.Response) {
	var body []byte
	ctype := ""
	switch b := resp.Body.(type) {
	case nil:
	case string:
		body, ctype = []byte(b), "text/plain; charset=utf-8"
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			h.log.Error("sync answer: encode body", "run", runID, "err", err)
			writeError(w, http.StatusInternalServerError, "internal", "the workflow's answer could not be written as JSON")
			return
		}
		body, ctype = append(enc, '\n'), "application/json"
	}
	hdr := w.Header()
	for k, v := range resp.Headers {
		if why := kinds.RefusedResponseHeader(k); why != "" {
			h.log.Warn("sync answer: header dropped", "run", runID, "header", k, "reason", why)
			continue
		}
		hdr.Set(k, v)
	}
	MakeInert(hdr)
	hdr.Set("X-Hookflow-Run-Id", runID)
	if ctype != "" && hdr.Get("Content-Type") == "" {
		hdr.Set("Content-Type", ctype)
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(body)
}

// count records a refused or accepted request for metrics (see Metrics).
func (h *Webhook) count(workflowID, outcome string) {
	if h.cfg.Count != nil {
		h.cfg.Count(workflowID, outcome)
	}
}

// authenticate renders the trigger's secret and verifies the caller.
func (h *Webhook) authenticate(ctx context.Context, c *workflows.Compiled, t *kinds.WebhookTrigger, r *http.Request, body []byte) error {
	a := t.Auth
	if a == nil || a.Type == "none" {
		return nil
	}
	secret := ""
	if t.AuthSecret != nil {
		secrets, err := h.cfg.Engine.Secrets(ctx)
		if err != nil {
			return errors.Join(kinds.ErrUnauthorized, kinds.ErrAuthConfig, err)
		}
		env := workflows.Env{Secrets: secrets, Vars: c.Workflow.Vars}
		if secret, err = t.AuthSecret.Render(&env); err != nil {
			return errors.Join(kinds.ErrUnauthorized, kinds.ErrAuthConfig, err)
		}
	}
	return kinds.Authenticate(a, secret, &kinds.Inbound{Method: r.Method, Header: r.Header, Query: r.URL.Query(), Body: body}, h.cfg.Engine.Now())
}

// idempotencyKey evaluates the trigger's idempotency expression.
func idempotencyKey(c *workflows.Compiled, t *kinds.WebhookTrigger, ev *store.Event, payload any) (string, error) {
	env := workflows.Env{Payload: payload, Trigger: engine.TriggerInfo(ev), Vars: c.Workflow.Vars}
	v, err := workflows.Eval(t.Idempotency, &env)
	if err != nil {
		return "", err
	}
	return workflows.Stringify(v), nil
}

// redactedHeaders are never stored as received: they carry credentials.
var redactedHeaders = map[string]bool{"authorization": true, "cookie": true, "proxy-authorization": true}

// eventHeaders flattens the request headers for storage, with lower-case
// names and credentials redacted.
func eventHeaders(h http.Header, a *workflows.Auth) map[string]string {
	tokenHeader := ""
	if a != nil && a.Type == "token" && a.Header != "" {
		tokenHeader = strings.ToLower(a.Header)
	}
	out := make(map[string]string, len(h))
	for k, vs := range h {
		name := strings.ToLower(k)
		if redactedHeaders[name] || name == tokenHeader {
			out[name] = "[redacted]"
			continue
		}
		out[name] = strings.Join(vs, ", ")
	}
	return out
}

// eventQuery is the query string for storage, with a token parameter
// redacted.
func eventQuery(q url.Values, a *workflows.Auth) string {
	if a != nil && a.Type == "token" && a.Query != "" && q.Has(a.Query) {
		q.Set(a.Query, "[redacted]")
	}
	return q.Encode()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with Hookflow's JSON error shape.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}
