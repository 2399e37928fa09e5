package kinds

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:  "paths",
			Title: "Split into paths",
			Summary: "Chooses between paths of steps by conditions (big payments one way, small ones another): " +
				"the first path whose condition holds, or every one that holds, in order. The run goes on after it.",
			Fields: []workflows.Field{
				{Name: "mode", Label: "Which paths run", Kind: workflows.ValueSelect, Default: "first",
					Options: []workflows.Option{{Value: "first", Label: "The first path whose condition holds"}, {Value: "all", Label: "Every path whose condition holds, in order"}},
					Help:    "The conditions are all checked against the data as it comes to this step, before any path runs."},
				{Name: "paths", Label: "Paths", Kind: workflows.ValueList, Required: true,
					Help: "Each path has a name, a condition (none: it always holds) and its steps. " +
						"With every path, each starts with the payload the one before left; the run goes on with the payload the last path taken left. " +
						"A filter inside a path that does not hold ends the run, as filtered.",
					Item: &workflows.Field{Name: "path", Label: "Path", Kind: workflows.ValueObject, Fields: []workflows.Field{
						{Name: "name", Label: "Name", Kind: workflows.ValueText, Required: true, Placeholder: "big",
							Help: "Letters, digits and _; the path's steps are recorded under it (route.big.notify)."},
						{Name: "when", Label: "Run this path when", Kind: workflows.ValueCondition,
							Help: "Rules the data must meet, or an expression giving true or false. Empty: always."},
						{Name: "steps", Label: "Steps of this path", Kind: workflows.ValueSteps, Required: true},
					}}},
			},
			Example: []byte(`{"id": "route", "type": "paths", "mode": "first", "paths": [` +
				`{"name": "big", "when": {"field": "payload.amount", "op": "gt", "value": 1000}, "steps": [{"id": "alert", "type": "webhook", "url": "https://chat.example/alert"}]}, ` +
				`{"name": "other", "steps": [{"id": "log", "type": "webhook", "url": "https://log.example/payments"}]}]}`),
		},
		New: func() workflows.StepSettings { return &Paths{} },
	})
}

// Paths runs the first path whose condition holds (mode first), or every
// one that does (mode all). Its output is {"taken": [names]}.
type Paths struct {
	// Mode is "first" (default) or "all".
	Mode string `json:"mode,omitempty"`
	// Paths are the paths, in order.
	Paths []Path `json:"paths,omitempty"`
}

// Path is one path of a paths step.
type Path struct {
	// Name names the path in records (route.big.notify) and in the output.
	Name string `json:"name,omitempty"`
	// When is the path's condition; none: it always holds.
	When workflows.Condition `json:"when,omitzero"`
	// Steps are the path's steps.
	Steps []workflows.Step `json:"steps,omitempty"`
}

var pathNamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// Compile checks the paths and compiles their conditions and steps.
func (p *Paths) Compile(b *workflows.StepBuild) (any, error) {
	s := &pathsStep{}
	switch p.Mode {
	case "", "first":
	case "all":
		s.all = true
	default:
		return nil, b.Errorf("mode", "must be first or all, got %q", p.Mode)
	}
	if len(p.Paths) == 0 {
		return nil, b.Errorf("paths", "at least one path is required")
	}
	seen := map[string]bool{}
	for i, path := range p.Paths {
		at := fmt.Sprintf("paths[%d]", i)
		if !pathNamePattern.MatchString(path.Name) {
			return nil, b.Errorf(at+".name", "must be letters, digits and _, got %q", path.Name)
		}
		if seen[path.Name] {
			return nil, b.Errorf(at+".name", "another path is named %q", path.Name)
		}
		seen[path.Name] = true
		cp := compiledPath{name: path.Name}
		var err error
		if !path.When.IsZero() {
			if cp.when, err = b.Condition(at+".when", path.When); err != nil {
				return nil, err
			}
		}
		if cp.steps, err = b.Steps(at+".steps", path.Steps); err != nil {
			return nil, err
		}
		s.paths = append(s.paths, cp)
		s.inner = append(s.inner, innerIDs(cp.steps)...)
	}
	return s, nil
}

type compiledPath struct {
	name  string
	when  *workflows.CompiledCondition
	steps []*workflows.CompiledStep
}

type pathsStep struct {
	all   bool
	paths []compiledPath
	inner []string
}

var (
	_ Step           = (*pathsStep)(nil)
	_ PayloadCarrier = (*pathsStep)(nil)
)

// PayloadOf is the payload the last path taken left, which the output
// carries.
func (*pathsStep) PayloadOf(output any) any {
	m, _ := output.(map[string]any)
	return m["payload"]
}

// Run takes the paths whose conditions hold and runs their steps. Where
// one waits or retries, the step ends so, with Again, and the paths taken
// are kept in its record: the run resumes in that path, and the conditions
// are not asked again.
func (s *pathsStep) Run(ctx context.Context, rt Runtime) Outcome {
	env := rt.Env()
	taken, ok := previousTaken(rt.Previous())
	if !ok {
		for i, p := range s.paths {
			if p.when != nil {
				holds, err := p.when.Eval(env)
				if err != nil {
					return Outcome{Status: store.StepFailed, Err: fmt.Errorf("paths[%d].when: %w", i, err)}
				}
				if !holds {
					continue
				}
			}
			taken = append(taken, p.name)
			if !s.all {
				break
			}
		}
	}
	names := make([]any, len(taken))
	for i, n := range taken {
		names[i] = n
	}
	for _, name := range taken {
		p := s.path(name)
		if p == nil {
			continue // a path of an earlier revision
		}
		o := rt.RunSteps(ctx, p.steps, Nested{Path: rt.Path() + "." + name, KeepPayload: true})
		switch {
		case o.Status == store.StepSucceeded:
		case o.Again:
			o.Output = map[string]any{"taken": names, "pending": true}
			return o
		default:
			return o
		}
	}
	for _, id := range s.inner { // read inside their path only
		delete(env.Steps, id)
	}
	return Outcome{Status: store.StepSucceeded, Output: map[string]any{"taken": names, "payload": rt.Payload()}}
}

func (s *pathsStep) path(name string) *compiledPath {
	for i := range s.paths {
		if s.paths[i].name == name {
			return &s.paths[i]
		}
	}
	return nil
}

// previousTaken reads the paths an earlier attempt took and left pending.
func previousTaken(prev any) ([]string, bool) {
	m, _ := prev.(map[string]any)
	if pending, _ := m["pending"].(bool); !pending {
		return nil, false
	}
	list, _ := m["taken"].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out, true
}
