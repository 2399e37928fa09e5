package kinds

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:  "storage",
			Title: "Remember a value",
			Summary: "Reads or writes a value kept between runs, under a key: a count per customer, the last order seen, a list of recent items. " +
				"A write is applied once per run, even when the run resumes after a crash; a replayed run is a new run and applies it again. " +
				"Values are JSON up to 64 KiB, keys up to 512 bytes. The output is {\"key\", \"value\"} " +
				"(get adds \"found\"; delete gives \"deleted\" instead of the value; append adds \"length\").",
			Fields: []workflows.Field{
				{Name: "op", Label: "Action", Kind: workflows.ValueSelect, Required: true,
					Help: "Get reads the value; Set replaces it; Increment adds a number to it (from 0); Delete removes it; " +
						"Append adds an item to the end of a list (from an empty list).",
					Options: []workflows.Option{
						{Value: "get", Label: "Get"}, {Value: "set", Label: "Set"}, {Value: "incr", Label: "Increment"},
						{Value: "delete", Label: "Delete"}, {Value: "append", Label: "Append to a list"},
					}},
				{Name: "key", Label: "Key", Kind: workflows.ValueTemplate, Required: true, Placeholder: "orders:{{ payload.customer.id }}",
					Help: "The name the value is kept under; it may include data from the run, such as a customer's id."},
				{Name: "value", Label: "Value", Kind: workflows.ValueMapping,
					Help: "Set and Append: the value to keep (or add to the list), field by field, or an expression."},
				{Name: "by", Label: "Increment by", Kind: workflows.ValueNumber, Default: 1,
					Help: "Increment: the number added (negative to count down)."},
				{Name: "default", Label: "Default", Kind: workflows.ValueJSON,
					Help: "Get: the value given where the key holds none."},
				{Name: "max_len", Label: "Keep at most", Kind: workflows.ValueNumber,
					Help: "Append: how many items the list keeps, the newest; empty keeps all."},
				{Name: "ttl", Label: "Forget after", Kind: workflows.ValueDuration, Placeholder: "720h",
					Help: "Set, Increment and Append: how long after this write the key is forgotten. Empty: the key keeps the expiry it had (none for a new key)."},
				{Name: "scope", Label: "Scope", Kind: workflows.ValueSelect, Default: scopeWorkflow, Options: scopeOptions, Help: scopeHelp},
			},
			Example: []byte(`{"id": "count", "type": "storage", "op": "incr", "key": "orders:{{ payload.customer.id }}", "by": 1, "ttl": "720h"}`),
		},
		New: func() workflows.StepSettings { return &Storage{} },
	})
}

// Storage reads or writes an entry of the durable key-value store.
type Storage struct {
	// Op is get, set, incr, delete or append.
	Op string `json:"op"`
	// Key is a template giving the entry's key.
	Key string `json:"key"`
	// Value is what set keeps, or append adds: a mapping or an expression.
	Value workflows.Body `json:"value,omitzero"`
	// By is what incr adds (default 1).
	By *float64 `json:"by,omitempty"`
	// Default is what get gives where the key holds nothing.
	Default json.RawMessage `json:"default,omitempty"`
	// MaxLen is how many items append keeps (0: all).
	MaxLen int `json:"max_len,omitempty"`
	// TTL is how long after a write the entry is forgotten.
	TTL string `json:"ttl,omitempty"`
	// Scope is workflow (default) or global.
	Scope string `json:"scope,omitempty"`
}

// storageFields says which of the optional fields each op takes.
var storageFields = map[string][]string{
	"get":    {"default"},
	"set":    {"value", "ttl"},
	"incr":   {"by", "ttl"},
	"delete": {},
	"append": {"value", "max_len", "ttl"},
}

// Compile checks the op and the fields it takes, and compiles the key and
// value.
func (s *Storage) Compile(b *workflows.StepBuild) (any, error) {
	op := s.Op
	if op == "" {
		return nil, b.Required("op")
	}
	takes, ok := storageFields[op]
	if !ok {
		return nil, b.Errorf("op", "must be get, set, incr, delete or append, got %q", s.Op)
	}
	given := map[string]bool{
		"value": !s.Value.IsZero(), "by": s.By != nil, "default": len(s.Default) > 0,
		"max_len": s.MaxLen != 0, "ttl": s.TTL != "",
	}
	for _, f := range []string{"value", "by", "default", "max_len", "ttl"} {
		if given[f] && !contains(takes, f) {
			return nil, b.Errorf(f, "does not apply to op %s", op)
		}
	}
	st := &storageStep{op: op, by: 1, maxLen: s.MaxLen, def: s.Default}
	var err error
	if st.global, err = compileScope(b, s.Scope); err != nil {
		return nil, err
	}
	if s.Key == "" {
		return nil, b.Required("key")
	}
	if st.key, err = b.Template("key", s.Key); err != nil {
		return nil, err
	}
	if s.By != nil {
		st.by = *s.By
	}
	if s.MaxLen < 0 {
		return nil, b.Errorf("max_len", "must be 0 or more, got %d", s.MaxLen)
	}
	if len(s.Default) > 0 && !json.Valid(s.Default) {
		return nil, b.Errorf("default", "is not JSON")
	}
	if s.TTL != "" {
		if st.ttl, err = b.Duration("ttl", s.TTL); err != nil {
			return nil, err
		}
	}
	if contains(takes, "value") {
		switch {
		case s.Value.Mapping != nil:
			if st.mapping, err = b.Mapping("value", s.Value.Mapping); err != nil {
				return nil, err
			}
		case s.Value.Expr != "":
			if st.expr, err = b.Expr("value", s.Value.Expr); err != nil {
				return nil, err
			}
		default:
			return nil, b.Errorf("value", "is required for op %s", op)
		}
	}
	return st, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type storageStep struct {
	op      string
	key     *workflows.Template
	expr    *vm.Program
	mapping *workflows.CompiledMapping
	by      float64
	def     json.RawMessage
	maxLen  int
	ttl     time.Duration
	global  bool
}

var _ Step = (*storageStep)(nil)

// Run reads or writes the entry. A test run writes nothing: it shows what
// the write would make of the entry as it is.
func (s *storageStep) Run(ctx context.Context, rt Runtime) Outcome {
	key, err := kvKey(rt, s.key)
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: err}
	}
	scope := kvScope(rt, s.global)
	var value json.RawMessage
	if s.op == "set" || s.op == "append" {
		if value, err = s.value(rt); err != nil {
			return Outcome{Status: store.StepFailed, Err: err}
		}
	}
	test, _ := rt.Test()
	kv := rt.KV()
	if s.op == "get" || test {
		return s.preview(ctx, rt, scope, key, value, test)
	}
	if kv == nil {
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("storage %s: this run has no store", s.op)}
	}
	w := kvWrite(rt, scope, key)
	if s.ttl > 0 {
		w.ExpiresAt = rt.Now().Add(s.ttl)
	}
	var res store.KVResult
	switch s.op {
	case "set":
		res, err = kv.KVSet(ctx, store.KVSetParams{KVWrite: w, Value: value})
	case "incr":
		res, err = kv.KVIncr(ctx, store.KVIncrParams{KVWrite: w, By: s.by})
	case "delete":
		res, err = kv.KVDelete(ctx, store.KVDeleteParams{KVWrite: w})
	case "append":
		res, err = kv.KVAppend(ctx, store.KVAppendParams{KVWrite: w, Value: value, MaxLen: s.maxLen})
	}
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("storage %s: %w", s.op, err)}
	}
	return Outcome{Status: store.StepSucceeded, Output: s.output(key, res.Entry.Value, res.Existed)}
}

// preview reads the entry, and for a write in a test run, computes what
// the write would make of it without making it.
func (s *storageStep) preview(ctx context.Context, rt Runtime, scope, key string, value json.RawMessage, test bool) Outcome {
	cur, _, err := kvRead(ctx, rt, scope, key)
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("storage %s: %w", s.op, err)}
	}
	next := cur
	switch s.op {
	case "set":
		next, err = value, store.KVCheckValue(value)
	case "incr":
		next, err = store.KVIncrValue(cur, s.by)
	case "append":
		next, err = store.KVAppendValue(cur, value, s.maxLen)
	}
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("storage %s: %w", s.op, err)}
	}
	out := s.output(key, next, cur != nil)
	if test && s.op != "get" {
		out["test"] = true // nothing was written
	}
	return Outcome{Status: store.StepSucceeded, Output: out}
}

// output is the step's output for the entry's value after the op.
func (s *storageStep) output(key string, value json.RawMessage, existed bool) map[string]any {
	out := map[string]any{"key": key}
	switch s.op {
	case "get":
		out["found"] = existed
		if !existed {
			value = s.def
		}
		out["value"] = jsonValue(value)
	case "delete":
		out["deleted"] = existed
	case "append":
		v := jsonValue(value)
		out["value"] = v
		if l, ok := v.([]any); ok {
			out["length"] = len(l)
		}
	default:
		out["value"] = jsonValue(value)
	}
	return out
}

// value evaluates what set keeps or append adds, as JSON.
func (s *storageStep) value(rt Runtime) (json.RawMessage, error) {
	var v any
	var err error
	if s.mapping != nil {
		v, err = s.mapping.Eval(rt.Env(), nil)
	} else {
		v, err = workflows.Eval(s.expr, rt.Env())
	}
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("value: not JSON: %w", err)
	}
	if err := store.KVCheckValue(b); err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	return b, nil
}
