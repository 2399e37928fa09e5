package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
)

// The editor is plain HTML, CSS and JavaScript in ui/, embedded in the
// binary: no build step, nothing loaded from another host. index.html is
// answered for "/" and, as a single-page app's fallback, for any other
// unknown GET a browser makes outside /api/ and /hooks/ (API clients, which
// do not ask for text/html, keep getting the JSON 404). Static files live
// under /assets/.

//go:embed ui
var uiFiles embed.FS

// editorCSP keeps the editor to its own origin: no inline script, no
// framing, no requests to other hosts.
const editorCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// asset is one embedded file, read once with its ETag.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// editor serves the embedded UI.
type editor struct {
	index  asset
	assets map[string]asset // by path under /assets/
}

func newEditor() *editor {
	sub, err := fs.Sub(uiFiles, "ui")
	if err != nil {
		panic("web: embedded ui: " + err.Error()) // the embed is fixed at build time
	}
	e := &editor{assets: make(map[string]asset)}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a := asset{body: b, ctype: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		if p == "index.html" {
			e.index = a
		} else {
			e.assets["/"+p] = a
		}
		return nil
	})
	if err != nil || e.index.body == nil {
		panic("web: embedded ui is incomplete")
	}
	return e
}

// registerEditor adds the editor's routes and makes the router's 404
// handler fall back to index.html for browser navigations.
func (s *Server) registerEditor(r *gin.Engine) {
	ed := newEditor()
	r.GET("/", ed.serveIndex)
	r.HEAD("/", ed.serveIndex)
	r.GET("/assets/*file", ed.serveAsset)
	r.HEAD("/assets/*file", ed.serveAsset)
	r.NoRoute(func(c *gin.Context) {
		p := c.Request.URL.Path
		if (c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead) &&
			!strings.HasPrefix(p, "/api/") && p != "/api" && !strings.HasPrefix(p, "/hooks") &&
			strings.Contains(c.GetHeader("Accept"), "text/html") {
			ed.serveIndex(c)
			return
		}
		abort(c, http.StatusNotFound, "not_found", "no such route")
	})
}

func (ed *editor) serveIndex(c *gin.Context) {
	// no-cache: the browser revalidates each time (cheap, with the ETag),
	// so a new release's index is seen at once.
	serveAsset(c, ed.index, "no-cache")
}

func (ed *editor) serveAsset(c *gin.Context) {
	a, ok := ed.assets["/assets"+path.Clean("/"+c.Param("file"))]
	if !ok {
		abort(c, http.StatusNotFound, "not_found", "no such file")
		return
	}
	// Asset names carry no content hash, so they are revalidated too; the
	// ETag makes that a 304.
	serveAsset(c, a, "no-cache")
}

func serveAsset(c *gin.Context, a asset, cacheControl string) {
	h := c.Writer.Header()
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", a.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(a.ctype, "text/html") {
		h.Set("Content-Security-Policy", editorCSP)
		h.Set("X-Frame-Options", "DENY")
	}
	if match := c.GetHeader("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, a.ctype, a.body)
}
