package workflows

import (
	"fmt"
	"sort"
	"sync"
)

// A kind is one type of step, trigger or trigger auth. Each is defined in
// one file of the package that owns it (kinds, for steps and triggers;
// triggers, for auth schemes), which registers it here when the program
// starts: this package decodes, checks and compiles a definition by asking
// the kind named by each "type", and knows no kind itself. Adding a kind
// is adding that file.

// StepKind is one type of step.
type StepKind struct {
	// Doc describes the kind to the editor and the docs; its Type is the
	// value of the step's "type".
	Doc Doc
	// New returns a pointer to zero settings, which the step's own fields
	// (all but id, type and when) are decoded into, strictly.
	New func() StepSettings
}

// StepSettings are a step kind's own fields.
type StepSettings interface {
	// Compile checks the settings and compiles their expressions,
	// templates and durations into what the step runs: the kind's
	// program, which the engine hands back to the kind (see package
	// kinds). Errors are made with b, which places them at the field.
	Compile(b *StepBuild) (any, error)
}

// TriggerKind is one type of trigger.
type TriggerKind struct {
	// Doc describes the kind; its Type is the value of the trigger's
	// "type".
	Doc Doc
	// New returns a pointer to zero settings, which the trigger's fields
	// (all but type) are decoded into, strictly.
	New func() TriggerSettings
}

// TriggerSettings are a trigger kind's own fields.
type TriggerSettings interface {
	// Compile checks the settings and compiles them into what the
	// trigger's receiver or scheduler reads (Compiled.Trigger).
	Compile(b *TriggerBuild) (any, error)
}

// AuthKind is one way a webhook trigger authenticates its caller. Its
// fields are those of Auth its Doc lists: Compile refuses the others, and
// requires those marked required.
type AuthKind struct {
	// Doc describes the scheme; its Type is the value of auth's "type".
	Doc Doc
}

var registry = struct {
	sync.RWMutex
	steps    map[string]StepKind
	triggers map[string]TriggerKind
	auth     map[string]AuthKind
}{steps: map[string]StepKind{}, triggers: map[string]TriggerKind{}, auth: map[string]AuthKind{}}

// RegisterStep adds a step kind. It panics on a second kind of one type:
// that is a mistake in the program, not in a definition.
func RegisterStep(k StepKind) { register(registry.steps, k.Doc.Type, k) }

// RegisterTrigger adds a trigger kind (see RegisterStep).
func RegisterTrigger(k TriggerKind) { register(registry.triggers, k.Doc.Type, k) }

// RegisterAuth adds a trigger auth scheme (see RegisterStep).
func RegisterAuth(k AuthKind) { register(registry.auth, k.Doc.Type, k) }

func register[K any](m map[string]K, typ string, k K) {
	registry.Lock()
	defer registry.Unlock()
	if typ == "" {
		panic("workflows: a kind without a type")
	}
	if _, ok := m[typ]; ok {
		panic(fmt.Sprintf("workflows: kind %q registered twice", typ))
	}
	m[typ] = k
}

// LookupStep returns the step kind of a type.
func LookupStep(typ string) (StepKind, bool) { return lookup(registry.steps, typ) }

// LookupTrigger returns the trigger kind of a type.
func LookupTrigger(typ string) (TriggerKind, bool) { return lookup(registry.triggers, typ) }

// LookupAuth returns the auth scheme of a type.
func LookupAuth(typ string) (AuthKind, bool) { return lookup(registry.auth, typ) }

func lookup[K any](m map[string]K, typ string) (K, bool) {
	registry.RLock()
	defer registry.RUnlock()
	k, ok := m[typ]
	return k, ok
}

// StepKinds returns every step kind, by type.
func StepKinds() []StepKind { return sorted(registry.steps) }

// TriggerKinds returns every trigger kind, by type.
func TriggerKinds() []TriggerKind { return sorted(registry.triggers) }

// AuthKinds returns every auth scheme, by type.
func AuthKinds() []AuthKind { return sorted(registry.auth) }

func sorted[K any](m map[string]K) []K {
	registry.RLock()
	defer registry.RUnlock()
	types := make([]string, 0, len(m))
	for t := range m {
		types = append(types, t)
	}
	sort.Strings(types)
	out := make([]K, len(types))
	for i, t := range types {
		out[i] = m[t]
	}
	return out
}

// typeList is the types of some kinds, for messages: "a, b or c".
func typeList(types []string) string {
	switch len(types) {
	case 0:
		return "none known"
	case 1:
		return types[0]
	}
	out := ""
	for i, t := range types {
		switch {
		case i == 0:
		case i == len(types)-1:
			out += " or "
		default:
			out += ", "
		}
		out += t
	}
	return out
}

func stepTypes() []string {
	var out []string
	for _, k := range StepKinds() {
		out = append(out, k.Doc.Type)
	}
	return out
}

func triggerTypes() []string {
	var out []string
	for _, k := range TriggerKinds() {
		out = append(out, k.Doc.Type)
	}
	return out
}

func authTypes() []string {
	var out []string
	for _, k := range AuthKinds() {
		out = append(out, k.Doc.Type)
	}
	return out
}
