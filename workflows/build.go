package workflows

import (
	"sort"
	"time"

	"github.com/expr-lang/expr/vm"
)

// build is what a kind compiles its settings with: it places every error
// at its field (the path in the definition and the step's id), and keeps
// the programs it compiled, so that what they read is known without the
// kind listing them.
type build struct {
	path     string // the kind's object: "steps[2]", "trigger"
	step     string // the step's id, or ""
	stored   bool
	programs []*vm.Program
	dropped  *[]string
}

// Field is the path of one of the kind's fields, as errors name it:
// "steps[2].url".
func (b *build) Field(name string) string {
	if b.path == "" { // a condition checked alone (CheckCondition)
		return name
	}
	return b.path + "." + name
}

// Errorf is an error at one of the kind's fields.
func (b *build) Errorf(field, format string, args ...any) error {
	return fieldf(b.Field(field), b.step, format, args...)
}

// Required is the error for a field that must be given.
func (b *build) Required(field string) error { return b.Errorf(field, "is required") }

// Expr compiles an expression whose value may be anything.
func (b *build) Expr(field, src string) (*vm.Program, error) {
	p, err := CompileExpr(src)
	if err != nil {
		return nil, hinted(fieldErr(b.Field(field), b.step, err), src)
	}
	b.programs = append(b.programs, p)
	return p, nil
}

// BoolExpr compiles an expression that must give true or false.
func (b *build) BoolExpr(field, src string) (*vm.Program, error) {
	p, err := CompileBool(src)
	if err != nil {
		return nil, hinted(fieldErr(b.Field(field), b.step, err), src)
	}
	b.programs = append(b.programs, p)
	return p, nil
}

// Template compiles a string field with {{ }} parts.
func (b *build) Template(field, src string) (*Template, error) {
	return b.template(field, src, CompileTemplate)
}

// URL compiles a URL template (see CompileURLTemplate).
func (b *build) URL(field, src string) (*Template, error) {
	return b.template(field, src, CompileURLTemplate)
}

func (b *build) template(field, src string, compile func(string) (*Template, error)) (*Template, error) {
	t, err := compile(src)
	if err != nil {
		return nil, at(err, b.Field(field), b.step)
	}
	for _, p := range t.parts {
		if p.program != nil {
			b.programs = append(b.programs, p.program)
		}
	}
	return t, nil
}

// Duration reads a positive duration ("500ms", "10s", "2h").
func (b *build) Duration(field, s string) (time.Duration, error) {
	d, err := parsePositiveDuration(s)
	if err != nil {
		return 0, b.Errorf(field, "%v", err)
	}
	return d, nil
}

// Headers compiles header values, in the order of their names; refuse,
// when set, says why a name may not be used ("" where it may).
func (b *build) Headers(field string, headers map[string]string, refuse func(name string) string) ([]HeaderTemplate, error) {
	names := make([]string, 0, len(headers))
	for name := range headers {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]HeaderTemplate, 0, len(names))
	for _, name := range names {
		if !validHeaderName(name) {
			return nil, b.Errorf(field, "invalid header name %q", name)
		}
		if refuse != nil {
			if why := refuse(name); why != "" {
				return nil, b.Errorf(field+"."+name, "%s", why)
			}
		}
		tpl, err := b.Template(field+"."+name, headers[name])
		if err != nil {
			return nil, err
		}
		out = append(out, HeaderTemplate{Name: name, Value: tpl})
	}
	return out, nil
}

// Stored reports whether the definition is a stored revision being loaded
// to run (CompileStored) rather than one being saved: a kind may then
// leave out what it refuses today but took when the revision was saved,
// and say so with Dropped, instead of refusing the revision.
func (b *build) Stored() bool { return b.stored }

// Dropped records a field left out of a stored revision.
func (b *build) Dropped(field string) {
	if b.dropped != nil {
		*b.dropped = append(*b.dropped, b.Field(field))
	}
}

// reads reports whether a compiled program names the variable name or
// the whole environment ($env).
func (b *build) reads(name string) bool {
	for _, p := range b.programs {
		if programNames(p, name) {
			return true
		}
	}
	return false
}

// StepBuild compiles one step's settings (see StepSettings).
type StepBuild struct {
	build
	usesPayload bool
	c           *Compiled
	seen        map[string]bool // the step ids so far, nested ones included
	nested      []*CompiledStep // the steps it holds (Steps)
}

// Steps compiles a step's own steps (a kind that holds steps, such as a
// loop): their errors name them under the field ("steps[2].steps[0].url"),
// and what their expressions read counts as the step's.
func (b *StepBuild) Steps(field string, steps []Step) ([]*CompiledStep, error) {
	if len(steps) == 0 {
		return nil, b.Errorf(field, "at least one step is required")
	}
	b.seen[b.step] = true // a nested step may not take its parent's id
	out, err := compileSteps(b.c, b.Field(field), steps, b.stored, b.seen)
	if err != nil {
		return nil, err
	}
	b.nested = append(b.nested, out...)
	return out, nil
}

// ID is the step's id.
func (b *StepBuild) ID() string { return b.step }

// UsesPayload says the step takes the payload itself, where no expression
// names it (a respond step without a body answers with it): the trigger
// then decodes a JSON body as it arrives.
func (b *StepBuild) UsesPayload() { b.usesPayload = true }

// TriggerBuild compiles a trigger's settings (see TriggerSettings).
type TriggerBuild struct {
	build
	checksPayload bool
}

// ChecksPayload says the trigger itself reads the payload as it arrives
// (a schema, an idempotency key): it is then decoded there, once.
func (b *TriggerBuild) ChecksPayload() { b.checksPayload = true }

// Auth checks a trigger auth against its scheme's doc (see AuthKind) and
// compiles its secret; nil where there is no secret.
func (b *TriggerBuild) Auth(field string, a *Auth) (*Template, error) {
	k, ok := LookupAuth(a.Type)
	if !ok {
		if a.Type == "" {
			return nil, b.Errorf(field+".type", "is required (%s)", typeList(authTypes()))
		}
		return nil, b.Errorf(field+".type", "unknown auth type %q (%s)", a.Type, typeList(authTypes()))
	}
	fields := map[string]Field{}
	for _, f := range k.Doc.Fields {
		fields[f.Name] = f
	}
	for _, set := range a.set() {
		f, ok := fields[set.name]
		switch {
		case !ok:
			return nil, b.Errorf(field+"."+set.name, "does not belong to %s auth", a.Type)
		case f.Kind == ValueSelect && !hasOption(f.Options, set.value):
			return nil, b.Errorf(field+"."+set.name, "must be %s", optionList(f.Options))
		}
	}
	for _, f := range k.Doc.Fields {
		if f.Required && a.value(f.Name) == "" {
			return nil, b.Errorf(field+"."+f.Name, "is required for %s auth", a.Type)
		}
	}
	if a.Secret == "" {
		return nil, nil
	}
	return b.Template(field+".secret", a.Secret)
}

func hasOption(opts []Option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

func optionList(opts []Option) string {
	vals := make([]string, len(opts))
	for i, o := range opts {
		vals[i] = o.Value
	}
	return typeList(vals)
}
