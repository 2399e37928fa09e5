// Package apps holds Hookflow's apps: services a workflow talks to
// through the app step (kinds/step_app.go) without building their
// requests by hand. An app is data, a JSON document of format
// hookflow/app-v1 (see docs/apps.md): its name, icon and category, and
// its actions, each a form (fields, as in a kind's description) and the
// HTTP request it makes from what the form holds. The shipped apps are
// embedded in the binary (shipped/*.json); more are loaded from a folder
// when the server starts (serve --apps DIR). Package kinds compiles an
// app step into the same outbound request a webhook step makes, so an
// app runs through the one sender: egress guard, retries, webhook-id,
// timeouts, recorded request and response.
package apps
