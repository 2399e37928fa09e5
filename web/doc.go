// Package web is Hookflow's HTTP surface: the gin router with the trigger
// URLs (/hooks/{key}), the admin REST API under /api/v1 (behind the admin
// token), health and readiness. Every error is JSON:
// {"error": {"code", "message", "field"}}.
package web
