package workflows

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// A URL template's parts are placed so that a value from the event cannot
// change where the request goes:
//
//   - An expression that starts the URL is inserted as it gives: the whole
//     URL, or its scheme and host, is the workflow author's choice.
//   - A part that reads only the workflow's own values (vars, secrets, run,
//     constants) is inserted as written, as the author wrote it.
//   - A part that reads the event (payload, trigger, steps) is escaped for
//     where it lands: in the path every character but letters, digits and
//     "-._~" is percent-encoded, and a "." or ".." segment too; in the
//     query, as a query value. It may not land in the scheme, host or port:
//     a workflow that puts it there is refused when saved, and a run where
//     it would land there (after a leading expression that gave no path)
//     fails the step. A part that is urlEncode(...) is taken as escaped.
//
// So "http://host{{ payload.path }}" is refused, and "{{ vars.base }}/a/
// {{ payload.id }}" sends "../x?y=@evil/" as one path segment.

// eventRoots are the names of the environment whose values come from the
// event (or, for a poll trigger, from the API polled), and $env which
// holds them all.
var eventRoots = []string{"payload", "trigger", "steps", "item", "state", "response", "$env"}

// errEventInHost: a value from the event would be part of the host.
var errEventInHost = errors.New("a value from the event may not be part of the URL's scheme, host or port; start the URL with the expression instead (e.g. {{ vars.base_url }}/path)")

// CompileURLTemplate compiles a template for a URL (see above).
func CompileURLTemplate(s string) (*Template, error) {
	t, err := CompileTemplate(s)
	if err != nil {
		return nil, err
	}
	t.url = true
	// Where each part lands is known here unless the URL starts with an
	// expression; then it is checked as the URL is rendered.
	known := len(t.parts) > 0 && t.parts[0].program == nil
	prefix := ""
	for i := range t.parts {
		p := &t.parts[i]
		if p.program == nil {
			prefix += p.literal
			continue
		}
		if i > 0 {
			p.fromEvent = readsEvent(p.program)
			p.escaped = isURLEncodeCall(p.program)
		}
		if known && p.fromEvent && urlPlace(prefix) == placeHost {
			return nil, &FieldError{Message: errEventInHost.Error()}
		}
		prefix += "x" // the workflow's own value: a name, a path, anything
	}
	return t, nil
}

// readsEvent reports whether a program names a value from the event.
func readsEvent(p *vm.Program) bool {
	for _, name := range eventRoots {
		v := identifiers{name: name}
		node := p.Node()
		ast.Walk(&node, &v)
		if v.found {
			return true
		}
	}
	return false
}

// isURLEncodeCall reports whether a program is a call of urlEncode.
func isURLEncodeCall(p *vm.Program) bool {
	c, ok := p.Node().(*ast.CallNode)
	if !ok {
		return false
	}
	id, ok := c.Callee.(*ast.IdentifierNode)
	return ok && id.Value == "urlEncode"
}

// The places of a URL a value can land in.
const (
	placeHost = iota // scheme, user, host or port
	placePath
	placeQuery
	placeFragment
)

// urlPlace tells where text appended to prefix lands.
func urlPlace(prefix string) int {
	if strings.Contains(prefix, "#") {
		return placeFragment
	}
	if strings.Contains(prefix, "?") {
		return placeQuery
	}
	rest := prefix
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	} else if !strings.HasPrefix(prefix, "/") {
		return placeHost // the scheme is not complete
	}
	if strings.Contains(rest, "/") || strings.HasPrefix(prefix, "/") {
		return placePath
	}
	return placeHost
}

// placeURLValue escapes a value from the event for where it lands after
// prefix (what the template rendered before it).
func placeURLValue(prefix, v string, escaped bool) (string, error) {
	place := urlPlace(prefix)
	switch {
	case place == placeHost:
		return "", errEventInHost
	case escaped:
	case place == placeQuery:
		v = url.QueryEscape(v)
	default:
		v = escapeSegment(v)
	}
	if place == placePath && strings.Trim(v, ".") == "" {
		v = strings.ReplaceAll(v, ".", "%2E") // not a dot segment
	}
	return v, nil
}

// escapeSegment percent-encodes every byte but the unreserved ones.
func escapeSegment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
