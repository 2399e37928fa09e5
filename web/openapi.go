package web

import (
	_ "embed"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
)

// openAPIFile is the OpenAPI 3 description of the admin API, trigger
// URLs and health routes, but for the schemas of the kinds, which are made
// from the kinds themselves (openapi_kinds.go). openapi_test.go checks it
// against the router's real routes, both ways.
//
//go:embed openapi.json
var openAPIFile []byte

var openAPIDoc = sync.OnceValues(func() ([]byte, error) { return withKinds(openAPIFile) })

// OpenAPI returns the OpenAPI document.
func OpenAPI() []byte {
	doc, err := openAPIDoc()
	if err != nil {
		panic(err) // openapi.json is part of the program: its tests keep it whole
	}
	return append([]byte(nil), doc...)
}

// openAPI serves the document: GET /api/v1/openapi.json.
func (s *Server) openAPI(c *gin.Context) {
	doc, err := openAPIDoc()
	if err != nil {
		_ = c.Error(err)
		writeJSON(c, http.StatusInternalServerError, internalError)
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json", doc)
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
