package kinds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// Defaults of a webhook step where its definition leaves them out.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultMaxAttempts = 12
	DefaultInitial     = 10 * time.Second
	DefaultMaxBackoff  = 2 * time.Hour
)

// retryFields describe a step's retry settings (RetryPolicy), for the
// editor: every step that calls out has them.
var retryFields = []workflows.Field{
	{Name: "max_attempts", Label: "Attempts", Kind: workflows.ValueNumber, Default: DefaultMaxAttempts,
		Help: "Attempts in all, the first included (1 to 100)."},
	{Name: "initial", Label: "First wait", Kind: workflows.ValueDuration, Default: DefaultInitial.String(),
		Help: "The longest wait before the second attempt; each wait after may be twice the one before."},
	{Name: "max", Label: "Longest wait", Kind: workflows.ValueDuration, Default: DefaultMaxBackoff.String(),
		Help: "No wait between attempts is longer than this."},
}

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:    "webhook",
			Title:   "Send a webhook",
			Summary: "Calls a URL with the payload, or a body of your own; retried with backoff until it is delivered.",
			Fields: []workflows.Field{
				{Name: "method", Label: "Method", Kind: workflows.ValueSelect, Default: http.MethodPost,
					Options: workflows.MethodOptions(), Help: "The HTTP method of the request."},
				{Name: "url", Label: "URL", Kind: workflows.ValueTemplate, Required: true,
					Placeholder: "https://api.example.com/orders/{{ payload.id }}",
					Help:        "Where the request goes. {{ }} parts are filled in from the run; a value from the event is escaped where it lands, so it cannot change the host."},
				{Name: "headers", Label: "Headers", Kind: workflows.ValueHeaders,
					Help: "Headers of the request; values may have {{ }} parts, such as Bearer {{ secrets.token }}."},
				outAuthDoc,
				{Name: "body", Label: "Body", Kind: workflows.ValueMapping,
					Help: "What is sent, as JSON: fields with text and fields of the data in them ({{ payload.id }}), or an expression (advanced). Empty: the payload, as it is."},
				bodyFormatDoc,
				{Name: "timeout", Label: "Timeout", Kind: workflows.ValueDuration, Default: DefaultTimeout.String(),
					Help: "How long one attempt may take before it counts as failed and is retried."},
				{Name: "sign", Label: "Sign the request", Kind: workflows.ValueObject,
					Help: "Adds Standard Webhooks signature headers, so the receiver can check the request came from you.",
					Fields: []workflows.Field{
						{Name: "secret", Label: "Signing secret", Kind: workflows.ValueSecret, Required: true,
							Help: "A whsec_ secret, or any text; usually {{ secrets.NAME }}."},
					}},
				{Name: "retry", Label: "Retries", Kind: workflows.ValueObject,
					Help:   "Network errors, timeouts, 408, 429 and 5xx answers are retried, waiting longer each time; other answers fail the step at once.",
					Fields: retryFields},
				pauseAfterField,
				responseDoc,
				failOnStatusDoc,
			},
			Example: []byte(`{"id": "notify", "type": "webhook", "url": "{{ vars.fulfil_url }}/orders/{{ payload.id }}", "auth": {"type": "bearer", "token": "{{ secrets.fulfil }}"}}`),
		},
		New: func() workflows.StepSettings { return &Webhook{} },
	})
}

// Webhook sends an outbound request. A failure the receiver may get over
// (network error, 408, 429, 5xx) is retried with backoff while attempts
// remain; any other failure fails the step at once.
type Webhook struct {
	// Method of the request (default POST).
	Method string `json:"method,omitempty"`
	// URL of the request, a template.
	URL string `json:"url,omitempty"`
	// Headers of the request; values are templates.
	Headers map[string]string `json:"headers,omitempty"`
	// Auth authorises the request (bearer, basic, api_key,
	// oauth2_client_credentials).
	Auth *WebhookAuth `json:"auth,omitempty"`
	// Body is what is sent as JSON: a mapping, or an expression (default:
	// the payload).
	Body workflows.Body `json:"body,omitzero"`
	// BodyFormat is how the body is sent: json (default), form,
	// multipart, xml or text (see actions.EncodeBody); for xml and text a
	// string body is a template, not an expression.
	BodyFormat string `json:"body_format,omitempty"`
	// Timeout of one attempt, e.g. "10s" (default 30s).
	Timeout string `json:"timeout,omitempty"`
	// Sign adds Standard Webhooks signature headers.
	Sign *Sign `json:"sign,omitempty"`
	// Retry sets how failed attempts are retried.
	Retry *Retry `json:"retry,omitempty"`
	// PauseAfter is how many failed attempts in a row to the step's
	// destination pause calls to it (nil: the server's setting; 0: never
	// for this step).
	PauseAfter *int `json:"pause_after,omitempty"`
	// Response is how the output holds the response body: json (parsed
	// where it is JSON, the default), text, or binary (base64).
	Response string `json:"response,omitempty"`
	// FailOnStatus lists statuses (404) and classes ("4xx") that fail the
	// step at once.
	FailOnStatus []json.RawMessage `json:"fail_on_status,omitempty"`
}

// Sign configures Standard Webhooks signing of an outbound request.
type Sign struct {
	// Secret is a "whsec_" base64 secret or any string (template).
	Secret string `json:"secret"`
}

// Retry configures the retry schedule of a webhook step.
type Retry struct {
	// MaxAttempts counts the first attempt too (default 12).
	MaxAttempts int `json:"max_attempts,omitempty"`
	// Initial is the first backoff (default "10s").
	Initial string `json:"initial,omitempty"`
	// Max caps a single backoff (default "2h").
	Max string `json:"max,omitempty"`
}

// RetryPolicy is a retry schedule with its defaults applied.
type RetryPolicy struct {
	MaxAttempts int
	Initial     time.Duration
	Max         time.Duration
}

// Compile checks the settings and compiles the URL, headers, body and
// signing secret.
func (w *Webhook) Compile(b *workflows.StepBuild) (any, error) {
	s := &webhookStep{method: w.Method, timeout: DefaultTimeout,
		retry: RetryPolicy{MaxAttempts: DefaultMaxAttempts, Initial: DefaultInitial, Max: DefaultMaxBackoff}}
	if s.method == "" {
		s.method = http.MethodPost
	} else if !workflows.ValidMethod(w.Method) {
		return nil, b.Errorf("method", "unknown HTTP method %q", w.Method)
	}
	if w.URL == "" {
		return nil, b.Required("url")
	}
	if !strings.HasPrefix(w.URL, "{{") && !strings.HasPrefix(w.URL, "http://") && !strings.HasPrefix(w.URL, "https://") {
		return nil, b.Errorf("url", "must start with http:// or https://")
	}
	var err error
	if s.url, err = b.URL("url", w.URL); err != nil {
		return nil, err
	}
	if w.Timeout != "" {
		if s.timeout, err = b.Duration("timeout", w.Timeout); err != nil {
			return nil, err
		}
	}
	if w.Sign != nil {
		if w.Sign.Secret == "" {
			return nil, b.Required("sign.secret")
		}
		if s.signSecret, err = b.Template("sign.secret", w.Sign.Secret); err != nil {
			return nil, err
		}
	}
	if r := w.Retry; r != nil {
		if r.MaxAttempts < 0 || r.MaxAttempts > 100 {
			return nil, b.Errorf("retry.max_attempts", "must be between 1 and 100")
		}
		if r.MaxAttempts > 0 {
			s.retry.MaxAttempts = r.MaxAttempts
		}
		if r.Initial != "" {
			if s.retry.Initial, err = b.Duration("retry.initial", r.Initial); err != nil {
				return nil, err
			}
		}
		if r.Max != "" {
			if s.retry.Max, err = b.Duration("retry.max", r.Max); err != nil {
				return nil, err
			}
		}
		if s.retry.Max < s.retry.Initial {
			return nil, b.Errorf("retry.max", "must not be less than retry.initial")
		}
	}
	if w.PauseAfter != nil && (*w.PauseAfter < 0 || *w.PauseAfter > 1000000) {
		return nil, b.Errorf("pause_after", "must be between 0 and 1000000")
	}
	s.pauseAfter = pauseAfterSetting(w.PauseAfter)
	if err := w.compileHTTP(b, s); err != nil {
		return nil, err
	}
	if s.headers, err = b.Headers("headers", w.Headers, nil); err != nil {
		return nil, err
	}
	return s, nil
}

type webhookStep struct {
	method     string
	url        *workflows.Template
	headers    []workflows.HeaderTemplate
	body       *body // nil: the payload
	timeout    time.Duration
	signSecret *workflows.Template
	retry      RetryPolicy
	pauseAfter int // Runtime.Deliver's
	// format, textBody (xml and text), auth, response and failOn: see
	// webhook_body.go and webhook_auth.go.
	format   string
	textBody *workflows.Template
	auth     *outAuth
	response string
	failOn   []statusMatch
}

var (
	_ Step     = (*webhookStep)(nil)
	_ Outbound = (*webhookStep)(nil)
)

// Timeout is how long one attempt may take.
func (s *webhookStep) Timeout() time.Duration { return s.timeout + s.auth.extraTime(s.timeout) }

func (s *webhookStep) Run(ctx context.Context, rt Runtime) Outcome {
	req, err := s.request(rt)
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: err}
	}
	hideHeader, hideQuery, err := s.auth.apply(rt.Env(), &req)
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: err}
	}
	req.WebhookID = WebhookID(rt.RunID(), rt.Path())
	req.Timestamp = rt.Now()
	record := requestRecord(rt, req)
	hideInRecord(record, hideHeader, hideQuery)
	if test, send := rt.Test(); test && !send {
		return Outcome{Status: store.StepSucceeded, Input: record, Output: map[string]any{"sent": false}}
	}
	resp, err := rt.Deliver(ctx, req, s.pauseAfter)
	out := Outcome{Status: store.StepSucceeded, Input: record}
	if resp != nil {
		out.StatusCode = resp.Status
		out.Output = s.output(resp)
	}
	var paused *PausedError
	if errors.As(err, &paused) {
		out.Status, out.Err, out.At, out.Paused = store.StepRetrying, err, paused.Until, true
		return out
	}
	if s.checkStatus(&out, req.Method) || err == nil {
		return out
	}
	out.Err = err
	out.Status = store.StepFailed
	var de *actions.DeliveryError
	if test, _ := rt.Test(); ctx.Err() != nil || !errors.As(err, &de) || !de.Retryable || test {
		return out
	}
	if rt.Attempt() >= s.retry.MaxAttempts {
		out.Err = fmt.Errorf("%w (gave up after %d attempts)", err, rt.Attempt())
		return out
	}
	out.Status = store.StepRetrying
	out.At = rt.Now().Add(Backoff(s.retry, rt.Attempt(), de.RetryAfter))
	return out
}

// request renders the step's URL, headers and body.
func (s *webhookStep) request(rt Runtime) (actions.Request, error) {
	env := rt.Env()
	url, err := s.url.Render(env)
	if err != nil {
		return actions.Request{}, fmt.Errorf("url: %w", err)
	}
	header := make(http.Header, len(s.headers))
	for _, h := range s.headers {
		v, err := h.Value.Render(env)
		if err != nil {
			return actions.Request{}, fmt.Errorf("headers.%s: %w", h.Name, err)
		}
		header.Set(h.Name, v)
	}
	req := actions.Request{Method: s.method, URL: url, Header: header, Timeout: s.timeout}
	if s.method != http.MethodGet && s.method != http.MethodHead {
		if raw := rt.PayloadJSON(); s.body == nil && raw != nil && (s.format == "" || s.format == actions.BodyJSON) {
			req.Body = raw
		} else if s.format != "" && s.format != actions.BodyJSON {
			if err := s.encodeBody(rt, &req); err != nil {
				return actions.Request{}, err
			}
		} else {
			var body any
			if s.body == nil {
				body = rt.Payload()
			} else if body, err = s.body.eval(env); err != nil {
				return actions.Request{}, fmt.Errorf("body%w", err)
			}
			if req.Body, err = json.Marshal(body); err != nil {
				return actions.Request{}, fmt.Errorf("body is not JSON: %w", err)
			}
		}
	}
	if s.signSecret != nil {
		if req.SignSecret, err = s.signSecret.Render(env); err != nil {
			return actions.Request{}, fmt.Errorf("sign.secret: %w", err)
		}
	}
	return req, nil
}

// requestRecord is the request as recorded in the step's input, with
// secret values redacted.
func requestRecord(rt Runtime, req actions.Request) map[string]any {
	headers := make(map[string]any, len(req.Header))
	for k := range req.Header {
		headers[strings.ToLower(k)] = rt.RedactHeader(strings.ToLower(k), req.Header.Get(k))
	}
	rec := map[string]any{"method": req.Method, "url": rt.Redact(req.URL), "headers": headers}
	if req.Body != nil {
		rec["body"] = recordBody(req.Body)
	}
	return rec
}

// WebhookID is the webhook-id of a step of a run: the same on every
// attempt, so receivers can deduplicate redeliveries. stepID is the
// step's path (a loop's item's step has its own: "each_line[3].send").
func WebhookID(runID, stepID string) string {
	return "msg_" + strings.ReplaceAll(runID, "-", "") + "_" + stepID
}

// Backoff is the wait before the attempt after the given one: exponential
// from p.Initial, capped at p.Max, with full jitter, and never shorter than
// a receiver's Retry-After.
func Backoff(p RetryPolicy, attempt int, retryAfter time.Duration) time.Duration {
	ceil := p.Initial
	for i := 1; i < attempt && ceil < p.Max; i++ {
		ceil *= 2
	}
	ceil = min(ceil, p.Max)
	d := time.Duration(rand.Int64N(int64(ceil) + 1))
	return max(d, retryAfter)
}
