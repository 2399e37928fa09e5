package workflows

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Formatters are the helpers a person picks from a list to shape a value
// in a mapping or a template ({{ formatMoney(payload.amount, "usd") }}),
// described for the editor and the docs. Each example is run by a test.
var Formatters = []Formatter{
	{"formatNumber", "formatNumber(number, decimals)", "A number with a fixed count of decimals.", `formatNumber(1234.5, 2)`, "1234.50"},
	{"formatMoney", "formatMoney(amount, currency)", "An amount with its currency's decimals and code.", `formatMoney(120, "usd")`, "120.00 USD"},
	{"formatDate", "formatDate(time, layout[, zone])", "A time as date, datetime, rfc3339, relative, or a Go layout such as 02 Jan 2006.", `formatDate("2026-05-01T12:30:00Z", "datetime", "Europe/Berlin")`, "2026-05-01 14:30"},
	{"parseDate", "parseDate(text[, layout])", "A time from text: RFC 3339, a date, or the Go layout given.", `formatDate(parseDate("01/05/2026", "02/01/2006"), "date")`, "2026-05-01"},
	{"default", "default(value, fallback)", "The value, or the fallback where it is missing or empty.", `default(nil, "none")`, "none"},
	{"truncate", "truncate(text, length)", "The text cut to at most length characters.", `truncate("Hookflow", 4)`, "Hook"},
	{"titleCase", "titleCase(text)", "Every word with a capital first letter.", `titleCase("ann lee")`, "Ann Lee"},
	{"slugify", "slugify(text)", "Lower-case letters and digits joined by dashes, for URLs and ids.", `slugify("Crème Brûlée!")`, "creme-brulee"},
	{"split", "split(text, separator)", "A list of the parts of the text between separators.", `join(split("a,b,c", ","), " ")`, "a b c"},
	{"pick", "pick(object, key...)", "An object with only the given keys.", `toJSON(pick({a: 1, b: 2, c: 3}, "a", "c"))`, "{\n  \"a\": 1,\n  \"c\": 3\n}"},
	{"omit", "omit(object, key...)", "An object without the given keys.", `toJSON(omit({a: 1, b: 2}, "b"))`, "{\n  \"a\": 1\n}"},
	{"sumBy", "sumBy(list, path)", "The sum of one field of every item.", `sumBy([{qty: 2}, {qty: "3"}], "qty")`, "5"},
	{"count", "count(list)", "How many items a list has (0 where it is missing).", `count([1, 2, 3])`, "3"},
	{"first", "first(list)", "The first item of a list.", `first(["a", "b"])`, "a"},
	{"last", "last(list)", "The last item of a list.", `last(["a", "b"])`, "b"},
}

// Formatter describes one formatter.
type Formatter struct {
	Name      string `json:"name"`
	Signature string `json:"signature"`
	Help      string `json:"help"`
	Example   string `json:"example"`
	// Result is the example's value, as text.
	Result string `json:"result"`
}

func init() {
	for name, f := range map[string]hookflowFunction{
		"formatNumber": {formatNumber, []any{new(func(any, any) string)}},
		"formatMoney":  {formatMoney, []any{new(func(any, string) string)}},
		"formatDate":   {formatDate, []any{new(func(any, string) string), new(func(any, string, string) string)}},
		"parseDate":    {parseDate, []any{new(func(string) time.Time), new(func(string, string) time.Time)}},
		"default":      {func(p ...any) (any, error) { return defaultValue(p[0], p[1]), nil }, []any{new(func(any, any) any)}},
		"truncate":     {truncate, []any{new(func(string, any) string)}},
		"titleCase":    {titleCase, []any{new(func(string) string)}},
		"slugify":      {slugify, []any{new(func(string) string)}},
		"pick":         {pickKeys(true), []any{new(func(any, ...string) map[string]any)}},
		"omit":         {pickKeys(false), []any{new(func(any, ...string) map[string]any)}},
		"sumBy":        {sumBy, []any{new(func(any, string) float64)}},
		"_count":       {countItems, []any{new(func(any) int)}},
	} {
		functions[name] = f
	}
}

func formatNumber(p ...any) (any, error) {
	n, ok := asNumber(p[0])
	if !ok {
		return nil, fmt.Errorf("formatNumber: %s is not a number", jsonTypeName(p[0]))
	}
	d, ok := toInt(p[1])
	if !ok || d < 0 || d > 20 {
		return nil, fmt.Errorf("formatNumber: decimals must be a whole number from 0 to 20")
	}
	return strconv.FormatFloat(n, 'f', d, 64), nil
}

// currencyDecimals are the currencies whose minor unit is not a hundredth.
var currencyDecimals = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

func formatMoney(p ...any) (any, error) {
	n, ok := asNumber(p[0])
	if !ok {
		return nil, fmt.Errorf("formatMoney: %s is not a number", jsonTypeName(p[0]))
	}
	cur := strings.ToUpper(strings.TrimSpace(p[1].(string)))
	d, ok := currencyDecimals[cur]
	if !ok {
		d = 2
	}
	return strconv.FormatFloat(n, 'f', d, 64) + " " + cur, nil
}

// dateLayouts are the layouts formatDate knows by name.
var dateLayouts = map[string]string{
	"date": "2006-01-02", "datetime": "2006-01-02 15:04", "rfc3339": time.RFC3339,
}

func formatDate(p ...any) (any, error) {
	t, ok := asTime(p[0])
	if !ok {
		return nil, fmt.Errorf("formatDate: %s is not a time", jsonTypeName(p[0]))
	}
	if len(p) > 2 {
		loc, err := time.LoadLocation(p[2].(string))
		if err != nil {
			return nil, fmt.Errorf("formatDate: unknown time zone %q", p[2])
		}
		t = t.In(loc)
	}
	layout := p[1].(string)
	if layout == "relative" {
		return relative(t, time.Now()), nil
	}
	if named, ok := dateLayouts[layout]; ok {
		layout = named
	}
	return t.Format(layout), nil
}

// relative says how far t is from now in words: "3 hours ago", "in 2 days".
func relative(t, now time.Time) string {
	d := t.Sub(now)
	future := d > 0
	d = d.Abs()
	var n int
	var unit string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		n, unit = int(d/time.Minute), "minute"
	case d < 24*time.Hour:
		n, unit = int(d/time.Hour), "hour"
	default:
		n, unit = int(d/(24*time.Hour)), "day"
	}
	if n != 1 {
		unit += "s"
	}
	if future {
		return fmt.Sprintf("in %d %s", n, unit)
	}
	return fmt.Sprintf("%d %s ago", n, unit)
}

func parseDate(p ...any) (any, error) {
	s := p[0].(string)
	if len(p) > 1 {
		t, err := time.Parse(p[1].(string), s)
		if err != nil {
			return nil, fmt.Errorf("parseDate: %q does not match %q", s, p[1])
		}
		return t, nil
	}
	t, ok := asTime(s)
	if !ok {
		return nil, fmt.Errorf("parseDate: %q is not an RFC 3339 time or a date", s)
	}
	return t, nil
}

func defaultValue(v, fallback any) any {
	if isEmpty(v) {
		return fallback
	}
	return v
}

func truncate(p ...any) (any, error) {
	n, ok := toInt(p[1])
	if !ok || n < 0 {
		return nil, fmt.Errorf("truncate: length must be a whole number, not negative")
	}
	s := p[0].(string)
	if r := []rune(s); len(r) > n {
		return string(r[:n]), nil
	}
	return s, nil
}

func titleCase(p ...any) (any, error) {
	words := strings.Fields(p[0].(string))
	for i, w := range words {
		r := []rune(strings.ToLower(w))
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	return strings.Join(words, " "), nil
}

// slugify folds accents away (é is e), lowers the case, and joins runs of
// letters and digits with dashes.
func slugify(p ...any) (any, error) {
	plain, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), p[0].(string))
	if err != nil {
		return nil, fmt.Errorf("slugify: %w", err)
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(plain) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String(), nil
}

// pickKeys is pick (keep the keys) or omit (leave them out).
func pickKeys(keep bool) func(p ...any) (any, error) {
	return func(p ...any) (any, error) {
		obj, _ := p[0].(map[string]any)
		named := map[string]bool{}
		for _, k := range p[1:] {
			s, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("keys must be text, got %s", jsonTypeName(k))
			}
			named[s] = true
		}
		out := map[string]any{}
		for k, v := range obj {
			if named[k] == keep {
				out[k] = v
			}
		}
		return out, nil
	}
}

func sumBy(p ...any) (any, error) {
	list, _ := p[0].([]any)
	parts, err := splitFieldPath("x." + p[1].(string))
	if err != nil {
		return nil, fmt.Errorf("sumBy: %v", err)
	}
	keys := make([]any, 0, len(parts)-1)
	for _, k := range parts[1:] {
		if isIndex(k) {
			n, _ := strconv.Atoi(k)
			keys = append(keys, n)
		} else {
			keys = append(keys, strings.TrimPrefix(k, "#"))
		}
	}
	total := 0.0
	for _, item := range list {
		v, _ := readField(append([]any{item}, keys...)...)
		if n, ok := asNumber(v); ok && !math.IsNaN(n) {
			total += n
		}
	}
	return total, nil
}

// countItems is count(list) without a condition: how many items.
func countItems(p ...any) (any, error) {
	switch x := p[0].(type) {
	case nil:
		return 0, nil
	case []any:
		return len(x), nil
	case map[string]any:
		return len(x), nil
	case string:
		return len([]rune(x)), nil
	}
	return lengthOf(p[0]), nil
}
