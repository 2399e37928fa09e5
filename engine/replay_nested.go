package engine

import (
	"fmt"
	"strings"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// ReplayOptions say where a replay starts.
type ReplayOptions struct {
	// FromStep is a step's id, or the path of a step inside another
	// ("each_line[3].send", "route.big.notify"); empty: from the start.
	FromStep string
	// OnlyFailed, with FromStep a loop, runs again only the loop's items
	// that failed: the others' records are carried over.
	OnlyFailed bool
}

// replayFrom is where a replay starts, and which nested records of the
// top-level step it is in are carried over.
type replayFrom struct {
	index      int    // the top-level step's
	path       string // the step's path
	onlyFailed bool
	// levels are the steps holding the path, from the outermost: a nested
	// record in the same holder's instance (container) at a step from
	// the path's on (at or after pos) ran after the replay's point.
	levels []replayLevel
	// pos is each nested step's place among its siblings.
	pos map[string]int
	// lastStatus is the last recorded status of each nested path.
	lastStatus map[string]string
	// failed are the replayed loop's failed items (failedItem), once known.
	failed map[string]bool
}

type replayLevel struct {
	container string // "each_line[3]", "route.big"
	pos       int
}

// replayPoint reads a replay's from_step against the workflow.
func replayPoint(c *workflows.Compiled, path string) (*replayFrom, error) {
	top := path[:nextIDEnd(path)]
	idx := c.StepIndex(top)
	if idx < 0 {
		return nil, fmt.Errorf("no step %q", top)
	}
	f := &replayFrom{index: idx, path: path, pos: map[string]int{}, lastStatus: map[string]string{}}
	var walk func([]*workflows.CompiledStep)
	walk = func(steps []*workflows.CompiledStep) {
		for _, s := range steps {
			f.pos[s.ID] = s.Index
			walk(s.Steps)
		}
	}
	walk(c.Steps[idx].Steps)
	if path == top {
		return f, nil
	}
	for k := 0; k < len(path); k++ {
		if path[k] != '.' {
			continue
		}
		rest := path[k+1:]
		if p, ok := f.pos[rest[:nextIDEnd(rest)]]; ok {
			f.levels = append(f.levels, replayLevel{container: path[:k], pos: p})
		}
	}
	lastID := path[strings.LastIndexByte(path, '.')+1:]
	if _, ok := f.pos[lastID[:nextIDEnd(lastID)]]; !ok || len(f.levels) == 0 {
		return nil, fmt.Errorf("no step %q (a step inside another is named by its path, such as each_line[3].send)", path)
	}
	return f, nil
}

// nextIDEnd is where the step id at the start of s ends.
func nextIDEnd(s string) int {
	if i := strings.IndexAny(s, ".["); i >= 0 {
		return i
	}
	return len(s)
}

// carries reports whether a nested record at path is carried into the
// replay: it ran before the replay's point, or it is in an item of the
// loop replayed with only its failed items, and that item did not fail.
func (f *replayFrom) carries(path string) bool {
	if path == f.path || strings.HasPrefix(path, f.path+".") {
		return false
	}
	if strings.HasPrefix(path, f.path+"[") {
		return f.onlyFailed && !f.failedItem(path)
	}
	for _, l := range f.levels {
		rest, ok := strings.CutPrefix(path, l.container+".")
		if !ok {
			continue
		}
		if p, known := f.pos[rest[:nextIDEnd(rest)]]; known && p >= l.pos {
			return false
		}
	}
	return true
}

// failedItem reports whether the loop's item path is in has a step whose
// last attempt failed.
func (f *replayFrom) failedItem(path string) bool {
	if f.failed == nil {
		f.failed = map[string]bool{}
		for p, status := range f.lastStatus {
			if status == store.StepFailed && strings.HasPrefix(p, f.path+"[") {
				f.failed[f.itemOf(p)] = true
			}
		}
	}
	return f.failed[f.itemOf(path)]
}

// itemOf is the item of the replayed loop a nested path is in:
// "each_line[3]" for "each_line[3].send".
func (f *replayFrom) itemOf(path string) string {
	end := strings.IndexByte(path[len(f.path):], ']')
	if end < 0 {
		return path
	}
	return path[:len(f.path)+end+1]
}
