package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/triggers"
)

// With Config.EditorURL set, the editor and the admin API answer on its
// host name only, and trigger URLs on any other only: a trigger's answer
// (which a sync workflow shapes) never shares the editor's origin, nor its
// cookies. Health and metrics answer on every host name, for probes that
// call by address.

// CheckEditorURL checks an editor URL against the public base URL: an
// http(s) origin, and another host name than base's (which must be set, or
// trigger URLs would be built on the editor's host, where they do not
// answer).
func CheckEditorURL(editorURL, baseURL string) error {
	eu, err := parseOrigin(editorURL)
	if err != nil {
		return fmt.Errorf("--editor-url %q: %w", editorURL, err)
	}
	if baseURL == "" {
		return errors.New("--editor-url needs --base-url, the public URL trigger URLs are built on, on another host name")
	}
	bu, err := url.Parse(baseURL)
	if err != nil || bu.Host == "" {
		return fmt.Errorf("--base-url %q: not a URL such as https://hooks.example.com", baseURL)
	}
	if originHost(bu) == originHost(eu) {
		return fmt.Errorf("--editor-url and --base-url both name %s: trigger answers would share the editor's origin", bu.Host)
	}
	return nil
}

// parseOrigin reads an http(s) URL with a host name and no path.
func parseOrigin(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("not an http(s) URL such as https://admin.example.com")
	}
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("must be an origin alone, such as https://admin.example.com, without a path")
	}
	return u, nil
}

// originHost is u's host as requests name it: lower case, without the
// scheme's default port.
func originHost(u *url.URL) string {
	return normalHost(u.Host, u.Scheme)
}

// normalHost is a Host header in lower case without scheme's default port.
func normalHost(host, scheme string) string {
	host = strings.ToLower(host)
	def := ":80"
	if scheme == "https" {
		def = ":443"
	}
	return strings.TrimSuffix(host, def)
}

// hookPath reports whether a request path is under /hooks, where trigger
// URLs are.
func hookPath(p string) bool { return p == "/hooks" || strings.HasPrefix(p, "/hooks/") }

// editorHostOnly is the middleware that splits the host names (see above).
func editorHostOnly(editor *url.URL) gin.HandlerFunc {
	host := originHost(editor)
	return func(c *gin.Context) {
		p := c.Request.URL.Path
		onEditor := normalHost(c.Request.Host, editor.Scheme) == host
		switch {
		case hookPath(p):
			if onEditor {
				abort(c, http.StatusNotFound, "not_found", "trigger URLs are not served on the editor's host name")
				return
			}
		case p == "/healthz" || p == "/readyz" || p == "/metrics":
		default:
			if !onEditor {
				abort(c, http.StatusNotFound, "not_found", "no such route")
				return
			}
		}
		c.Next()
	}
}

// inertHooks makes every answer under /hooks/ inert (triggers.MakeInert),
// those gin writes itself included (a redirect for a trailing slash is
// written before any handler runs).
func inertHooks(w http.ResponseWriter, r *http.Request) {
	if hookPath(r.URL.Path) {
		triggers.MakeInert(w.Header())
	}
}
