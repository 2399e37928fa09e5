package workflows

import "encoding/json"

// Format is the only definition format this version reads and writes.
const Format = "hookflow/v1"

// Step types.
const (
	StepFilter    = "filter"
	StepTransform = "transform"
	StepWebhook   = "webhook"
	StepRespond   = "respond"
	StepDelay     = "delay"
)

// Trigger types.
const (
	TriggerWebhook = "webhook"
	TriggerCron    = "cron"
	TriggerManual  = "manual"
)

// Workflow is one stored automation: a trigger and the steps that run, in
// order, for every event the trigger accepts.
type Workflow struct {
	// Format must be "hookflow/v1".
	Format string `json:"format"`
	// ID is the stable identifier, [a-z0-9][a-z0-9-]{0,63}; generated on
	// create when empty.
	ID string `json:"id,omitempty"`
	// Name is what people see in lists.
	Name string `json:"name"`
	// Enabled workflows accept events; disabled ones answer 404 on their
	// trigger URL. Absent means true.
	Enabled bool `json:"enabled"`
	// Trigger says what starts a run.
	Trigger Trigger `json:"trigger"`
	// Steps run in order; a filter that answers false ends the run.
	Steps []Step `json:"steps"`
	// Vars are constants available to expressions as vars.NAME.
	Vars map[string]any `json:"vars,omitempty"`
	// OnFailure names another workflow started when a run fails for good.
	OnFailure string `json:"on_failure,omitempty"`
	// Concurrency caps the runs of this workflow executing at once
	// (0: no limit beyond the worker pool).
	Concurrency int `json:"concurrency,omitempty"`
}

// Trigger says what starts a run of a workflow.
type Trigger struct {
	// Type is "webhook", "cron" or "manual".
	Type string `json:"type"`
	// Methods the webhook accepts (upper case); empty accepts any.
	Methods []string `json:"methods,omitempty"`
	// Auth verifies the caller of a webhook trigger.
	Auth *Auth `json:"auth,omitempty"`
	// IdempotencyKey is an expression over trigger whose value
	// deduplicates deliveries, e.g. trigger.headers['x-github-delivery'].
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// Response chooses when the webhook answers.
	Response *Response `json:"response,omitempty"`
	// AllowIPs limits callers to these CIDRs (403 otherwise).
	AllowIPs []string `json:"allow_ips,omitempty"`
	// RateLimit is a token bucket for the trigger (429 past it).
	RateLimit *RateLimit `json:"rate_limit,omitempty"`
	// Schema is a JSON Schema the payload must match (422 otherwise).
	Schema json.RawMessage `json:"schema,omitempty"`
	// Schedule is a cron expression (cron triggers).
	Schedule string `json:"schedule,omitempty"`
	// Timezone of the schedule, e.g. "Europe/Berlin" (default UTC).
	Timezone string `json:"timezone,omitempty"`
}

// Auth is how a webhook trigger authenticates its caller.
type Auth struct {
	// Type is none, token, basic, hmac, github, stripe, shopify, slack or
	// standard.
	Type string `json:"type"`
	// Secret is the shared secret or token; usually "{{ secrets.NAME }}".
	Secret string `json:"secret,omitempty"`
	// Header carries the token or signature (token, hmac).
	Header string `json:"header,omitempty"`
	// Query is the query parameter that may carry the token (token).
	Query string `json:"query,omitempty"`
	// Username for basic auth (Secret is the password).
	Username string `json:"username,omitempty"`
	// Algorithm of an hmac signature: sha256 (default), sha1 or sha512.
	Algorithm string `json:"algorithm,omitempty"`
	// Encoding of an hmac signature: hex (default) or base64.
	Encoding string `json:"encoding,omitempty"`
	// Prefix before the signature in the header, e.g. "sha256=".
	Prefix string `json:"prefix,omitempty"`
}

// Response chooses when a webhook trigger answers its caller.
type Response struct {
	// Mode is "async" (202 once durable, the default) or "sync" (wait for a
	// respond step or the end of the run).
	Mode string `json:"mode"`
	// Timeout bounds a sync wait, e.g. "10s"; past it the caller gets 202.
	Timeout string `json:"timeout,omitempty"`
}

// RateLimit is a token bucket.
type RateLimit struct {
	PerSecond float64 `json:"per_second"`
	Burst     int     `json:"burst,omitempty"`
}

// Step is one stage of a workflow. Which fields apply depends on Type;
// Validate refuses fields that do not belong to the step's type.
type Step struct {
	// ID names the step; later steps read its output as steps.ID.
	ID string `json:"id"`
	// Type is filter, transform, webhook, respond or delay.
	Type string `json:"type"`
	// When is a boolean expression; the step runs only where it is true.
	When string `json:"when,omitempty"`
	// Expr is the filter's condition or the transform's new payload.
	Expr string `json:"expr,omitempty"`
	// Method of the outbound request (webhook; default POST).
	Method string `json:"method,omitempty"`
	// URL of the outbound request, a template (webhook).
	URL string `json:"url,omitempty"`
	// Headers of the outbound request or the response, values are
	// templates (webhook, respond).
	Headers map[string]string `json:"headers,omitempty"`
	// Body is an expression whose value is sent as JSON (webhook; default
	// payload) or answered (respond).
	Body string `json:"body,omitempty"`
	// Status of a sync response (respond; default 200).
	Status int `json:"status,omitempty"`
	// Timeout of one outbound attempt, e.g. "10s" (webhook; default 30s).
	Timeout string `json:"timeout,omitempty"`
	// Sign adds Standard Webhooks signature headers (webhook).
	Sign *Sign `json:"sign,omitempty"`
	// Retry sets how failed attempts are retried (webhook).
	Retry *Retry `json:"retry,omitempty"`
	// For is a duration to wait (delay), e.g. "15m".
	For string `json:"for,omitempty"`
	// Until is an expression giving the time to wait for (delay).
	Until string `json:"until,omitempty"`
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
