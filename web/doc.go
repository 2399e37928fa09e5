// Package web is Hookflow's HTTP surface: the gin router with the trigger
// URLs (/hooks/{key}), the admin REST API under /api/v1 (behind the admin
// token or the editor's session cookie, documented in openapi.json), the
// editor (plain HTML, CSS and JavaScript under ui/, embedded), health,
// readiness and Prometheus metrics. Every error is JSON:
// {"error": {"code", "message", "field"}}.
package web
