// Package web is Hookflow's HTTP surface: the gin router with the trigger
// URLs (/hooks/{key}), the admin REST API under /api/v1 (behind the admin
// token, a user's personal API token or the editor's session cookie, each
// route with its least role (roles.go) and every change recorded in the
// audit log (audit.go); documented in openapi.json), the
// editor (plain HTML, CSS and JavaScript under ui/, embedded), health,
// readiness and Prometheus metrics. Every error is JSON:
// {"error": {"code", "message", "field"}}.
package web
