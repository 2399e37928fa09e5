package triggers

import "net/http"

// inertCSP is the Content-Security-Policy of every answer to a trigger URL:
// a document that runs no script, loads nothing and has an origin of its
// own (sandbox), so a page a sync workflow answers with (text/html with a
// caller's values in it, say) can do nothing on Hookflow's host, where the
// editor and its login may be.
const inertCSP = "sandbox; default-src 'none'"

// MakeInert sets the headers that keep an answer to a trigger URL inert in
// a browser: inertCSP, and nosniff, so the answer is never taken for a type
// other than the one it says. Every answer under /hooks/ carries them.
func MakeInert(h http.Header) {
	h.Set("Content-Security-Policy", inertCSP)
	h.Set("X-Content-Type-Options", "nosniff")
}
