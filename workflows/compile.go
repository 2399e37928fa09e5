package workflows

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	idPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	stepIDPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
)

// ValidID reports whether id is a valid workflow id.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Compiled is a validated workflow with every expression compiled, ready to
// run many times. It is immutable and safe for concurrent use.
type Compiled struct {
	Workflow *Workflow
	// Trigger is what the trigger's kind compiled from its settings; the
	// trigger's receiver or scheduler reads it (see package kinds).
	Trigger any
	Steps   []*CompiledStep
	// Dropped lists the fields CompileStored left out of a stored
	// revision (see StepBuild.Stored).
	Dropped []string

	usesTrigger    bool // see UsesTrigger
	decodesPayload bool // see DecodesPayload
}

// Sync reports whether the trigger answers after the run rather than at once.
func (c *Compiled) Sync() bool {
	s, ok := c.Trigger.(interface{ Sync() bool })
	return ok && s.Sync()
}

// NextFires returns the next n times a scheduled trigger fires after from
// (none for a trigger without a schedule).
func (c *Compiled) NextFires(from time.Time, n int) []time.Time {
	s, ok := c.Trigger.(interface {
		NextFires(from time.Time, n int) []time.Time
	})
	if !ok {
		return nil
	}
	return s.NextFires(from, n)
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

// CompiledStep is one step with its when compiled, and its settings
// compiled by its kind into Program.
type CompiledStep struct {
	*Step
	Index int
	When  *CompiledCondition // nil: always
	// Program is what the step's kind compiled from its settings; the kind
	// runs it.
	Program any
	// Steps are the steps it holds, compiled (StepBuild.Steps).
	Steps []*CompiledStep

	readsPayload bool // see ReadsPayload
}

// HeaderTemplate is one header whose value is a template.
type HeaderTemplate struct {
	Name  string
	Value *Template
}

// Validate checks a definition without keeping the compiled programs.
func Validate(w *Workflow) error {
	_, err := Compile(w)
	return err
}

// Compile validates a definition and compiles every expression in it. The
// error, a *FieldError, names the first field at fault.
func Compile(w *Workflow) (*Compiled, error) { return compile(w, false) }

// CompileStored compiles a stored revision to run it: where a kind refuses
// today what it took when the revision was saved, it leaves that out
// (Compiled.Dropped says what) rather than refuse a revision that ran.
func CompileStored(w *Workflow) (*Compiled, error) { return compile(w, true) }

// CompileStoredTrigger compiles only the trigger of a stored definition:
// what Compiled.Trigger would hold, for callers that pick workflows by
// their trigger (the scheduler, the broker consumers) without decoding
// and compiling every step of every workflow.
func CompileStoredTrigger(def []byte) (any, error) {
	var doc struct {
		Trigger Trigger `json:"trigger"`
	}
	if err := json.Unmarshal(def, &doc); err != nil {
		return nil, fmt.Errorf("decode the trigger: %w", err)
	}
	c := &Compiled{}
	if err := compileTrigger(c, &doc.Trigger, true); err != nil {
		return nil, err
	}
	return c.Trigger, nil
}

func compile(w *Workflow, stored bool) (*Compiled, error) {
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
	switch w.OnFailureMode {
	case "", OnFailureIssue, OnFailureEvery:
	default:
		return nil, fieldf("on_failure_mode", "", "must be %q or %q, got %q", OnFailureIssue, OnFailureEvery, w.OnFailureMode)
	}
	if w.Concurrency < 0 {
		return nil, fieldf("concurrency", "", "must not be negative")
	}
	seenTags := map[string]bool{}
	for i, tag := range w.Tags {
		switch {
		case strings.TrimSpace(tag) != tag || tag == "" || utf8.RuneCountInString(tag) > 40:
			return nil, fieldf(fmt.Sprintf("tags[%d]", i), "", "a tag is 1 to 40 characters, without spaces around it")
		case seenTags[strings.ToLower(tag)]:
			return nil, fieldf(fmt.Sprintf("tags[%d]", i), "", "tag %q is there twice", tag)
		}
		seenTags[strings.ToLower(tag)] = true
	}
	c := &Compiled{Workflow: w}
	if err := compileTrigger(c, &w.Trigger, stored); err != nil {
		return nil, err
	}
	// A workflow with no steps is valid: its trigger URL works at once and
	// each event is recorded, the run succeeding with nothing to do.
	steps, err := compileSteps(c, "steps", w.Steps, stored, map[string]bool{})
	if err != nil {
		return nil, err
	}
	c.Steps = steps
	c.decodesPayload = c.decodesPayload || c.Sync()
	return c, nil
}

// compileSteps compiles a list of steps at field (the workflow's "steps",
// or a step's own, "steps[2].steps"). Step ids are unique in the whole
// workflow, nested steps' included: steps.ID names one step.
func compileSteps(c *Compiled, field string, steps []Step, stored bool, seen map[string]bool) ([]*CompiledStep, error) {
	out := make([]*CompiledStep, 0, len(steps))
	for i := range steps {
		s := &steps[i]
		path := fmt.Sprintf("%s[%d]", field, i)
		if seen[s.ID] && stepIDPattern.MatchString(s.ID) {
			return nil, fieldf(path+".id", s.ID, "duplicate step id")
		}
		cs, err := compileStep(c, path, i, s, stored, seen)
		if err != nil {
			return nil, err
		}
		seen[s.ID] = true
		out = append(out, cs)
	}
	return out, nil
}

func compileTrigger(c *Compiled, t *Trigger, stored bool) error {
	if t.Settings == nil {
		if t.Type == "" {
			return fieldf("trigger.type", "", "is required (%s)", typeList(triggerTypes()))
		}
		return fieldf("trigger.type", "", "unknown trigger type %q (%s)", t.Type, typeList(triggerTypes()))
	}
	b := &TriggerBuild{build: build{path: "trigger", stored: stored, dropped: &c.Dropped}}
	prog, err := t.Settings.Compile(b)
	if err != nil {
		return err
	}
	c.Trigger = prog
	c.decodesPayload = c.decodesPayload || b.checksPayload
	return nil
}

func compileStep(c *Compiled, at string, i int, s *Step, stored bool, seen map[string]bool) (*CompiledStep, error) {
	path := func(field string) string { return at + "." + field }
	if !stepIDPattern.MatchString(s.ID) {
		return nil, fieldf(path("id"), s.ID, "must be a name of letters, digits and _ starting with a letter, got %q", s.ID)
	}
	if s.Settings == nil {
		if s.Type == "" {
			return nil, fieldf(path("type"), s.ID, "is required (%s)", typeList(stepTypes()))
		}
		return nil, fieldf(path("type"), s.ID, "unknown step type %q (%s)", s.Type, typeList(stepTypes()))
	}
	b := &StepBuild{build: build{path: at, step: s.ID, stored: stored, dropped: &c.Dropped}, c: c, seen: seen}
	cs := &CompiledStep{Step: s, Index: i}
	var err error
	if !s.When.IsZero() {
		if cs.When, err = b.Condition("when", s.When); err != nil {
			return nil, err
		}
	}
	if cs.Program, err = s.Settings.Compile(b); err != nil {
		return nil, err
	}
	cs.readsPayload = b.reads("payload")
	cs.Steps = b.nested
	for _, n := range b.nested {
		cs.readsPayload = cs.readsPayload || n.readsPayload
	}
	c.usesTrigger = c.usesTrigger || b.reads("trigger")
	c.decodesPayload = c.decodesPayload || cs.readsPayload || b.usesPayload
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

// ParseDuration reads a positive duration ("500ms", "10s", "2h") with a
// message a person can act on.
func ParseDuration(s string) (time.Duration, error) { return parsePositiveDuration(s) }

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

// ParsePrefix reads a CIDR or a single address (as a one-address prefix).
func ParsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}
