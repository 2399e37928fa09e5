package kinds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// Defaults and bounds of a poll trigger.
const (
	// DefaultPollEvery is how often an API is polled where the trigger
	// does not say; MinPollEvery is the shortest interval it may ask for.
	DefaultPollEvery = time.Minute
	MinPollEvery     = 10 * time.Second
	// DefaultPollRemember is how long an item's key is remembered (an item
	// seen again after that starts a run again).
	DefaultPollRemember = 30 * 24 * time.Hour
	// DefaultPollPages and MaxPollPages bound the pages one poll follows.
	DefaultPollPages = 10
	MaxPollPages     = 100
	// PollTimeout bounds one request to the API.
	PollTimeout = 30 * time.Second
	// PollMaxBody is the largest answer a poll reads.
	PollMaxBody = 8 << 20
)

// The poll trigger's initial modes.
const (
	pollInitialSkip = "skip"
	pollInitialEmit = "emit"
)

// The poll trigger's keys in the workflow's scope of the key-value store.
const (
	pollStateKey   = "poll:state"
	pollSeenPrefix = "poll:seen:"
	pollLeasePfx   = "poll:lease:"
)

// pollRecheck is the longest a poll consumer waits without reading the
// clock (ConsumerHost.Now) again, so that it follows the engine's clock
// rather than the timer it set.
var pollRecheck = time.Second

func init() {
	workflows.RegisterTrigger(workflows.TriggerKind{
		Doc: workflows.Doc{
			Type:  "poll",
			Title: "Poll an API",
			Summary: "Calls a JSON API on a schedule and starts a run for each new item in its answer: new orders, new rows, new tickets. " +
				"Each item runs once (its key is remembered); the first poll only notes what is there, unless told to emit it. " +
				"With several replicas, one of them polls each interval. The payload is the item; trigger.meta holds the url, polled_at and key.",
			Fields: []workflows.Field{
				{Name: "url", Label: "URL", Kind: workflows.ValueTemplate, Required: true,
					Placeholder: "https://api.example.com/orders?after={{ state.cursor }}",
					Help: "The API's address. It may read state, what the last poll left: state.cursor (see Next cursor) and state.polled_at (when it ran); " +
						"and vars and secrets. Values from state are escaped where they land."},
				{Name: "every", Label: "Every", Kind: workflows.ValueDuration, Default: DefaultPollEvery.String(), Placeholder: "5m",
					Help: "How often the API is polled: 10s or more."},
				{Name: "method", Label: "Method", Kind: workflows.ValueSelect, Default: http.MethodGet,
					Options: workflows.MethodOptions(), Help: "The HTTP method of the request (sent without a body)."},
				{Name: "headers", Label: "Headers", Kind: workflows.ValueHeaders,
					Help: "Headers of the request, such as Authorization: Bearer {{ secrets.api_token }}."},
				pollAuthDoc,
				{Name: "items", Label: "Items", Kind: workflows.ValueExpression, Default: "response.body", Placeholder: "response.body.data",
					Help: "An expression picking the list of items from the answer: response.status, response.headers (lower-case names), response.body (JSON decoded)."},
				{Name: "key", Label: "Item key", Kind: workflows.ValueExpression, Required: true, Placeholder: "item.id",
					Help: "An expression giving each item's id: an item whose id was seen before starts nothing."},
				{Name: "cursor", Label: "Next cursor", Kind: workflows.ValueExpression, Placeholder: "response.body.next_cursor",
					Help: "For an API that pages: an expression giving where the next page starts. It is kept as state.cursor for the URL; " +
						"a poll follows it from page to page while pages bring items, and the next poll starts where this one ended."},
				{Name: "initial", Label: "First poll", Kind: workflows.ValueSelect, Default: pollInitialSkip,
					Options: []workflows.Option{
						{Value: pollInitialSkip, Label: "Only note the items already there"},
						{Value: pollInitialEmit, Label: "Start a run for each item already there"},
					},
					Help: "What the first poll does with the items it finds: note them, so that only items added later start runs, or start a run for each."},
				{Name: "max_pages", Label: "Pages per poll", Kind: workflows.ValueNumber, Default: DefaultPollPages,
					Help: "The most pages one poll follows (1 to 100); the next poll goes on from there."},
				{Name: "remember", Label: "Remember items for", Kind: workflows.ValueDuration, Default: "720h", Placeholder: "720h",
					Help: "How long an item's key is remembered: an item still in the answer after that starts a run again."},
			},
			Example: []byte(`{"type": "poll", "url": "https://api.example.com/orders?after={{ state.cursor }}", "every": "1m", ` +
				`"headers": {"Authorization": "Bearer {{ secrets.shop_token }}"}, "items": "response.body.data", "key": "item.id", "cursor": "response.body.next_cursor"}`),
		},
		New: func() workflows.TriggerSettings { return &PollSettings{} },
	})
}

// PollSettings are a poll trigger's fields.
type PollSettings struct {
	// URL is the API's address, a template that may read state.
	URL string `json:"url"`
	// Every is the interval between polls (default 1m, at least 10s).
	Every string `json:"every,omitempty"`
	// Method of the request (default GET).
	Method string `json:"method,omitempty"`
	// Headers of the request; values are templates.
	Headers map[string]string `json:"headers,omitempty"`
	// Auth authorises the request (bearer, basic or api_key, as a
	// webhook step's).
	Auth *PollAuth `json:"auth,omitempty"`
	// Items picks the list of items from the answer (default
	// response.body).
	Items string `json:"items,omitempty"`
	// Key gives an item's id (item.id).
	Key string `json:"key"`
	// Cursor gives where the next page starts, kept as state.cursor.
	Cursor string `json:"cursor,omitempty"`
	// Initial is skip (default: the first poll notes the items there) or
	// emit (it starts a run for each).
	Initial string `json:"initial,omitempty"`
	// MaxPages bounds the pages one poll follows (default 10).
	MaxPages int `json:"max_pages,omitempty"`
	// Remember is how long an item's key is kept (default 720h).
	Remember string `json:"remember,omitempty"`
}

// PollAuth is how a poll's request is authorised: a webhook step's auth
// (WebhookAuth) but OAuth2, whose tokens only the steps' sender fetches.
type PollAuth struct {
	// Type is bearer, basic or api_key.
	Type string `json:"type"`
	// Token of bearer auth (template).
	Token string `json:"token,omitempty"`
	// Username and Password of basic auth (templates).
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// Name, Value and In of an API key (see WebhookAuth).
	Name  string `json:"name,omitempty"`
	Value string `json:"value,omitempty"`
	In    string `json:"in,omitempty"`
}

// pollAuthDoc is the webhook step's auth doc with the fields PollAuth
// has, and its types but OAuth2.
var pollAuthDoc = func() workflows.Field {
	f := outAuthDoc
	f.Help = "How the request proves who sends it: a bearer token, a user name and password, or an API key. Only the fields of the chosen type apply. Credentials are never recorded."
	f.Fields = nil
	for _, sub := range outAuthDoc.Fields {
		switch sub.Name {
		case "type":
			sub.Options = append([]workflows.Option(nil), sub.Options...)
			for i, o := range sub.Options {
				if o.Value == outAuthOAuth2 {
					sub.Options = append(sub.Options[:i], sub.Options[i+1:]...)
					break
				}
			}
		case "token", "username", "password", "name", "value", "in":
		default:
			continue
		}
		f.Fields = append(f.Fields, sub)
	}
	return f
}()

// PollTrigger is a poll trigger compiled; it is a Consumer.
type PollTrigger struct {
	*PollSettings
	// Interval is Every read.
	Interval time.Duration
	url      *workflows.Template
	headers  []workflows.HeaderTemplate
	auth     *outAuth // nil: none
	items    *vm.Program
	key      *vm.Program
	cursor   *vm.Program // nil: the API does not page
	emit     bool
	maxPages int
	remember time.Duration
	// readsVars, readsSecrets: the URL or headers read them.
	readsVars, readsSecrets bool
}

var _ Consumer = (*PollTrigger)(nil)

// Compile checks the settings and compiles the URL, headers and
// expressions.
func (s *PollSettings) Compile(b *workflows.TriggerBuild) (any, error) {
	t := &PollTrigger{PollSettings: s, Interval: DefaultPollEvery, maxPages: DefaultPollPages, remember: DefaultPollRemember}
	if s.URL == "" {
		return nil, b.Required("url")
	}
	if !strings.HasPrefix(s.URL, "{{") && !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") {
		return nil, b.Errorf("url", "must start with http:// or https://")
	}
	var err error
	if t.url, err = b.URL("url", s.URL); err != nil {
		return nil, err
	}
	if s.Every != "" {
		if t.Interval, err = b.Duration("every", s.Every); err != nil {
			return nil, err
		}
		if t.Interval < MinPollEvery {
			return nil, b.Errorf("every", "must be %s or more, got %s", MinPollEvery, s.Every)
		}
	}
	if s.Method != "" && !workflows.ValidMethod(s.Method) {
		return nil, b.Errorf("method", "unknown HTTP method %q", s.Method)
	}
	if t.headers, err = b.Headers("headers", s.Headers, nil); err != nil {
		return nil, err
	}
	if a := s.Auth; a != nil {
		if a.Type == outAuthOAuth2 {
			return nil, b.Errorf("auth.type", "must be bearer, basic or api_key: a poll trigger cannot fetch OAuth2 tokens")
		}
		t.auth, err = compileAuth(b, &WebhookAuth{Type: a.Type, Token: a.Token, Username: a.Username, Password: a.Password,
			Name: a.Name, Value: a.Value, In: a.In})
		if err != nil {
			return nil, err
		}
	}
	items := s.Items
	if items == "" {
		items = "response.body"
	}
	if t.items, err = b.Expr("items", items); err != nil {
		return nil, err
	}
	if s.Key == "" {
		return nil, b.Required("key")
	}
	if t.key, err = b.Expr("key", s.Key); err != nil {
		return nil, err
	}
	if s.Cursor != "" {
		if t.cursor, err = b.Expr("cursor", s.Cursor); err != nil {
			return nil, err
		}
	}
	switch s.Initial {
	case "", pollInitialSkip:
	case pollInitialEmit:
		t.emit = true
	default:
		return nil, b.Errorf("initial", "must be skip or emit, got %q", s.Initial)
	}
	if s.MaxPages < 0 || s.MaxPages > MaxPollPages {
		return nil, b.Errorf("max_pages", "must be between 1 and %d, got %d", MaxPollPages, s.MaxPages)
	}
	if s.MaxPages > 0 {
		t.maxPages = s.MaxPages
	}
	if s.Remember != "" {
		if t.remember, err = b.Duration("remember", s.Remember); err != nil {
			return nil, err
		}
	}
	sources := []string{s.URL}
	for _, v := range s.Headers {
		sources = append(sources, v)
	}
	if a := s.Auth; a != nil {
		sources = append(sources, a.Token, a.Username, a.Password, a.Value)
	}
	for _, src := range sources {
		t.readsVars = t.readsVars || strings.Contains(src, "vars")
		t.readsSecrets = t.readsSecrets || strings.Contains(src, "secrets")
	}
	return t, nil
}

// Consume polls the API once per interval (across replicas: the one that
// takes the interval's lease in the store polls) until ctx ends. A failed
// poll is tried again with backoff, reported as retrying.
func (t *PollTrigger) Consume(ctx context.Context, host ConsumerHost) error {
	p := &poller{t: t, host: host, scope: host.WorkflowID()}
	p.client = &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil, // a proxy would dial for us, past the guard
			DialContext:           host.Dial,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          4,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: PollTimeout,
		},
		Timeout: PollTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("stopped after 5 redirects")
			}
			return nil // each is dialed through the guard
		},
	}
	defer p.client.CloseIdleConnections()
	host.State(ConsumerConnecting, nil)
	var (
		handled  time.Time // the last interval done with: polled, or another replica's
		owned    time.Time // the interval whose lease this replica holds
		retryAt  time.Time // zero: no failed poll to try again
		failures int
	)
	fail := func(now time.Time, err error) {
		failures++
		retryAt = now.Add(pollBackoff(failures, t.Interval))
		host.State(ConsumerRetrying, err)
		host.Logger().Debug("poll failed", "err", err, "retry_at", retryAt) // State logs the change
	}
	for ctx.Err() == nil {
		now := host.Now()
		slot := now.Truncate(t.Interval)
		wake := slot.Add(t.Interval)
		switch {
		case !slot.After(handled):
		case !retryAt.IsZero() && now.Before(retryAt):
			wake = retryAt
		case !owned.Equal(slot):
			won, err := p.lease(ctx, slot, now)
			switch {
			case ctx.Err() != nil:
				return nil
			case err != nil:
				fail(now, fmt.Errorf("take the poll's lease: %w", err))
				continue
			case !won:
				handled, retryAt = slot, time.Time{}
				if failures == 0 {
					host.State(ConsumerConnected, nil)
				}
				continue
			}
			owned = slot
			continue
		default:
			if err := p.poll(ctx, now); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				fail(now, err)
				continue
			}
			handled, retryAt, failures = slot, time.Time{}, 0
			host.State(ConsumerConnected, nil)
		}
		if !sleepUntil(ctx, host, wake) {
			return nil
		}
	}
	return nil
}

// sleepUntil waits until the host's clock reads at, or at most
// pollRecheck; false when ctx ended.
func sleepUntil(ctx context.Context, host ConsumerHost, at time.Time) bool {
	d := min(at.Sub(host.Now()), pollRecheck)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// pollBackoff is the wait before the next try after failures failed ones
// in a row: 1s doubling, at most the interval (and 5m).
func pollBackoff(failures int, every time.Duration) time.Duration {
	d := time.Second << min(failures-1, 20)
	return min(d, every, 5*time.Minute)
}

// poller is one Consume of a poll trigger.
type poller struct {
	t      *PollTrigger
	host   ConsumerHost
	client *http.Client
	scope  string
}

// lease takes the interval starting at slot for this replica; false where
// another took it first.
func (p *poller) lease(ctx context.Context, slot, now time.Time) (bool, error) {
	res, err := p.host.KV().KVSetIfAbsent(ctx, store.KVSetIfAbsentParams{
		KVWrite: store.KVWrite{Scope: p.scope, Key: pollLeasePfx + strconv.FormatInt(slot.UnixNano(), 10),
			Now: now, ExpiresAt: slot.Add(2 * p.t.Interval)},
		Value: json.RawMessage(`true`),
	})
	if err != nil {
		return false, err
	}
	return !res.Existed, nil
}

// pollState is what a poll leaves for the next: state in expressions.
type pollState struct {
	// Cursor is where the next page starts.
	Cursor string `json:"cursor,omitempty"`
	// PolledAt is when the last poll that went through started.
	PolledAt string `json:"polled_at,omitempty"`
	// Seeded: the first poll is done (with initial skip, the items there
	// were noted; a first poll that stopped at max_pages goes on noting).
	Seeded bool `json:"seeded,omitempty"`
}

func (s pollState) env() map[string]any {
	m := map[string]any{"seeded": s.Seeded}
	if s.Cursor != "" {
		m["cursor"] = s.Cursor
	}
	if s.PolledAt != "" {
		m["polled_at"] = s.PolledAt
	}
	return m
}

func (p *poller) loadState(ctx context.Context, now time.Time) (pollState, error) {
	var st pollState
	e, err := p.host.KV().KVGet(ctx, store.KVGetParams{Scope: p.scope, Key: pollStateKey, Now: now})
	if errors.Is(err, store.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read the poll's state: %w", err)
	}
	if err := json.Unmarshal(e.Value, &st); err != nil {
		return pollState{}, fmt.Errorf("read the poll's state: %w", err)
	}
	return st, nil
}

func (p *poller) saveState(ctx context.Context, st pollState, now time.Time) error {
	v, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save the poll's state: %w", err)
	}
	if _, err := p.host.KV().KVSet(ctx, store.KVSetParams{KVWrite: store.KVWrite{Scope: p.scope, Key: pollStateKey, Now: now}, Value: v}); err != nil {
		return fmt.Errorf("save the poll's state: %w", err)
	}
	return nil
}

// poll calls the API, following its pages, and accepts an event for each
// item not seen before. The state moves on page by page, once the page's
// items are accepted, so that a poll that fails part way goes on from the
// page it failed at.
func (p *poller) poll(ctx context.Context, now time.Time) error {
	st, err := p.loadState(ctx, now)
	if err != nil {
		return err
	}
	env, secrets, err := p.env(ctx)
	if err != nil {
		return err
	}
	seeding := !st.Seeded && !p.t.emit
	more := false
	for page := 0; page < p.t.maxPages; page++ {
		env.State, env.Response = st.env(), nil
		resp, shown, err := p.fetch(ctx, env, secrets)
		if err != nil {
			return err
		}
		env.Response = resp
		list, err := workflows.EvalList(p.t.items, env)
		if err != nil {
			return fmt.Errorf("items: %w", err)
		}
		items, ok := list.([]any)
		if !ok && list != nil {
			return fmt.Errorf("items: gave %s, want a list", workflows.TypeName(list))
		}
		for i, item := range items {
			if err := p.item(ctx, env, item, i, seeding, shown, now); err != nil {
				return err
			}
		}
		more = false
		if p.t.cursor == nil {
			break
		}
		v, err := workflows.Eval(p.t.cursor, env)
		if err != nil {
			return fmt.Errorf("cursor: %w", err)
		}
		next := workflows.Stringify(v)
		if next == "" || next == st.Cursor {
			break
		}
		st.Cursor = next
		if err := p.saveState(ctx, st, now); err != nil {
			return err
		}
		if len(items) == 0 {
			break
		}
		more = true
	}
	// A first poll that stopped at max_pages goes on noting at the next.
	st.Seeded = st.Seeded || !more || p.t.emit
	st.PolledAt = now.UTC().Format(time.RFC3339Nano)
	return p.saveState(ctx, st, now)
}

// env is the environment the URL and headers are rendered in: the
// workflow's vars and secrets, read through the host (ConsumerHost.Render
// renders with them), where they are read; and the secret values, to
// keep them out of what is recorded.
func (p *poller) env(ctx context.Context) (*workflows.Env, []string, error) {
	env := &workflows.Env{Vars: map[string]any{}, Secrets: map[string]any{}}
	read := func(name string, into *map[string]any) error {
		tpl, err := workflows.CompileTemplate("{{ " + name + " }}")
		if err != nil {
			return err
		}
		s, err := p.host.Render(tpl)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if s == "" {
			return nil
		}
		if err := json.Unmarshal([]byte(s), into); err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		return nil
	}
	if p.t.readsVars {
		if err := read("vars", &env.Vars); err != nil {
			return nil, nil, err
		}
	}
	var secrets []string
	if p.t.readsSecrets {
		if err := read("secrets", &env.Secrets); err != nil {
			return nil, nil, err
		}
		for _, v := range env.Secrets {
			if s, ok := v.(string); ok && len(s) >= 4 {
				secrets = append(secrets, s)
			}
		}
		sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	}
	return env, secrets, nil
}

// hideParam hides the value of the query parameter name (an API key)
// in the URL raw ("": none).
func hideParam(raw, name string) string {
	if name == "" {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	if q.Has(name) {
		q.Set(name, "REDACTED")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// redact hides secret values in s.
func redact(s string, secrets []string) string {
	for _, v := range secrets {
		s = strings.ReplaceAll(s, v, "[redacted]")
	}
	return s
}

// fetch makes one request to the API; it gives the answer as expressions
// see it ({status, headers, body}) and the URL as it may be shown.
func (p *poller) fetch(ctx context.Context, env *workflows.Env, secrets []string) (map[string]any, string, error) {
	target, err := p.t.url.Render(env)
	if err != nil {
		return nil, "", fmt.Errorf("url: %w", err)
	}
	authed := actions.Request{URL: target, Header: http.Header{}}
	_, hideQuery, err := p.t.auth.apply(env, &authed)
	if err != nil {
		return nil, redact(target, secrets), err
	}
	target = authed.URL
	shown := redact(hideParam(target, hideQuery), secrets)
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, shown, fmt.Errorf("url: %q is not an http or https URL", shown)
	}
	method := p.t.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return nil, shown, fmt.Errorf("url: %s: %w", shown, errors.New("not a valid request"))
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Hookflow")
	for _, h := range p.t.headers {
		v, err := h.Value.Render(env)
		if err != nil {
			return nil, shown, fmt.Errorf("headers.%s: %w", h.Name, err)
		}
		req.Header.Set(h.Name, v)
	}
	for name, vals := range authed.Header {
		req.Header[name] = vals
	}
	resp, err := p.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL, secrets and all
		}
		return nil, shown, fmt.Errorf("%s %s: %w", method, shown, redactedError{msg: redact(err.Error(), secrets), err: err})
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, PollMaxBody+1))
	if err != nil {
		return nil, shown, fmt.Errorf("%s %s: read the answer: %w", method, shown, err)
	}
	if len(body) > PollMaxBody {
		return nil, shown, fmt.Errorf("%s %s: the answer is over %d bytes", method, shown, PollMaxBody)
	}
	if resp.StatusCode/100 != 2 {
		return nil, shown, fmt.Errorf("%s %s: answered %s: %s", method, shown, resp.Status, redact(clipText(body), secrets))
	}
	headers := make(map[string]any, len(resp.Header))
	for name, vals := range resp.Header {
		headers[strings.ToLower(name)] = strings.Join(vals, ", ")
	}
	return map[string]any{"status": resp.StatusCode, "headers": headers, "body": decodeAnswer(body)}, shown, nil
}

// redactedError is an error whose message has the secrets hidden; it
// still wraps the error (the egress guard's refusal, for errors.Is).
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// clipText shortens an answer quoted in an error.
func clipText(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// decodeAnswer decodes a JSON answer, whole numbers as integers (an id
// past 2^53 stays exact); anything else is text.
func decodeAnswer(body []byte) any {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return string(body)
	}
	return numbers(v)
}

func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = numbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = numbers(x[k])
		}
	}
	return v
}

// item accepts one item's event, unless its key was seen (or, while
// seeding, only notes the key), then remembers the key. The event's
// idempotency key is the item's, so that a crash between the two starts
// nothing twice.
func (p *poller) item(ctx context.Context, env *workflows.Env, item any, i int, seeding bool, shown string, now time.Time) error {
	e := *env
	e.Item = item
	v, err := workflows.Eval(p.t.key, &e)
	if err != nil {
		return fmt.Errorf("key of item %d: %w", i, err)
	}
	key := workflows.Stringify(v)
	if key == "" {
		p.host.Logger().Warn("poll: an item has no key; it is left out", "index", i, "url", shown)
		return nil
	}
	id := pollItemID(key)
	kv := p.host.KV()
	_, err = kv.KVGet(ctx, store.KVGetParams{Scope: p.scope, Key: pollSeenPrefix + id, Now: now})
	if err == nil {
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("read item %s: %w", key, err)
	}
	if !seeding {
		body, err := json.Marshal(item)
		if err != nil {
			return fmt.Errorf("item %s: %w", key, err)
		}
		err = p.host.Accept(ctx, Delivery{
			Body:           body,
			Headers:        map[string]string{"content-type": "application/json"},
			Meta:           map[string]any{"url": shown, "polled_at": now.UTC().Format(time.RFC3339Nano), "key": key},
			IdempotencyKey: "poll:" + id,
			ReceivedAt:     now,
		})
		if err != nil {
			return fmt.Errorf("accept item %s: %w", key, err)
		}
	}
	_, err = kv.KVSetIfAbsent(ctx, store.KVSetIfAbsentParams{
		KVWrite: store.KVWrite{Scope: p.scope, Key: pollSeenPrefix + id, Now: now, ExpiresAt: now.Add(p.t.remember)},
		Value:   json.RawMessage(`true`),
	})
	if err != nil {
		return fmt.Errorf("remember item %s: %w", key, err)
	}
	return nil
}

// pollItemID is an item's key as the store keeps it: as it is, or where
// long, its SHA-256.
func pollItemID(key string) string {
	if len(key) <= 200 {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}
