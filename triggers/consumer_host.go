package triggers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// redactedText stands in for a secret in a consumer's errors and logs.
const redactedText = "[redacted]"

// renderTimeout bounds the secrets' read of a Render.
const renderTimeout = 10 * time.Second

// consumerHost is what one workflow revision's consumer sees of Hookflow
// (kinds.ConsumerHost).
type consumerHost struct {
	c        *Consumers
	eng      *engine.Engine
	run      *consumerRun
	id       string
	revision int
	typ      string
	vars     map[string]any
	log      *slog.Logger
	// connected: the consumer reported ConsumerConnected since it was
	// last started (read by its supervising goroutine only).
	connected atomic.Bool

	mu     sync.Mutex
	hidden []string // values its errors must not show, longest first
}

var (
	_ kinds.ConsumerHost = (*consumerHost)(nil)
	_ kinds.ReplicaHost  = (*consumerHost)(nil)
)

// WorkflowID is the workflow whose trigger this is.
func (h *consumerHost) WorkflowID() string { return h.id }

// Render evaluates a trigger field's template with the workflow's vars
// and secrets. The secrets it used, and a URL's password, are kept out of
// the consumer's errors from then on.
func (h *consumerHost) Render(t *workflows.Template) (string, error) {
	if t == nil {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), renderTimeout)
	defer cancel()
	secrets, err := h.eng.Secrets(ctx)
	if err != nil {
		return "", fmt.Errorf("read secrets: %w", err)
	}
	env := workflows.Env{Secrets: secrets, Vars: h.vars}
	s, err := t.Render(&env)
	if err != nil {
		return "", err
	}
	var hide []string
	for _, v := range secrets {
		if v, ok := v.(string); ok && len(v) >= 4 && strings.Contains(s, v) {
			hide = append(hide, v)
		}
	}
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			hide = append(hide, p, url.QueryEscape(p), url.PathEscape(p))
		}
	}
	if len(hide) > 0 {
		h.mu.Lock()
		for _, v := range hide {
			if v != "" && !containsString(h.hidden, v) {
				h.hidden = append(h.hidden, v)
			}
		}
		sort.Slice(h.hidden, func(i, j int) bool { return len(h.hidden[i]) > len(h.hidden[j]) })
		h.mu.Unlock()
	}
	return s, nil
}

// redact hides the secrets Render used inside s.
func (h *consumerHost) redact(s string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, v := range h.hidden {
		s = strings.ReplaceAll(s, v, redactedText)
	}
	return s
}

// Accept stores one delivery as an event of the workflow revision and
// queues its run; it returns once both are durable (or the delivery's
// idempotency key was accepted before).
func (h *consumerHost) Accept(ctx context.Context, d kinds.Delivery) error {
	meta, err := jsonMeta(d.Meta)
	if err != nil {
		return err
	}
	ev := store.Event{
		Source:         h.typ,
		Headers:        d.Headers,
		Body:           d.Body,
		ReceivedAt:     d.ReceivedAt,
		IdempotencyKey: d.IdempotencyKey,
		Meta:           meta,
	}
	if ev.ReceivedAt.IsZero() {
		ev.ReceivedAt = h.eng.Now()
	}
	ev.ReceivedAt = ev.ReceivedAt.UTC()
	if _, err := h.eng.Accept(ctx, engine.AcceptParams{WorkflowID: h.id, Revision: h.revision, Event: ev}); err != nil {
		return fmt.Errorf("accept event: %w", err)
	}
	return nil
}

// jsonMeta makes a delivery's metadata what it reads back as from the
// store (JSON's values), so that a run sees the same whether it started at
// once or after a restart.
func jsonMeta(m map[string]any) (map[string]any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode meta: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decode meta: %w", err)
	}
	return out, nil
}

// Dial connects through the engine's sender's egress guard.
func (h *consumerHost) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return h.eng.Sender().Dial(ctx, network, addr)
}

// KV is the engine's key-value store, in the workflow's scope whatever the
// params say.
func (h *consumerHost) KV() kinds.KV {
	if h.eng.Store() == nil {
		return nil
	}
	return scopedKV{kv: h.eng.Store(), scope: h.id}
}

// State records the consumer's state (shown by /readyz, /metrics and the
// editor) and logs its changes, its error with the secrets hidden.
func (h *consumerHost) State(state string, err error) {
	msg := ""
	if err != nil {
		msg = h.redact(err.Error())
	}
	if state == kinds.ConsumerConnected {
		h.connected.Store(true)
	}
	h.c.mu.Lock()
	changed := h.c.setState(h.run, TriggerState{Type: h.typ, State: state, Error: msg, Since: h.Now()})
	h.c.mu.Unlock()
	if !changed {
		return
	}
	switch {
	case msg != "":
		h.log.Warn("consumer "+state, "err", msg)
	case state == kinds.ConsumerConnected:
		h.log.Info("consumer connected")
	default:
		h.log.Debug("consumer " + state)
	}
}

// Now reads the engine's clock.
func (h *consumerHost) Now() time.Time { return h.eng.Now() }

// Logger logs with the workflow's id and the trigger's type.
func (h *consumerHost) Logger() *slog.Logger { return h.log }

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// scopedKV is the key-value store with every operation in one scope.
type scopedKV struct {
	kv    kinds.KV
	scope string
}

func (s scopedKV) KVGet(ctx context.Context, p store.KVGetParams) (store.KV, error) {
	p.Scope = s.scope
	return s.kv.KVGet(ctx, p)
}

func (s scopedKV) KVSet(ctx context.Context, p store.KVSetParams) (store.KVResult, error) {
	p.Scope = s.scope
	return s.kv.KVSet(ctx, p)
}

func (s scopedKV) KVIncr(ctx context.Context, p store.KVIncrParams) (store.KVResult, error) {
	p.Scope = s.scope
	return s.kv.KVIncr(ctx, p)
}

func (s scopedKV) KVDelete(ctx context.Context, p store.KVDeleteParams) (store.KVResult, error) {
	p.Scope = s.scope
	return s.kv.KVDelete(ctx, p)
}

func (s scopedKV) KVAppend(ctx context.Context, p store.KVAppendParams) (store.KVResult, error) {
	p.Scope = s.scope
	return s.kv.KVAppend(ctx, p)
}

func (s scopedKV) KVSetIfAbsent(ctx context.Context, p store.KVSetIfAbsentParams) (store.KVResult, error) {
	p.Scope = s.scope
	return s.kv.KVSetIfAbsent(ctx, p)
}

// Replica names the replica (kinds.ReplicaHost).
func (h *consumerHost) Replica() string { return h.c.cfg.Replica }
