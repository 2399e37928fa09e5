package workflows

import (
	"fmt"
	"time"
)

// What values take in memory, as the budget counts it: close to what Go
// allocates for them, so that the memory limit is about real memory.
const (
	// elemBytes is an element of a list (an interface value).
	elemBytes = 16
	// entryBytes is a map entry beside its key's text: the key's header,
	// the value, and the map's own overhead.
	entryBytes = 48
	// scalarBytes is a number, boolean, time or null held in an interface.
	scalarBytes = 16
	// maxValueDepth is the deepest nesting a value may have: what Go's JSON
	// decoder reads back, so that whatever a step records can be resumed.
	maxValueDepth = 10000
)

// errTooDeep is returned for a value nested past maxValueDepth.
var errTooDeep = fmt.Errorf("%w: it built a value nested more than %d levels deep", ErrLimit, maxValueDepth)

// dataBytes estimates the memory v holds, counting a part each time it is
// reached (as an encoder writes it, so a list holding the same list twice,
// twenty levels down, counts its million copies). It stops as soon as the
// count passes max, so its cost is bounded by max whatever v is.
func dataBytes(v any, max int) (int, error) {
	w := sizeWalk{max: max}
	w.walk(v, 0)
	return w.n, w.err
}

type sizeWalk struct {
	n, max int
	err    error
}

func (w *sizeWalk) walk(v any, depth int) {
	if w.n > w.max || w.err != nil {
		return
	}
	if depth > maxValueDepth {
		w.err = errTooDeep
		return
	}
	switch x := v.(type) {
	case string:
		w.n += len(x) + elemBytes
	case []any:
		w.n += 24 + len(x)*elemBytes
		for _, e := range x {
			if w.n > w.max || w.err != nil {
				return
			}
			w.walk(e, depth+1)
		}
	case map[string]any:
		w.n += 48 + len(x)*entryBytes
		for k, e := range x {
			if w.n > w.max || w.err != nil {
				return
			}
			w.n += len(k)
			w.walk(e, depth+1)
		}
	case []string:
		w.n += 24 + len(x)*elemBytes
		for _, s := range x {
			w.n += len(s)
		}
	case []int:
		w.n += 24 + len(x)*8
	case []float64:
		w.n += 24 + len(x)*8
	case nil, bool, int, int64, float64, time.Time, time.Duration:
		w.n += scalarBytes
	default:
		// Other Go values (typed maps from the trigger, structs) come from
		// Hookflow itself, not from what an expression built.
		w.n += scalarBytes
	}
}
