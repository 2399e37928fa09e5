package engine

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

func init() { registerStep(workflows.StepWebhook, stepWebhook) }

// stepWebhook sends the outbound request. A failure the receiver may get
// over (network error, 408, 429, 5xx) is retried with backoff while
// attempts remain; any other failure fails the step at once.
func stepWebhook(ctx context.Context, e *Engine, st *runState, s *workflows.CompiledStep, attempt int) outcome {
	req, err := buildRequest(st, s)
	if err != nil {
		return outcome{status: store.StepFailed, err: err}
	}
	req.WebhookID = webhookID(st.runID, s.ID)
	req.Timestamp = e.now()
	record := requestRecord(st, req)
	if st.dry && !st.send {
		return outcome{status: store.StepSucceeded, input: record, output: map[string]any{"sent": false}}
	}
	resp, err := e.sender.Send(ctx, req)
	out := outcome{status: store.StepSucceeded, input: record}
	if resp != nil {
		out.statusCode = resp.Status
		out.output = resp.Output()
	}
	if err == nil {
		return out
	}
	out.err = err
	out.status = store.StepFailed
	var de *actions.DeliveryError
	if ctx.Err() != nil || !errors.As(err, &de) || !de.Retryable || st.dry {
		return out
	}
	if attempt >= s.Retry.MaxAttempts {
		out.err = fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		return out
	}
	out.status = store.StepRetrying
	out.at = e.now().Add(backoff(s.Retry, attempt, de.RetryAfter))
	return out
}

// buildRequest renders the step's URL, headers and body.
func buildRequest(st *runState, s *workflows.CompiledStep) (actions.Request, error) {
	url, err := s.URL.Render(&st.env)
	if err != nil {
		return actions.Request{}, fmt.Errorf("url: %w", err)
	}
	method := s.Method
	if method == "" {
		method = http.MethodPost
	}
	header := make(http.Header, len(s.Headers))
	for _, h := range s.Headers {
		v, err := h.Value.Render(&st.env)
		if err != nil {
			return actions.Request{}, fmt.Errorf("headers.%s: %w", h.Name, err)
		}
		header.Set(h.Name, v)
	}
	req := actions.Request{Method: method, URL: url, Header: header, Timeout: s.Timeout}
	if method != http.MethodGet && method != http.MethodHead {
		switch {
		case s.Body == nil && st.payloadJSON != nil:
			req.Body = st.payloadJSON
		default:
			var body any
			if s.Body == nil {
				body = st.payload()
			} else if body, err = workflows.Eval(s.Body, &st.env); err != nil {
				return actions.Request{}, fmt.Errorf("body: %w", err)
			}
			if req.Body, err = json.Marshal(body); err != nil {
				return actions.Request{}, fmt.Errorf("body is not JSON: %w", err)
			}
		}
	}
	if s.SignSecret != nil {
		if req.SignSecret, err = s.SignSecret.Render(&st.env); err != nil {
			return actions.Request{}, fmt.Errorf("sign.secret: %w", err)
		}
	}
	return req, nil
}

// requestRecord is the request as recorded in the step's input, with
// secret values redacted.
func requestRecord(st *runState, req actions.Request) map[string]any {
	headers := make(map[string]any, len(req.Header))
	for k := range req.Header {
		headers[strings.ToLower(k)] = st.redactHeader(strings.ToLower(k), req.Header.Get(k))
	}
	rec := map[string]any{"method": req.Method, "url": st.redact(req.URL), "headers": headers}
	if req.Body != nil {
		rec["body"] = json.RawMessage(req.Body)
	}
	return rec
}

// redact hides secret values inside s.
func (st *runState) redact(s string) string { return redactString(s, st.secretValues()) }

// webhookID is the webhook-id of a step of a run: the same on every
// attempt, so receivers can deduplicate redeliveries.
func webhookID(runID, stepID string) string {
	return "msg_" + strings.ReplaceAll(runID, "-", "") + "_" + stepID
}

// backoff is the wait before the attempt after the given one: exponential
// from p.Initial, capped at p.Max, with full jitter, and never shorter than
// a receiver's Retry-After.
func backoff(p workflows.RetryPolicy, attempt int, retryAfter time.Duration) time.Duration {
	ceil := p.Initial
	for i := 1; i < attempt && ceil < p.Max; i++ {
		ceil *= 2
	}
	ceil = min(ceil, p.Max)
	d := time.Duration(rand.Int64N(int64(ceil) + 1))
	return max(d, retryAfter)
}
