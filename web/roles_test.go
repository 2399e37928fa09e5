package web_test

import (
	"strings"
	"testing"

	"github.com/hookflow/hookflow/web"
)

// TestEveryRouteHasARole walks every route of the router: each must have
// its own entry in the role table (roles.go), so a route added without
// saying who may call it fails here. The admin API's routes must need a
// login, and only the login, the trigger URLs, health and the editor's
// files may be public.
func TestEveryRouteHasARole(t *testing.T) {
	t.Parallel()
	b := setup(t)
	routes := web.Routes(b.server)
	if len(routes) < 40 {
		t.Fatalf("the router lists %d routes; want them all", len(routes))
	}
	for _, r := range routes {
		role, ok := web.RouteRole(r.Method, r.Path)
		if !ok {
			t.Errorf("route %s %s has no entry in routeRules (web/roles.go): say which role may call it", r.Method, r.Path)
			continue
		}
		public := r.Path == "/api/v1/session" && (r.Method == "POST" || r.Method == "DELETE")
		if strings.HasPrefix(r.Path, "/api/") && !public && role == "public" {
			t.Errorf("admin API route %s %s is public", r.Method, r.Path)
		}
	}
	for _, admin := range []string{"PUT /api/v1/secrets/:name", "DELETE /api/v1/secrets/:name", "POST /api/v1/users",
		"GET /api/v1/users", "PUT /api/v1/users/:id", "DELETE /api/v1/users/:id", "GET /api/v1/audit", "POST /api/v1/token/rotate"} {
		m, p, _ := strings.Cut(admin, " ")
		if role, _ := web.RouteRole(m, p); role != "admin" {
			t.Errorf("%s needs %s, want admin", admin, role)
		}
	}
	if role, ok := web.RouteRole("PATCH", "/api/v1/some/new/:thing"); ok || role != "editor" {
		t.Errorf("a route without an entry: %s, %v; want editor by default, and no entry", role, ok)
	}
	if role, _ := web.RouteRole("GET", "/api/v1/some/new"); role != "viewer" {
		t.Errorf("a GET without an entry: %s; want viewer by default", role)
	}
}
