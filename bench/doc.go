// Package bench is Hookflow's built-in load test, the engine behind
// `hookflow bench`: it sizes a deployment by driving a real server the way
// webhook senders do and checking that nothing accepted goes missing.
//
// A run starts the hookflow binary as a child server on 127.0.0.1 with a
// fresh database (or targets an existing server), starts a receiver in this
// process, creates a bench workflow whose webhook step posts to that
// receiver, and drives the workflow's trigger URL from N keep-alive
// connections for a fixed time. Every request carries a sequence number in
// the X-Bench-Seq header; the workflow carries it into the delivered
// request, so the receiver can tell each event apart. When the load stops,
// the run waits for the backlog to drain and reports accepted and
// delivered throughput, accept and event-to-delivery latency percentiles,
// the server's peak RSS and CPU time, and the events accepted but never
// delivered (lost) or delivered more than once (duplicates).
//
// The pieces stand alone: Histogram (log-linear latency buckets), Ledger
// and Receiver (per-event accounting), Server (the child process) and
// Result (table and JSON).
package bench
