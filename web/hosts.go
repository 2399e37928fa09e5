package web

import (
	"net/http"
	"strings"

	"github.com/hookflow/hookflow/triggers"
)

// hookPath reports whether a request path is under /hooks, where trigger
// URLs are.
func hookPath(p string) bool { return p == "/hooks" || strings.HasPrefix(p, "/hooks/") }

// inertHooks makes every answer under /hooks/ inert (triggers.MakeInert),
// those gin writes itself included (a redirect for a trailing slash is
// written before any handler runs).
func inertHooks(w http.ResponseWriter, r *http.Request) {
	if hookPath(r.URL.Path) {
		triggers.MakeInert(w.Header())
	}
}
