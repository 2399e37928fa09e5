package apps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/hookflow/hookflow/workflows"
)

// Error is what is wrong with an app document, placed at its file, its
// action and the field: "apps/crm.json: action create_lead:
// request.url: must start with http://, https:// or {{ with.NAME }}".
type Error struct {
	// File is the document's path (or "shipped/slack.json").
	File string
	// Action is the id of the action at fault, "" for the app's own
	// fields; where the action has no usable id, its place: actions[2].
	Action string
	// Field is the path of the field at fault within the app or the
	// action (request.body.text, fields[1].options).
	Field   string
	Message string
}

func (e *Error) Error() string {
	var parts []string
	if e.File != "" {
		parts = append(parts, e.File)
	}
	if e.Action != "" {
		parts = append(parts, "action "+e.Action)
	}
	if e.Field != "" {
		parts = append(parts, e.Field)
	}
	return strings.Join(append(parts, e.Message), ": ")
}

// Decode reads an app document strictly (a field it does not know is
// refused) and validates it; file names the document in errors.
func Decode(data []byte, file string) (*App, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, &Error{File: file, Message: "is empty"}
	}
	a := &App{}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(a); err != nil {
		return nil, &Error{File: file, Message: decodeMessage(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{File: file, Message: "unexpected data after the app object"}
	}
	if err := Validate(a, file); err != nil {
		return nil, err
	}
	return a, nil
}

// IsApp reports whether a JSON document says it is an app document
// (its "format" is hookflow/app-v1).
func IsApp(data []byte) bool {
	var probe struct {
		Format string `json:"format"`
	}
	return json.Unmarshal(data, &probe) == nil && probe.Format == Format
}

// decodeMessage words a decoding error plainly.
func decodeMessage(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("not valid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("%s: must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return fmt.Sprintf("must be an object, not %s", typ.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(k string) string {
	switch k {
	case "slice":
		return "a list"
	case "struct", "map":
		return "an object"
	case "string":
		return "text"
	case "bool":
		return "true or false"
	}
	return "a " + k
}

var (
	appIDPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	nameIDPattern  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	headerPattern  = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	refPattern     = regexp.MustCompile(`^\s*with\.([a-z][a-z0-9_]*)\s*$`)
	maxIconBytes   = 32 << 10
	fieldKindNames = []string{workflows.ValueText, workflows.ValueTemplate, workflows.ValueSecret,
		workflows.ValueNumber, workflows.ValueBoolean, workflows.ValueSelect, workflows.ValueJSON}
)

// FieldKinds are the kinds of value an app's field may hold.
func FieldKinds() []string { return append([]string(nil), fieldKindNames...) }

// Validate checks an app document; file names it in errors.
func Validate(a *App, file string) error {
	fail := func(field, format string, args ...any) error {
		return &Error{File: file, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case a.Format == "":
		return fail("format", "is required (%s)", Format)
	case a.Format != Format:
		return fail("format", "must be %s, not %q", Format, a.Format)
	case a.ID == "":
		return fail("id", "is required")
	case !appIDPattern.MatchString(a.ID):
		return fail("id", "must be lower-case letters, digits, _ and -, starting with a letter or digit (at most 64)")
	case strings.TrimSpace(a.Name) == "":
		return fail("name", "is required")
	case strings.TrimSpace(a.Category) == "":
		return fail("category", "is required (the gallery groups apps by it)")
	case len(a.Actions) == 0:
		return fail("actions", "at least one action is required")
	}
	if a.Icon != "" {
		if !strings.HasPrefix(strings.TrimSpace(a.Icon), "<svg") {
			return fail("icon", "must be an SVG document, starting with <svg")
		}
		if len(a.Icon) > maxIconBytes {
			return fail("icon", "is over %d KiB", maxIconBytes>>10)
		}
	}
	seen := map[string]bool{}
	for i := range a.Actions {
		x := &a.Actions[i]
		name := x.ID
		if !nameIDPattern.MatchString(x.ID) {
			name = fmt.Sprintf("actions[%d]", i)
		}
		if err := validateAction(x); err != nil {
			err.File, err.Action = file, name
			return err
		}
		if seen[x.ID] {
			return &Error{File: file, Action: name, Field: "id", Message: "is used by an earlier action"}
		}
		seen[x.ID] = true
	}
	return nil
}

func validateAction(x *Action) *Error {
	fail := func(field, format string, args ...any) *Error {
		return &Error{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case x.ID == "":
		return fail("id", "is required")
	case !nameIDPattern.MatchString(x.ID):
		return fail("id", "must be lower-case letters, digits and _, starting with a letter")
	case strings.TrimSpace(x.Title) == "":
		return fail("title", "is required")
	}
	fields := map[string]bool{}
	for i, f := range x.Fields {
		at := fmt.Sprintf("fields[%d]", i)
		switch {
		case f.Name == "":
			return fail(at+".name", "is required")
		case !nameIDPattern.MatchString(f.Name):
			return fail(at+".name", "must be lower-case letters, digits and _, starting with a letter")
		case fields[f.Name]:
			return fail(at+".name", "%q is used by an earlier field", f.Name)
		case strings.TrimSpace(f.Label) == "":
			return fail(at+".label", "is required")
		case !contains(fieldKindNames, f.Kind):
			return fail(at+".kind", "must be one of %s", strings.Join(fieldKindNames, ", "))
		case f.Kind == workflows.ValueSelect && len(f.Options) == 0:
			return fail(at+".options", "a select needs options")
		case f.Kind != workflows.ValueSelect && len(f.Options) > 0:
			return fail(at+".options", "only a select has options")
		case len(f.Fields) > 0 || f.Item != nil:
			return fail(at, "an app's field holds one value: no fields or item")
		}
		for j, o := range f.Options {
			if o.Value == "" || strings.Contains(o.Value, "{{") || strings.Contains(o.Value, "}}") {
				return fail(fmt.Sprintf("%s.options[%d].value", at, j), "must be text, without {{ }}")
			}
		}
		if f.Default != nil {
			if why := defaultFits(f); why != "" {
				return fail(at+".default", "%s", why)
			}
		}
		fields[f.Name] = true
	}
	return validateRequest(&x.Request, fields)
}

func validateRequest(r *Request, fields map[string]bool) *Error {
	fail := func(field, format string, args ...any) *Error {
		return &Error{Field: "request." + field, Message: fmt.Sprintf(format, args...)}
	}
	if r.Method != "" && !workflows.ValidMethod(r.Method) {
		return fail("method", "unknown HTTP method %q", r.Method)
	}
	if r.URL == "" {
		return fail("url", "is required")
	}
	parts, err := parseTemplate(r.URL, fields)
	if err != nil {
		return fail("url", "%v", err)
	}
	if parts[0].Field == "" && !strings.HasPrefix(parts[0].Literal, "http://") && !strings.HasPrefix(parts[0].Literal, "https://") {
		return fail("url", "must start with http://, https:// or {{ with.NAME }}")
	}
	names := make([]string, 0, len(r.Headers))
	for name := range r.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := r.Headers[name]
		if !headerPattern.MatchString(name) {
			return fail("headers", "invalid header name %q", name)
		}
		if _, err := parseTemplate(v, fields); err != nil {
			return fail("headers."+name, "%v", err)
		}
	}
	switch r.BodyFormat {
	case "", "json", "form", "multipart", "xml", "text":
	default:
		return fail("body_format", "must be json, form, multipart, xml or text")
	}
	body := bytes.TrimSpace(r.Body)
	switch {
	case len(body) == 0:
	case body[0] == '"':
		if r.BodyFormat != "text" && r.BodyFormat != "xml" {
			return fail("body", "must be an object of the body's keys and their values (a string, a template, is for body_format text or xml)")
		}
		var s string
		if err := json.Unmarshal(body, &s); err != nil {
			return fail("body", "not a JSON string: %v", err)
		}
		if _, err := parseTemplate(s, fields); err != nil {
			return fail("body", "%v", err)
		}
	case r.BodyFormat == "text":
		return fail("body", "with body_format text, must be a string (a template)")
	default:
		m := &workflows.Mapping{}
		if err := m.UnmarshalJSON(body); err != nil {
			return fail("body", "must be an object of the body's keys and their values")
		}
		for _, f := range m.Fields {
			if f.Key == "" || strings.HasPrefix(f.Key, ".") || strings.HasSuffix(f.Key, ".") || strings.Contains(f.Key, "..") {
				return fail("body."+f.Key, "a key may not be empty or have an empty part between dots")
			}
			var v any
			if err := json.Unmarshal(f.Value, &v); err != nil {
				return fail("body."+f.Key, "not a JSON value: %v", err)
			}
			if err := checkBodyValue(v, fields, false); err != nil {
				return fail("body."+f.Key+err.at, "%s", err.msg)
			}
		}
	}
	if r.ContentType != "" && strings.ContainsAny(r.ContentType, "\r\n") {
		return fail("content_type", "may not hold a line break")
	}
	return nil
}

type valueErr struct{ at, msg string }

// checkBodyValue checks the templates of a body value; deep: the value
// is inside an object or a list, where a string with {{ }} must be
// exactly one field.
func checkBodyValue(v any, fields map[string]bool, deep bool) *valueErr {
	switch x := v.(type) {
	case string:
		parts, err := parseTemplate(x, fields)
		if err != nil {
			return &valueErr{msg: err.Error()}
		}
		if deep && len(parts) > 1 || deep && len(parts) == 1 && parts[0].Field == "" && strings.Contains(x, "{{") {
			return &valueErr{msg: "inside an object or a list, a string with {{ }} must be exactly {{ with.NAME }}"}
		}
	case map[string]any:
		for k, e := range x {
			if err := checkBodyValue(e, fields, true); err != nil {
				err.at = "." + k + err.at
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := checkBodyValue(e, fields, true); err != nil {
				err.at = fmt.Sprintf("[%d]%s", i, err.at)
				return err
			}
		}
	}
	return nil
}

// Part is a piece of an app's template: literal text, or a field's value.
type Part struct {
	Literal string
	// Field is the name of the field whose value goes here ("" for
	// literal text).
	Field string
}

// Parse splits an app's template into its parts; every {{ }} must be
// {{ with.NAME }}.
func Parse(s string) ([]Part, error) { return parseTemplate(s, nil) }

// parseTemplate is Parse, checking each field is one of fields (nil: any).
func parseTemplate(s string, fields map[string]bool) ([]Part, error) {
	var out []Part
	rest := s
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" || len(out) == 0 {
				out = append(out, Part{Literal: rest})
			}
			return out, nil
		}
		if i > 0 {
			out = append(out, Part{Literal: rest[:i]})
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return nil, errors.New("unclosed {{")
		}
		m := refPattern.FindStringSubmatch(rest[i+2 : i+2+j])
		if m == nil {
			return nil, fmt.Errorf("{{%s}}: an app's template may only hold {{ with.NAME }}, a field of the action", rest[i+2:i+2+j])
		}
		if fields != nil && !fields[m[1]] {
			return nil, fmt.Errorf("{{ with.%s }}: the action has no field %q", m[1], m[1])
		}
		out = append(out, Part{Field: m[1]})
		rest = rest[i+2+j+2:]
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// defaultFits says why a field's default does not suit its kind ("" where
// it does).
func defaultFits(f workflows.Field) string {
	switch f.Kind {
	case workflows.ValueSelect:
		if s, _ := f.Default.(string); !hasOption(f.Options, s) {
			return "must be one of the options"
		}
	case workflows.ValueNumber:
		if _, ok := f.Default.(float64); !ok {
			return "must be a number"
		}
	case workflows.ValueBoolean:
		if _, ok := f.Default.(bool); !ok {
			return "must be true or false"
		}
	case workflows.ValueText, workflows.ValueTemplate, workflows.ValueSecret:
		if _, ok := f.Default.(string); !ok {
			return "must be text"
		}
	}
	return ""
}

func hasOption(opts []workflows.Option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

// MethodOrPost is the request's method, POST where it gives none.
func (r *Request) MethodOrPost() string {
	if r.Method == "" {
		return http.MethodPost
	}
	return r.Method
}
