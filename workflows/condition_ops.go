package workflows

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm/runtime"
)

// The functions a match object is compiled into (condition.go): _path
// reads a field, giving nil where a part is missing; _rule applies an
// operator; _text writes a value into a template's text.

func init() {
	functions["_path"] = hookflowFunction{readField, []any{new(func(any, ...any) any)}}
	functions["_rule"] = hookflowFunction{applyRule, []any{new(func(string, any, any) bool)}}
	functions["_text"] = hookflowFunction{func(p ...any) (any, error) { return Stringify(p[0]), nil }, []any{new(func(any) string)}}
}

// readField walks v by keys (strings, in maps) and indexes (ints, in
// lists): nil where a part is missing or of another kind.
func readField(params ...any) (any, error) {
	v := params[0]
	for _, k := range params[1:] {
		switch key := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, nil
			}
			v = m[key]
		case int:
			l, ok := v.([]any)
			if !ok || key < 0 || key >= len(l) {
				return nil, nil
			}
			v = l[key]
		default:
			return nil, nil
		}
	}
	return v, nil
}

// applyRule applies a rule's operator to the field's value a and the
// rule's value b. Numbers compare as numbers, a numeric string against a
// number too; times as times (a time, an RFC 3339 string, unix seconds).
func applyRule(params ...any) (any, error) {
	op, a, b := params[0].(string), params[1], params[2]
	switch op {
	case "eq":
		return looseEqual(a, b), nil
	case "ne":
		return !looseEqual(a, b), nil
	case "gt", "gte", "lt", "lte":
		c, ok := compare(a, b)
		if !ok {
			return false, nil
		}
		return map[string]bool{"gt": c > 0, "gte": c >= 0, "lt": c < 0, "lte": c <= 0}[op], nil
	case "contains":
		return contains(a, b), nil
	case "not_contains":
		return !contains(a, b), nil
	case "starts_with", "ends_with":
		s, ok1 := a.(string)
		p, ok2 := b.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		if op == "starts_with" {
			return strings.HasPrefix(s, p), nil
		}
		return strings.HasSuffix(s, p), nil
	case "matches":
		s, ok1 := a.(string)
		p, ok2 := b.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		if len(p) > maxPatternBytes*4 {
			return nil, fmt.Errorf("%w: a pattern may be at most %d bytes long", ErrLimit, maxPatternBytes*4)
		}
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("matches: %w", err)
		}
		return re.MatchString(s), nil
	case "in", "not_in":
		list, _ := b.([]any)
		found := false
		for _, e := range list {
			found = found || looseEqual(a, e)
		}
		return found == (op == "in"), nil
	case "exists":
		return a != nil, nil
	case "not_exists":
		return a == nil, nil
	case "is_empty", "not_empty":
		return isEmpty(a) == (op == "is_empty"), nil
	case "is_true", "is_false":
		want := op == "is_true"
		switch x := a.(type) {
		case bool:
			return x == want, nil
		case string:
			return strings.EqualFold(x, strconv.FormatBool(want)), nil
		}
		return false, nil
	case "before", "after":
		ta, ok1 := asTime(a)
		tb, ok2 := asTime(b)
		if !ok1 || !ok2 {
			return false, nil
		}
		if op == "before" {
			return ta.Before(tb), nil
		}
		return ta.After(tb), nil
	}
	return nil, fmt.Errorf("unknown operator %q", op)
}

// looseEqual compares as a person reads the values: numbers by value
// (a numeric string against a number too), times as times, the rest as
// they are.
func looseEqual(a, b any) bool {
	if na, ok := asNumber(a); ok {
		if nb, ok := asNumber(b); ok && (isNumber(a) || isNumber(b)) {
			return na == nb
		}
	}
	if ta, ok := a.(time.Time); ok {
		if tb, ok := asTime(b); ok {
			return ta.Equal(tb)
		}
	}
	if tb, ok := b.(time.Time); ok {
		if ta, ok := asTime(a); ok {
			return ta.Equal(tb)
		}
	}
	return runtime.Equal(a, b)
}

// compare orders two numbers, two times (one a time, the other a string
// or a number), or two strings.
func compare(a, b any) (int, bool) {
	if na, ok := asNumber(a); ok {
		if nb, ok := asNumber(b); ok {
			return cmpFloat(na, nb), true
		}
	}
	_, at := a.(time.Time)
	_, bt := b.(time.Time)
	if at || bt {
		ta, ok1 := asTime(a)
		tb, ok2 := asTime(b)
		if ok1 && ok2 {
			return ta.Compare(tb), true
		}
		return 0, false
	}
	if sa, ok := a.(string); ok {
		if sb, ok := b.(string); ok {
			if ta, ok := asTime(sa); ok {
				if tb, ok := asTime(sb); ok {
					return ta.Compare(tb), true
				}
			}
			return strings.Compare(sa, sb), true
		}
	}
	return 0, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, int64, float64:
		return true
	}
	return false
}

// asNumber reads a number, or a string that is one.
func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && strings.TrimSpace(x) != ""
	}
	return 0, false
}

// asTime reads a time: a time, an RFC 3339 string (or a date), or unix
// seconds.
func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, strings.TrimSpace(x)); err == nil {
				return t, true
			}
		}
	case int, int64, float64:
		f, _ := asNumber(x)
		return time.Unix(0, int64(f*1e9)), true
	}
	return time.Time{}, false
}

func contains(a, b any) bool {
	switch x := a.(type) {
	case string:
		s, ok := b.(string)
		if !ok {
			s = Stringify(b)
		}
		return strings.Contains(x, s)
	case []any:
		for _, e := range x {
			if looseEqual(e, b) {
				return true
			}
		}
	case map[string]any:
		k, ok := b.(string)
		_, has := x[k]
		return ok && has
	}
	return false
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.String, reflect.Array:
		return rv.Len() == 0
	}
	return false
}
