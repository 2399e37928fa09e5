package web

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPIDoc is the OpenAPI 3 description of the admin API, trigger URLs
// and health routes. openapi_test.go checks it against the router's real
// routes, both ways.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the embedded OpenAPI document.
func OpenAPI() []byte { return append([]byte(nil), openAPIDoc...) }

// openAPI serves the document: GET /api/v1/openapi.json.
func (s *Server) openAPI(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json", openAPIDoc)
}

// Route is one registered route: its method and gin path pattern
// ("/api/v1/workflows/:id").
type Route struct {
	Method string
	Path   string
}

// Routes lists the routes the server has registered, for tests and docs
// that check themselves against the real router.
func (s *Server) Routes() []Route {
	rs := s.router.Routes()
	out := make([]Route, 0, len(rs))
	for _, r := range rs {
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	return out
}
