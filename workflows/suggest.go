package workflows

import (
	"fmt"
	"sort"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// A field path a person types by hand is often a letter off ("amout").
// Against a sample, such a path reads as null without an error, and the
// mistake shows only as a null further on; FieldHints names it, and the
// field the sample has that is nearest by edit distance.

// FieldPath is a path into the environment an expression reads with
// constant names: payload.data.amount is {"payload", "data", "amount"};
// an index into a list is an int.
type FieldPath []any

// String writes the path as an expression would: payload.items[0].sku.
func (p FieldPath) String() string {
	var b strings.Builder
	for i, seg := range p {
		switch s := seg.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

// FieldPaths lists the field paths a program reads from payload, steps
// and vars with constant names, in the order they appear, each once.
func FieldPaths(p *vm.Program) []FieldPath {
	if p == nil {
		return nil
	}
	v := &pathVisitor{seen: map[string]bool{}}
	node := p.Node()
	ast.Walk(&node, v)
	return v.paths
}

type pathVisitor struct {
	paths []FieldPath
	seen  map[string]bool
}

func (v *pathVisitor) Visit(node *ast.Node) {
	m, ok := (*node).(*ast.MemberNode)
	if !ok {
		return
	}
	p, ok := memberPath(m)
	if !ok {
		return
	}
	switch p[0] {
	case "payload", "steps", "vars":
	default:
		return
	}
	if k := p.String(); !v.seen[k] {
		v.seen[k] = true
		v.paths = append(v.paths, p)
	}
}

// memberPath is the path of a member chain that starts at a name and has
// only constant steps.
func memberPath(n ast.Node) (FieldPath, bool) {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		return FieldPath{n.Value}, true
	case *ast.ChainNode:
		return memberPath(n.Node)
	case *ast.MemberNode:
		head, ok := memberPath(n.Node)
		if !ok {
			return nil, false
		}
		switch prop := n.Property.(type) {
		case *ast.StringNode:
			return append(head, prop.Value), true
		case *ast.IntegerNode:
			return append(head, prop.Value), true
		}
	}
	return nil, false
}

// FieldHints says, for each field path p reads that env lacks, which part
// is missing and the nearest name there: "field amout is not in the
// sample; did you mean amount?". A path into a step env has no output for
// (one not run on the sample) is not checked.
func FieldHints(p *vm.Program, env map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	for _, path := range FieldPaths(p) {
		if path[0] == "steps" && len(path) > 1 {
			steps, _ := env["steps"].(map[string]any)
			if _, ran := steps[fmt.Sprint(path[1])]; !ran {
				continue
			}
		}
		if h := MissingField(env, path); h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// MissingField checks one path against env (whose keys are the path's
// roots): "" where every part of it is there (or where it goes into
// something that is not an object, which expr reports itself), else what
// is missing and, when one is near, the name the author likely meant.
func MissingField(env map[string]any, path FieldPath) string {
	var cur any = env
	for i, seg := range path {
		switch s := seg.(type) {
		case int:
			list, ok := cur.([]any)
			if !ok || s < 0 || s >= len(list) {
				return ""
			}
			cur = list[s]
		case string:
			obj, ok := cur.(map[string]any)
			if !ok {
				return ""
			}
			next, ok := obj[s]
			if !ok {
				if i == 0 {
					return ""
				}
				return missingMessage(path[:i], s, obj)
			}
			cur = next
		}
	}
	return ""
}

// missingMessage says that name is not in obj (reached by parent) and
// suggests the nearest key. Paths into the payload are named without
// "payload.", as a person reading the sample sees them.
func missingMessage(parent FieldPath, name string, obj map[string]any) string {
	shown := func(last string) string {
		p := append(append(FieldPath{}, parent...), last)
		if p[0] == "payload" {
			p = p[1:]
		}
		return p.String()
	}
	where := "the sample"
	if parent[0] != "payload" {
		where = parent.String()
	}
	msg := fmt.Sprintf("field %s is not in %s", shown(name), where)
	if near := Nearest(name, keys(obj)); near != "" {
		msg += fmt.Sprintf("; did you mean %s?", shown(near))
	}
	return msg
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Nearest is the candidate nearest to name by edit distance (letters
// added, removed, changed or two swapped), case aside, where it is near
// enough to be a slip: at most 1 edit for names of up to 4 letters, 2
// up to 8, 3 beyond. "" where none is.
func Nearest(name string, candidates []string) string {
	limit := 3
	switch n := len([]rune(name)); {
	case n <= 4:
		limit = 1
	case n <= 8:
		limit = 2
	}
	best, bestD := "", limit+1
	for _, c := range candidates {
		if c == name {
			continue
		}
		if d := editDistance(strings.ToLower(name), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b: the
// Levenshtein distance, with a swap of two neighbours one edit.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
