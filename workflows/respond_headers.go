package workflows

import (
	"net/textproto"
	"sort"
	"strings"
)

// A sync trigger's answer is served on Hookflow's own host name, which may
// be the editor's. Hookflow makes every such answer inert there (a
// sandboxing Content-Security-Policy, nosniff); a respond step may not undo
// that, nor set anything a browser keeps for the whole host. Headers that
// only shape this one answer stay the author's: Content-Type, Location
// (redirects), Link (pagination), Cache-Control and the like.

const (
	refusedCookie = "a trigger's answer may not set cookies: it is served on Hookflow's host, " +
		"where the editor's login is a cookie"
	refusedPolicy = "Hookflow sets the security headers of a trigger's answer itself " +
		"(it is sandboxed and never sniffed); a respond step may not change them"
	refusedCORS = "a trigger's answer may not open itself to scripts of other sites (CORS)"
	refusedHost = "a browser applies it to every page of Hookflow's host, the editor included, " +
		"not only to this answer"
)

// refusedResponseHeaders are the respond step's refused headers, by
// canonical name, with why.
var refusedResponseHeaders = map[string]string{
	"Set-Cookie":  refusedCookie,
	"Set-Cookie2": refusedCookie,

	"Content-Security-Policy":             refusedPolicy,
	"Content-Security-Policy-Report-Only": refusedPolicy,
	"X-Content-Type-Options":              refusedPolicy,
	"X-Frame-Options":                     refusedPolicy,
	"X-Xss-Protection":                    refusedPolicy,
	"Referrer-Policy":                     refusedPolicy,
	"Permissions-Policy":                  refusedPolicy,
	"Feature-Policy":                      refusedPolicy,
	"Document-Policy":                     refusedPolicy,
	"Origin-Agent-Cluster":                refusedPolicy,

	"Timing-Allow-Origin": refusedCORS,

	"Strict-Transport-Security": refusedHost,
	"Clear-Site-Data":           refusedHost,
	"Alt-Svc":                   refusedHost,
	"Nel":                       refusedHost,
	"Report-To":                 refusedHost,
	"Reporting-Endpoints":       refusedHost,
	"Accept-Ch":                 refusedHost,
	"Critical-Ch":               refusedHost,
	"Service-Worker-Allowed":    refusedHost,
}

// refusedResponsePrefixes are families of refused headers.
var refusedResponsePrefixes = []struct{ prefix, why string }{
	{"Access-Control-", refusedCORS}, // CORS
	{"Cross-Origin-", refusedPolicy}, // COOP, COEP, CORP
}

// RefusedResponseHeader says why a respond step may not set the header
// name, or "" when it may.
func RefusedResponseHeader(name string) string {
	name = textproto.CanonicalMIMEHeaderKey(name)
	if why, ok := refusedResponseHeaders[name]; ok {
		return why
	}
	for _, p := range refusedResponsePrefixes {
		if strings.HasPrefix(name, p.prefix) {
			return p.why
		}
	}
	return ""
}

// DropRefusedResponseHeaders removes from w's respond steps the headers
// RefusedResponseHeader refuses, and returns their fields (such as
// "steps[2].headers.Set-Cookie"). It is for revisions stored before a
// header was refused: Compile refuses a definition that has one, but a
// stored revision must still run, without it.
func DropRefusedResponseHeaders(w *Workflow) []string {
	var dropped []string
	for i := range w.Steps {
		s := &w.Steps[i]
		if s.Type != StepRespond {
			continue
		}
		names := make([]string, 0, len(s.Headers))
		for name := range s.Headers {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if RefusedResponseHeader(name) != "" {
				delete(s.Headers, name)
				dropped = append(dropped, stepField(i, "headers."+name))
			}
		}
	}
	return dropped
}
