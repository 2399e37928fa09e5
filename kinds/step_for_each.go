package kinds

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// The bounds of a for_each step's settings.
const (
	// MaxLoopConcurrency bounds how many items of one loop run at once.
	MaxLoopConcurrency = 32
	// DefaultMaxItems is max_items where it is not given.
	DefaultMaxItems = 10000
	// MaxMaxItems bounds max_items.
	MaxMaxItems = 100000
)

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:  "for_each",
			Title: "Repeat for each item",
			Summary: "Runs its steps once for each item of a list (each order line, each recipient), item by item or a few at once; " +
				"every item's steps are recorded and a run resumes at the item and step where it stopped.",
			Fields: []workflows.Field{
				{Name: "items", Label: "Items", Kind: workflows.ValueExpression, Required: true,
					Placeholder: "payload.lines",
					Help: "The list to go through. Inside, the steps see the item as item and its place in the list, from 0, as index; " +
						"payload is the payload as it came to this step, and steps.ID the outputs of this item's steps (and of the steps before the loop)."},
				{Name: "steps", Label: "Steps for each item", Kind: workflows.ValueSteps, Required: true,
					Help: "The steps run for each item. A retry or a delay inside makes that item wait, while the other items go on."},
				{Name: "concurrency", Label: "Items at once", Kind: workflows.ValueNumber, Default: 1,
					Help: fmt.Sprintf("How many items run at the same time, from 1 to %d. The results keep the items' order.", MaxLoopConcurrency)},
				{Name: "max_items", Label: "At most this many items", Kind: workflows.ValueNumber, Default: DefaultMaxItems,
					Help: fmt.Sprintf("A longer list fails the step before any item runs (at most %d).", MaxMaxItems)},
				{Name: "on_item_failure", Label: "When an item fails", Kind: workflows.ValueSelect, Default: "fail",
					Options: []workflows.Option{{Value: "fail", Label: "Stop and fail the run"}, {Value: "continue", Label: "Note the error and go on with the other items"}},
					Help:    "With go on, a failed item's result is {\"error\": ...} and the step succeeds; its items can be run again by replaying the run from this step with only the failed items."},
			},
			Example: []byte(`{"id": "each_line", "type": "for_each", "items": "payload.lines", "concurrency": 4, ` +
				`"steps": [{"id": "send", "type": "webhook", "url": "https://erp.example/lines", "body": "item"}]}`),
		},
		New: func() workflows.StepSettings { return &ForEach{} },
	})
}

// ForEach runs its steps once for each item of a list. Its output is
// {"count": n, "results": [...]}: each item's last step's output, in the
// items' order; the payload after it is the one it was given.
type ForEach struct {
	// Items is an expression giving the list.
	Items string `json:"items,omitempty"`
	// Steps run for each item.
	Steps []workflows.Step `json:"steps,omitempty"`
	// Concurrency is how many items run at once (default 1).
	Concurrency int `json:"concurrency,omitempty"`
	// MaxItems bounds the list (default DefaultMaxItems).
	MaxItems int `json:"max_items,omitempty"`
	// OnItemFailure is "fail" (default) or "continue".
	OnItemFailure string `json:"on_item_failure,omitempty"`
}

// Compile checks the settings and compiles the items and the steps.
func (f *ForEach) Compile(b *workflows.StepBuild) (any, error) {
	s := &forEachStep{concurrency: f.Concurrency, maxItems: f.MaxItems}
	if f.Items == "" {
		return nil, b.Required("items")
	}
	var err error
	if s.items, err = b.Expr("items", f.Items); err != nil {
		return nil, err
	}
	if s.steps, err = b.Steps("steps", f.Steps); err != nil {
		return nil, err
	}
	switch {
	case s.concurrency == 0:
		s.concurrency = 1
	case s.concurrency < 0 || s.concurrency > MaxLoopConcurrency:
		return nil, b.Errorf("concurrency", "must be from 1 to %d, got %d", MaxLoopConcurrency, s.concurrency)
	}
	switch {
	case s.maxItems == 0:
		s.maxItems = DefaultMaxItems
	case s.maxItems < 0 || s.maxItems > MaxMaxItems:
		return nil, b.Errorf("max_items", "must be from 1 to %d, got %d", MaxMaxItems, s.maxItems)
	}
	switch f.OnItemFailure {
	case "", "fail":
	case "continue":
		s.goOn = true
	default:
		return nil, b.Errorf("on_item_failure", "must be fail or continue, got %q", f.OnItemFailure)
	}
	s.inner = innerIDs(s.steps)
	return s, nil
}

type forEachStep struct {
	items       *vm.Program
	steps       []*workflows.CompiledStep
	inner       []string // the ids of the steps inside, at any depth
	concurrency int
	maxItems    int
	goOn        bool // on_item_failure: continue
}

var _ Step = (*forEachStep)(nil)

// pendingItem is an item that waits (a delay) or will be tried again (a
// retry) at a time: the loop's record keeps them while the run waits, so
// that an item is not taken up before its time.
type pendingItem struct {
	At     time.Time `json:"at"`
	Status string    `json:"status"`
	// Wakes: the item waits on a step that may be resumed before At.
	Wakes bool `json:"wakes,omitempty"`
}

// Run goes through the items, concurrency at a time. An item that waits or
// retries does not hold a worker: the others go on, and the step ends as
// waiting or retrying, with Again, at the first of their times; when the
// run resumes, items done are passed over from their records.
func (s *forEachStep) Run(ctx context.Context, rt Runtime) Outcome {
	v, err := workflows.EvalList(s.items, rt.Env())
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("items: %w", err)}
	}
	items, err := listOf(v)
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("items: %w", err)}
	}
	if len(items) > s.maxItems {
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("items: the list has %d items, more than max_items (%d); no item was run", len(items), s.maxItems)}
	}
	path, now := rt.Path(), rt.Now()
	pending := previousPending(rt.Previous())

	l := &loopRun{results: make([]any, len(items)), waits: map[int]pendingItem{}}
	workers := min(s.concurrency, len(items))
	var wg sync.WaitGroup
	for range workers {
		f := rt.Fork()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := l.take(len(items))
				if !ok {
					return
				}
				if p, ok := pending[i]; ok && p.At.After(now) && !p.Wakes {
					l.wait(i, p, nil)
					continue
				}
				l.done(i, s.item(ctx, f, path, i, items[i]), s.goOn)
			}
		}()
	}
	wg.Wait()
	return l.outcome(len(items))
}

// item runs the steps for one item, in f, a fork of the loop's runtime.
func (s *forEachStep) item(ctx context.Context, f Runtime, path string, i int, item any) Outcome {
	env := f.Env()
	for _, id := range s.inner { // the item sees its own steps' outputs only
		delete(env.Steps, id)
	}
	env.Item, env.Index = item, i
	return f.RunSteps(ctx, s.steps, Nested{
		Path:  path + "[" + strconv.Itoa(i) + "]",
		Input: map[string]any{"item": item, "index": i},
	})
}

// loopRun is the state of a loop's items while they run.
type loopRun struct {
	mu      sync.Mutex
	next    int
	results []any
	waits   map[int]pendingItem
	waitErr error // the last error of an item to retry
	failed  int   // items failed, with continue
	stop    error // the item failure that stops the loop (fail), or the run's end
}

// take gives the next item to run; false once all are given or the loop
// stops.
func (l *loopRun) take(n int) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stop != nil || l.next >= n {
		return 0, false
	}
	l.next++
	return l.next - 1, true
}

func (l *loopRun) wait(i int, p pendingItem, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits[i] = p
	if err != nil {
		l.waitErr = err
	}
}

// done takes an item's outcome.
func (l *loopRun) done(i int, o Outcome, goOn bool) {
	if o.Again {
		l.wait(i, pendingItem{At: o.At, Status: o.Status, Wakes: o.Wakes}, o.Err)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch o.Status {
	case store.StepSucceeded:
		l.results[i] = o.Output
	case store.StepFiltered: // a filter inside ends the item, not the run
		l.results[i] = map[string]any{"filtered": true}
	default:
		err := o.Err
		if err == nil {
			err = fmt.Errorf("ended as %s", o.Status)
		}
		switch {
		case errors.Is(err, ErrRunLost) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			if l.stop == nil || !errors.Is(l.stop, ErrRunLost) {
				l.stop = err // the run stops here: passed on as it is
			}
		case goOn:
			l.results[i] = map[string]any{"error": err.Error()}
			l.failed++
		case l.stop == nil:
			l.stop = fmt.Errorf("item %d: %w", i, err)
		}
	}
}

// outcome is the step's outcome once no item runs.
func (l *loopRun) outcome(n int) Outcome {
	if l.stop != nil {
		return Outcome{Status: store.StepFailed, Err: l.stop}
	}
	if len(l.waits) > 0 {
		o := Outcome{Status: store.StepWaiting, Again: true}
		pend := make(map[string]pendingItem, len(l.waits))
		for i, p := range l.waits {
			pend[strconv.Itoa(i)] = p
			if o.At.IsZero() || p.At.Before(o.At) {
				o.At = p.At
			}
			if p.Status == store.StepRetrying {
				o.Status = store.StepRetrying
			}
			o.Wakes = o.Wakes || p.Wakes
		}
		if l.waitErr != nil {
			o.Err = l.waitErr
		}
		o.Output = map[string]any{"count": n, "done": n - len(l.waits), "pending": pend}
		return o
	}
	out := map[string]any{"count": n, "results": l.results}
	if l.failed > 0 {
		out["failed"] = l.failed
	}
	return Outcome{Status: store.StepSucceeded, Output: out}
}

// previousPending reads the items a previous attempt of the loop left
// waiting, from its output.
func previousPending(prev any) map[int]pendingItem {
	m, _ := prev.(map[string]any)
	raw, _ := m["pending"].(map[string]any)
	out := make(map[int]pendingItem, len(raw))
	for k, v := range raw {
		i, err := strconv.Atoi(k)
		p, _ := v.(map[string]any)
		at, _ := p["at"].(string)
		t, terr := time.Parse(time.RFC3339Nano, at)
		if err != nil || terr != nil {
			continue
		}
		status, _ := p["status"].(string)
		wakes, _ := p["wakes"].(bool)
		out[i] = pendingItem{At: t, Status: status, Wakes: wakes}
	}
	return out
}

// listOf reads the items' value as a list.
func listOf(v any) ([]any, error) {
	switch l := v.(type) {
	case []any:
		return l, nil
	case nil:
		return nil, errors.New("gave null, not a list")
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, fmt.Errorf("gave %s, not a list", workflows.TypeName(v))
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, nil
}
