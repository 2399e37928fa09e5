package kinds

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/hookflow/hookflow/workflows"
)

// Consumer is implemented by a compiled trigger (Compiled.Trigger) that
// takes its events from outside rather than from the trigger URL: a
// message broker's consumer, or a poll of an API. The triggers package
// runs one Consume per enabled workflow with such a trigger, on every
// replica, and cancels its context when the workflow is disabled, deleted
// or saved again (a new revision starts a new Consume).
type Consumer interface {
	// Consume takes events until ctx ends, reconnecting with backoff on
	// its own when the connection is lost (reporting each change through
	// host.State). It acknowledges a message to its broker only after
	// host.Accept returned nil for it: the event is then durable (or was
	// a duplicate of one that is). It returns nil when ctx ends; an error
	// only where it cannot go on at all (the settings cannot work).
	Consume(ctx context.Context, host ConsumerHost) error
}

// ConsumerHost is what a Consumer sees of Hookflow; package triggers
// provides it.
type ConsumerHost interface {
	// WorkflowID is the workflow whose trigger this is.
	WorkflowID() string
	// Render evaluates a trigger field's template (a URL such as
	// "{{ secrets.rabbit }}") with the workflow's vars and secrets.
	Render(t *workflows.Template) (string, error)
	// Accept stores one event and queues its run, returning once it is
	// durable. A delivery whose IdempotencyKey was accepted before starts
	// nothing and returns nil (the broker may acknowledge it).
	Accept(ctx context.Context, d Delivery) error
	// Dial connects through the egress guard (brokers' and APIs' hosts are
	// checked as outbound calls are).
	Dial(ctx context.Context, network, addr string) (net.Conn, error)
	// KV is the durable key-value store, scoped to the workflow (a poll's
	// cursor and the keys it has seen).
	KV() KV
	// State reports the consumer's connection state, shown by /readyz,
	// /metrics and the editor: one of the Consumer* constants, with the
	// last error where there is one.
	State(state string, err error)
	// Now reads the engine's clock.
	Now() time.Time
	// Logger logs with the workflow's id.
	Logger() *slog.Logger
}

// Consumer states.
const (
	ConsumerConnecting = "connecting"
	ConsumerConnected  = "connected"
	ConsumerRetrying   = "retrying" // lost, waiting to reconnect
	ConsumerStopped    = "stopped"
)

// Delivery is one message or polled item, made into an event.
type Delivery struct {
	// Body is the payload as received (JSON is decoded as the payload;
	// anything else is the payload as text).
	Body []byte
	// Headers are the message's headers or properties, lower-case names
	// (trigger.headers).
	Headers map[string]string
	// Meta is what the broker says of the message: subject, routing key,
	// topic, stream id, redelivery count (trigger.meta).
	Meta map[string]any
	// IdempotencyKey, where set, makes a redelivery of an accepted message
	// start nothing.
	IdempotencyKey string
	// ReceivedAt is when it came (zero: now).
	ReceivedAt time.Time
}
