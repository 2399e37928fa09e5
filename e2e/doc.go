// Package e2e holds Hookflow's end-to-end tests: they build the real
// hookflow binary once per test run, start "hookflow serve" as a child
// process on 127.0.0.1 with a fresh SQLite database, and drive it the way a
// user does, over real HTTP and the command line, with a receiver on
// 127.0.0.1 recording every outbound webhook (its body and webhook-id).
//
// The scenarios follow the promises Hookflow makes: a new user validates,
// imports, triggers, inspects and exports a workflow; nothing acknowledged
// is lost when the receiver is down or the server is killed (SIGKILL) and
// restarted; retries keep their webhook-id; TLS serves; SIGTERM stops
// cleanly.
//
// The package has no code of its own outside its tests. Run it with
//
//	go test ./e2e/
//
// It needs the go command on PATH (go test provides it) to build the
// binary.
package e2e
