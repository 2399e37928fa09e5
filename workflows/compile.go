package workflows

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/robfig/cron/v3"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// cronParser reads schedules: five fields, an optional leading seconds
// field, and descriptors such as @daily and @every 5m.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

var (
	idPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	stepIDPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
)

// Defaults applied where a definition leaves a field out.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultMaxAttempts = 12
	DefaultInitial     = 10 * time.Second
	DefaultMaxBackoff  = 2 * time.Hour
	DefaultSyncTimeout = 10 * time.Second
)

// ValidID reports whether id is a valid workflow id.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Compiled is a validated workflow with every expression compiled, ready to
// run many times. It is immutable and safe for concurrent use.
type Compiled struct {
	Workflow    *Workflow
	Idempotency *vm.Program // nil: no deduplication
	AuthSecret  *Template   // nil: no secret
	SyncTimeout time.Duration
	// Schedule and Location drive a cron trigger.
	Schedule cron.Schedule
	Location *time.Location
	// Schema is the webhook trigger's payload schema (nil: none).
	Schema *jsonschema.Schema
	// AllowIPs are the trigger's allowed caller networks (empty: any).
	AllowIPs []netip.Prefix
	Steps    []*CompiledStep

	usesTrigger    bool // see UsesTrigger
	decodesPayload bool // see DecodesPayload
}

// Sync reports whether the trigger answers after the run rather than at once.
func (c *Compiled) Sync() bool {
	return c.Workflow.Trigger.Response != nil && c.Workflow.Trigger.Response.Mode == "sync"
}

// NextFires returns the next n fire times of a cron trigger after from.
func (c *Compiled) NextFires(from time.Time, n int) []time.Time {
	if c.Schedule == nil {
		return nil
	}
	out := make([]time.Time, 0, n)
	t := from.In(c.Location)
	for len(out) < n {
		t = c.Schedule.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

// StepIndex returns the position of the step with the given id, or -1.
func (c *Compiled) StepIndex(id string) int {
	for i, s := range c.Steps {
		if s.ID == id {
			return i
		}
	}
	return -1
}

// CompiledStep is one step with its expressions compiled and its defaults
// applied.
type CompiledStep struct {
	*Step
	Index      int
	When       *vm.Program // nil: always
	Expr       *vm.Program // filter, transform
	Body       *vm.Program // webhook, respond; nil: the payload
	Until      *vm.Program // delay
	URL        *Template
	Headers    []HeaderTemplate // sorted by name
	SignSecret *Template
	Timeout    time.Duration
	Delay      time.Duration
	Retry      RetryPolicy

	readsPayload bool // see ReadsPayload
}

// HeaderTemplate is one header whose value is a template.
type HeaderTemplate struct {
	Name  string
	Value *Template
}

// RetryPolicy is a webhook step's retry schedule with defaults applied.
type RetryPolicy struct {
	MaxAttempts int
	Initial     time.Duration
	Max         time.Duration
}

// Validate checks a definition without keeping the compiled programs.
func Validate(w *Workflow) error {
	_, err := Compile(w)
	return err
}

// Compile validates a definition and compiles every expression in it. The
// error, a *FieldError, names the first field at fault.
func Compile(w *Workflow) (*Compiled, error) {
	if w == nil {
		return nil, fieldf("definition", "", "is missing")
	}
	if w.Format != Format {
		return nil, fieldf("format", "", "must be %q, got %q", Format, w.Format)
	}
	if w.ID != "" && !ValidID(w.ID) {
		return nil, fieldf("id", "", "must match [a-z0-9][a-z0-9-]{0,63}, got %q", w.ID)
	}
	if strings.TrimSpace(w.Name) == "" {
		return nil, fieldf("name", "", "is required")
	}
	if w.OnFailure != "" && !ValidID(w.OnFailure) {
		return nil, fieldf("on_failure", "", "must be a workflow id, got %q", w.OnFailure)
	}
	if w.Concurrency < 0 {
		return nil, fieldf("concurrency", "", "must not be negative")
	}
	c := &Compiled{Workflow: w}
	if err := compileTrigger(c, &w.Trigger); err != nil {
		return nil, err
	}
	if len(w.Steps) == 0 {
		return nil, fieldf("steps", "", "at least one step is required")
	}
	seen := map[string]bool{}
	for i := range w.Steps {
		s := &w.Steps[i]
		cs, err := compileStep(i, s)
		if err != nil {
			return nil, err
		}
		if seen[s.ID] {
			return nil, fieldf(fmt.Sprintf("steps[%d].id", i), s.ID, "duplicate step id")
		}
		seen[s.ID] = true
		cs.readsPayload = cs.names("payload")
		c.usesTrigger = c.usesTrigger || cs.names("trigger")
		c.decodesPayload = c.decodesPayload || cs.readsPayload || (cs.Type == StepRespond && cs.Body == nil)
		c.Steps = append(c.Steps, cs)
	}
	c.decodesPayload = c.decodesPayload || c.Sync() || c.Schema != nil || c.Idempotency != nil
	return c, nil
}

var authTypes = map[string]bool{
	"none": true, "token": true, "basic": true, "hmac": true, "github": true,
	"stripe": true, "shopify": true, "slack": true, "standard": true,
}

func compileTrigger(c *Compiled, t *Trigger) error {
	switch t.Type {
	case TriggerWebhook:
		if t.Schedule != "" {
			return fieldf("trigger.schedule", "", "belongs to cron triggers, not webhook")
		}
		if t.Timezone != "" {
			return fieldf("trigger.timezone", "", "belongs to cron triggers, not webhook")
		}
		for i, m := range t.Methods {
			if !validMethod(m) {
				return fieldf(fmt.Sprintf("trigger.methods[%d]", i), "", "unknown HTTP method %q", m)
			}
		}
		if a := t.Auth; a != nil {
			if !authTypes[a.Type] {
				return fieldf("trigger.auth.type", "", "unknown auth type %q (none, token, basic, hmac, github, stripe, shopify, slack, standard)", a.Type)
			}
			if a.Type != "none" && a.Secret == "" {
				return fieldf("trigger.auth.secret", "", "is required for %s auth", a.Type)
			}
			if a.Type == "basic" && a.Username == "" {
				return fieldf("trigger.auth.username", "", "is required for basic auth")
			}
			if a.Type == "hmac" && a.Header == "" {
				return fieldf("trigger.auth.header", "", "is required for hmac auth")
			}
			switch a.Algorithm {
			case "", "sha256", "sha1", "sha512":
			default:
				return fieldf("trigger.auth.algorithm", "", "must be sha256, sha1 or sha512")
			}
			switch a.Encoding {
			case "", "hex", "base64":
			default:
				return fieldf("trigger.auth.encoding", "", "must be hex or base64")
			}
			if a.Secret != "" {
				tpl, err := CompileTemplate(a.Secret)
				if err != nil {
					return at(err, "trigger.auth.secret", "")
				}
				c.AuthSecret = tpl
			}
		}
		if t.IdempotencyKey != "" {
			p, err := CompileExpr(t.IdempotencyKey)
			if err != nil {
				return fieldErr("trigger.idempotency_key", "", err)
			}
			c.Idempotency = p
		}
		if r := t.Response; r != nil {
			switch r.Mode {
			case "async", "sync":
			default:
				return fieldf("trigger.response.mode", "", "must be async or sync")
			}
			c.SyncTimeout = DefaultSyncTimeout
			if r.Timeout != "" {
				d, err := parsePositiveDuration(r.Timeout)
				if err != nil {
					return fieldf("trigger.response.timeout", "", "%v", err)
				}
				c.SyncTimeout = d
			}
		}
		for i, cidr := range t.AllowIPs {
			p, err := parsePrefix(cidr)
			if err != nil {
				return fieldf(fmt.Sprintf("trigger.allow_ips[%d]", i), "", "not an IP address or CIDR: %q", cidr)
			}
			c.AllowIPs = append(c.AllowIPs, p)
		}
		if rl := t.RateLimit; rl != nil {
			if rl.PerSecond <= 0 {
				return fieldf("trigger.rate_limit.per_second", "", "must be positive")
			}
			if rl.Burst < 0 {
				return fieldf("trigger.rate_limit.burst", "", "must not be negative")
			}
		}
		if len(t.Schema) > 0 {
			var schema any
			if err := json.Unmarshal(t.Schema, &schema); err != nil {
				return fieldf("trigger.schema", "", "not JSON: %v", err)
			}
			switch schema.(type) {
			case map[string]any, bool:
			default:
				return fieldf("trigger.schema", "", "must be a JSON Schema: an object or a boolean")
			}
			sch, err := compileSchema(t.Schema)
			if err != nil {
				return fieldf("trigger.schema", "", "invalid JSON Schema: %v", err)
			}
			c.Schema = sch
		}
	case TriggerCron:
		if t.Schedule == "" {
			return fieldf("trigger.schedule", "", "is required for cron triggers")
		}
		sched, err := cronParser.Parse(t.Schedule)
		if err != nil {
			return fieldf("trigger.schedule", "", "%v", err)
		}
		c.Schedule, c.Location = sched, time.UTC
		if t.Timezone != "" {
			loc, err := time.LoadLocation(t.Timezone)
			if err != nil {
				return fieldf("trigger.timezone", "", "unknown time zone %q", t.Timezone)
			}
			c.Location = loc
		}
		for _, f := range triggerSettings(t) {
			if f != "schedule" && f != "timezone" {
				return fieldf("trigger."+f, "", "belongs to webhook triggers; cron triggers take only schedule and timezone")
			}
		}
	case TriggerManual:
		if f := triggerSettings(t); len(f) > 0 {
			return fieldf("trigger."+f[0], "", "manual triggers take no settings")
		}
	case "":
		return fieldf("trigger.type", "", "is required (webhook, cron or manual)")
	default:
		return fieldf("trigger.type", "", "unknown trigger type %q (webhook, cron or manual)", t.Type)
	}
	return nil
}

// triggerSettings lists the fields beyond type that a trigger has set, in
// the order of the struct.
func triggerSettings(t *Trigger) []string {
	var f []string
	add := func(name string, set bool) {
		if set {
			f = append(f, name)
		}
	}
	add("methods", len(t.Methods) > 0)
	add("auth", t.Auth != nil)
	add("idempotency_key", t.IdempotencyKey != "")
	add("response", t.Response != nil)
	add("allow_ips", len(t.AllowIPs) > 0)
	add("rate_limit", t.RateLimit != nil)
	add("schema", len(t.Schema) > 0)
	add("schedule", t.Schedule != "")
	add("timezone", t.Timezone != "")
	return f
}

func validMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// allowed lists, per step type, the fields beyond id, type and when.
var allowed = map[string]map[string]bool{
	StepFilter:    {"expr": true},
	StepTransform: {"expr": true},
	StepWebhook:   {"method": true, "url": true, "headers": true, "body": true, "timeout": true, "sign": true, "retry": true},
	StepRespond:   {"status": true, "headers": true, "body": true},
	StepDelay:     {"for": true, "until": true},
}

// setFields lists the type-specific fields a step has set.
func setFields(s *Step) []string {
	var f []string
	add := func(name string, set bool) {
		if set {
			f = append(f, name)
		}
	}
	add("expr", s.Expr != "")
	add("method", s.Method != "")
	add("url", s.URL != "")
	add("headers", len(s.Headers) > 0)
	add("body", s.Body != "")
	add("status", s.Status != 0)
	add("timeout", s.Timeout != "")
	add("sign", s.Sign != nil)
	add("retry", s.Retry != nil)
	add("for", s.For != "")
	add("until", s.Until != "")
	return f
}

// stepField names a field of the i-th step, as in "steps[2].headers.X".
func stepField(i int, field string) string { return fmt.Sprintf("steps[%d].%s", i, field) }

func compileStep(i int, s *Step) (*CompiledStep, error) {
	path := func(field string) string { return stepField(i, field) }
	if !stepIDPattern.MatchString(s.ID) {
		return nil, fieldf(path("id"), s.ID, "must be a name of letters, digits and _ starting with a letter, got %q", s.ID)
	}
	fields, ok := allowed[s.Type]
	if !ok {
		if s.Type == "" {
			return nil, fieldf(path("type"), s.ID, "is required (filter, transform, webhook, respond or delay)")
		}
		return nil, fieldf(path("type"), s.ID, "unknown step type %q (filter, transform, webhook, respond or delay)", s.Type)
	}
	for _, f := range setFields(s) {
		if !fields[f] {
			return nil, fieldf(path(f), s.ID, "does not belong to a %s step", s.Type)
		}
	}
	cs := &CompiledStep{Step: s, Index: i}
	var err error
	if s.When != "" {
		if cs.When, err = CompileBool(s.When); err != nil {
			return nil, fieldErr(path("when"), s.ID, err)
		}
	}
	switch s.Type {
	case StepFilter, StepTransform:
		if s.Expr == "" {
			return nil, fieldf(path("expr"), s.ID, "is required")
		}
		compile := CompileExpr
		if s.Type == StepFilter {
			compile = CompileBool
		}
		if cs.Expr, err = compile(s.Expr); err != nil {
			return nil, fieldErr(path("expr"), s.ID, err)
		}
	case StepWebhook:
		if s.Method != "" && !validMethod(s.Method) {
			return nil, fieldf(path("method"), s.ID, "unknown HTTP method %q", s.Method)
		}
		if s.URL == "" {
			return nil, fieldf(path("url"), s.ID, "is required")
		}
		if !strings.HasPrefix(s.URL, "{{") && !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") {
			return nil, fieldf(path("url"), s.ID, "must start with http:// or https://")
		}
		if cs.URL, err = CompileURLTemplate(s.URL); err != nil {
			return nil, at(err, path("url"), s.ID)
		}
		cs.Timeout = DefaultTimeout
		if s.Timeout != "" {
			if cs.Timeout, err = parsePositiveDuration(s.Timeout); err != nil {
				return nil, fieldf(path("timeout"), s.ID, "%v", err)
			}
		}
		if s.Sign != nil {
			if s.Sign.Secret == "" {
				return nil, fieldf(path("sign.secret"), s.ID, "is required")
			}
			if cs.SignSecret, err = CompileTemplate(s.Sign.Secret); err != nil {
				return nil, at(err, path("sign.secret"), s.ID)
			}
		}
		cs.Retry = RetryPolicy{MaxAttempts: DefaultMaxAttempts, Initial: DefaultInitial, Max: DefaultMaxBackoff}
		if r := s.Retry; r != nil {
			if r.MaxAttempts < 0 || r.MaxAttempts > 100 {
				return nil, fieldf(path("retry.max_attempts"), s.ID, "must be between 1 and 100")
			}
			if r.MaxAttempts > 0 {
				cs.Retry.MaxAttempts = r.MaxAttempts
			}
			if r.Initial != "" {
				if cs.Retry.Initial, err = parsePositiveDuration(r.Initial); err != nil {
					return nil, fieldf(path("retry.initial"), s.ID, "%v", err)
				}
			}
			if r.Max != "" {
				if cs.Retry.Max, err = parsePositiveDuration(r.Max); err != nil {
					return nil, fieldf(path("retry.max"), s.ID, "%v", err)
				}
			}
			if cs.Retry.Max < cs.Retry.Initial {
				return nil, fieldf(path("retry.max"), s.ID, "must not be less than retry.initial")
			}
		}
	case StepRespond:
		if s.Status != 0 && (s.Status < 100 || s.Status > 599) {
			return nil, fieldf(path("status"), s.ID, "must be an HTTP status between 100 and 599")
		}
	case StepDelay:
		switch {
		case s.For != "" && s.Until != "":
			return nil, fieldf(path("until"), s.ID, "give either for or until, not both")
		case s.For != "":
			if cs.Delay, err = parsePositiveDuration(s.For); err != nil {
				return nil, fieldf(path("for"), s.ID, "%v", err)
			}
		case s.Until != "":
			if cs.Until, err = CompileExpr(s.Until); err != nil {
				return nil, fieldErr(path("until"), s.ID, err)
			}
		default:
			return nil, fieldf(path("for"), s.ID, "a delay step needs for or until")
		}
	}
	if s.Body != "" {
		if cs.Body, err = CompileExpr(s.Body); err != nil {
			return nil, fieldErr(path("body"), s.ID, err)
		}
	}
	names := make([]string, 0, len(s.Headers))
	for name := range s.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !validHeaderName(name) {
			return nil, fieldf(path("headers"), s.ID, "invalid header name %q", name)
		}
		if s.Type == StepRespond {
			if why := RefusedResponseHeader(name); why != "" {
				return nil, fieldf(path("headers."+name), s.ID, "%s", why)
			}
		}
		tpl, err := CompileTemplate(s.Headers[name])
		if err != nil {
			return nil, at(err, path("headers."+name), s.ID)
		}
		cs.Headers = append(cs.Headers, HeaderTemplate{Name: name, Value: tpl})
	}
	return cs, nil
}

// validHeaderName reports whether name is an HTTP token (RFC 9110 5.1).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// at places a template's error at a field.
func at(err error, field, step string) error {
	if fe, ok := err.(*FieldError); ok {
		fe.Field, fe.Step = field, step
		return fe
	}
	return fieldErr(field, step, err)
}

func parsePositiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("not a duration: %q (use forms like 500ms, 10s, 5m, 2h)", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("must be positive, got %q", s)
	}
	return d, nil
}

// parsePrefix reads a CIDR or a single address (as a one-address prefix).
func parsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}
