package kinds

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/hookflow/hookflow/workflows"
)

// DefaultSyncTimeout bounds a sync trigger's wait where its definition
// gives no timeout.
const DefaultSyncTimeout = 10 * time.Second

func init() {
	workflows.RegisterTrigger(workflows.TriggerKind{
		Doc: workflows.Doc{
			Type:    "webhook",
			Title:   "Webhook",
			Summary: "Starts a run for every request sent to the workflow's trigger URL.",
			Fields: []workflows.Field{
				{Name: "methods", Label: "Methods", Kind: workflows.ValueList,
					Item: &workflows.Field{Name: "method", Label: "Method", Kind: workflows.ValueSelect, Options: workflows.MethodOptions()},
					Help: "The HTTP methods the URL takes; none chosen takes any."},
				{Name: "auth", Label: "Authentication", Kind: workflows.ValueAuth,
					Help: "How a caller proves it may start a run: a token, a signature (GitHub, Stripe, Shopify, Slack, Standard Webhooks, HMAC)... None: anyone with the URL."},
				{Name: "idempotency_key", Label: "Deduplicate by", Kind: workflows.ValueExpression,
					Placeholder: "trigger.headers['x-github-delivery']",
					Help:        "An expression giving each delivery's id: a repeated id answers with the first run and starts nothing."},
				{Name: "response", Label: "Answer", Kind: workflows.ValueObject,
					Help: "When the caller gets its answer: at once (202 with the run id, once the event is stored), or after the run.",
					Fields: []workflows.Field{
						{Name: "mode", Label: "Answer", Kind: workflows.ValueSelect, Required: true, Default: "async",
							Options: []workflows.Option{{Value: "async", Label: "At once, once stored"}, {Value: "sync", Label: "After the run (or a respond step)"}}},
						{Name: "timeout", Label: "Wait at most", Kind: workflows.ValueDuration, Default: DefaultSyncTimeout.String(),
							Help: "After the run: past this, the caller gets 202 with the run id and where to follow it."},
					}},
				{Name: "allow_ips", Label: "Allowed addresses", Kind: workflows.ValueList,
					Item: &workflows.Field{Name: "cidr", Label: "Address or network", Kind: workflows.ValueText, Placeholder: "192.0.2.0/24"},
					Help: "Only callers from these addresses or networks (CIDR) may call; others get 403. None: any."},
				{Name: "rate_limit", Label: "Rate limit", Kind: workflows.ValueObject,
					Help: "Requests past the limit get 429 with Retry-After.",
					Fields: []workflows.Field{
						{Name: "per_second", Label: "Requests per second", Kind: workflows.ValueNumber, Required: true},
						{Name: "burst", Label: "Burst", Kind: workflows.ValueNumber, Help: "Requests allowed at once before the rate applies."},
					}},
				{Name: "schema", Label: "Payload schema", Kind: workflows.ValueJSON,
					Help: "A JSON Schema the payload must match; a payload that does not gets 422 naming where it fails."},
			},
			Example: []byte(`{"type": "webhook", "methods": ["POST"], "auth": {"type": "github", "secret": "{{ secrets.github }}"}}`),
		},
		New: func() workflows.TriggerSettings { return &WebhookSettings{} },
	})
}

// WebhookSettings are a webhook trigger's fields.
type WebhookSettings struct {
	// Methods the webhook accepts (upper case); empty accepts any.
	Methods []string `json:"methods,omitempty"`
	// Auth verifies the caller.
	Auth *workflows.Auth `json:"auth,omitempty"`
	// IdempotencyKey is an expression whose value deduplicates
	// deliveries, e.g. trigger.headers['x-github-delivery'].
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// Response chooses when the webhook answers.
	Response *Response `json:"response,omitempty"`
	// AllowIPs limits callers to these CIDRs (403 otherwise).
	AllowIPs []string `json:"allow_ips,omitempty"`
	// RateLimit is a token bucket for the trigger (429 past it).
	RateLimit *RateLimit `json:"rate_limit,omitempty"`
	// Schema is a JSON Schema the payload must match (422 otherwise).
	Schema json.RawMessage `json:"schema,omitempty"`
}

// Response chooses when a webhook trigger answers its caller.
type Response struct {
	// Mode is "async" (202 once durable, the default) or "sync" (wait for
	// a respond step or the end of the run).
	Mode string `json:"mode"`
	// Timeout bounds a sync wait, e.g. "10s"; past it the caller gets 202.
	Timeout string `json:"timeout,omitempty"`
}

// RateLimit is a token bucket.
type RateLimit struct {
	PerSecond float64 `json:"per_second"`
	Burst     int     `json:"burst,omitempty"`
}

// WebhookTrigger is a webhook trigger compiled: what the receiver checks
// each request against.
type WebhookTrigger struct {
	*WebhookSettings
	// AuthSecret is the auth's secret, a template (nil: none).
	AuthSecret *workflows.Template
	// Idempotency gives a delivery's id (nil: no deduplication).
	Idempotency *vm.Program
	// SyncTimeout bounds a sync wait.
	SyncTimeout time.Duration
	// AllowedNets are AllowIPs parsed (empty: any caller).
	AllowedNets []netip.Prefix
	// PayloadSchema is Schema compiled (nil: none).
	PayloadSchema *workflows.Schema
}

var _ Receiver = (*WebhookTrigger)(nil)

// Receives: the trigger URL starts its runs.
func (*WebhookTrigger) Receives() {}

// Sync reports whether the trigger answers after the run.
func (t *WebhookTrigger) Sync() bool { return t.Response != nil && t.Response.Mode == "sync" }

// Compile checks the settings and compiles the auth secret, the
// idempotency key and the schema.
func (s *WebhookSettings) Compile(b *workflows.TriggerBuild) (any, error) {
	t := &WebhookTrigger{WebhookSettings: s}
	for i, m := range s.Methods {
		if !workflows.ValidMethod(m) {
			return nil, b.Errorf(fmt.Sprintf("methods[%d]", i), "unknown HTTP method %q", m)
		}
	}
	var err error
	if s.Auth != nil {
		if t.AuthSecret, err = b.Auth("auth", s.Auth); err != nil {
			return nil, err
		}
	}
	if s.IdempotencyKey != "" {
		if t.Idempotency, err = b.Expr("idempotency_key", s.IdempotencyKey); err != nil {
			return nil, err
		}
		b.ChecksPayload()
	}
	if r := s.Response; r != nil {
		switch r.Mode {
		case "async", "sync":
		default:
			return nil, b.Errorf("response.mode", "must be async or sync")
		}
		t.SyncTimeout = DefaultSyncTimeout
		if r.Timeout != "" {
			if t.SyncTimeout, err = b.Duration("response.timeout", r.Timeout); err != nil {
				return nil, err
			}
		}
	}
	for i, cidr := range s.AllowIPs {
		p, err := workflows.ParsePrefix(cidr)
		if err != nil {
			return nil, b.Errorf(fmt.Sprintf("allow_ips[%d]", i), "not an IP address or CIDR: %q", cidr)
		}
		t.AllowedNets = append(t.AllowedNets, p)
	}
	if rl := s.RateLimit; rl != nil {
		if rl.PerSecond <= 0 {
			return nil, b.Errorf("rate_limit.per_second", "must be positive")
		}
		if rl.Burst < 0 {
			return nil, b.Errorf("rate_limit.burst", "must not be negative")
		}
	}
	if len(s.Schema) > 0 {
		var schema any
		if err := json.Unmarshal(s.Schema, &schema); err != nil {
			return nil, b.Errorf("schema", "not JSON: %v", err)
		}
		switch schema.(type) {
		case map[string]any, bool:
		default:
			return nil, b.Errorf("schema", "must be a JSON Schema: an object or a boolean")
		}
		if t.PayloadSchema, err = workflows.CompileSchema(s.Schema); err != nil {
			return nil, b.Errorf("schema", "invalid JSON Schema: %v", err)
		}
		b.ChecksPayload()
	}
	return t, nil
}
