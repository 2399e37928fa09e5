// Package triggers is Hookflow's inbound side: the webhook receiver behind
// every workflow's trigger URL (key lookup, method, body limit, caller
// authentication, idempotency) and the authentication schemes it verifies.
// It hands accepted events to the engine and answers only once they are
// durable. The cron scheduler (cron.go) and the supervisor of consumer
// triggers, brokers' consumers and polls (consumers.go), start runs too.
package triggers
