package kinds

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hookflow/hookflow/workflows"
)

// The nats trigger's defaults.
const (
	DefaultNATSAckWait  = 30 * time.Second
	DefaultNATSNakDelay = 5 * time.Second
	// natsInFlight is how many messages a consumer accepts at once: their
	// events share the store's transactions.
	natsInFlight = 64
)

func init() {
	workflows.RegisterTrigger(workflows.TriggerKind{
		Doc: workflows.Doc{
			Type:  "nats",
			Title: "NATS JetStream",
			Summary: "Starts a run for each message of a JetStream stream, taken by a durable consumer that every replica shares; " +
				"a message is acknowledged only once its event is stored.",
			Fields: []workflows.Field{
				{Name: "url", Label: "Server URL", Kind: workflows.ValueSecret, Required: true, Placeholder: "{{ secrets.nats }}",
					Help: "The NATS server, usually kept in a secret: nats://user:password@nats.example.com:4222, nats://token@host:4222, " +
						"or tls://host:4222 for TLS; several servers separated by commas. It is never logged."},
				{Name: "stream", Label: "Stream", Kind: workflows.ValueText, Required: true, Placeholder: "ORDERS",
					Help: "The JetStream stream to consume."},
				{Name: "subject", Label: "Subject", Kind: workflows.ValueText, Placeholder: "orders.>",
					Help: "Only messages on this subject (wildcards * and > allowed); empty: every message of the stream. " +
						"Also the stream's subject when Hookflow creates the stream."},
				{Name: "durable", Label: "Consumer name", Kind: workflows.ValueText, Placeholder: "hookflow-WORKFLOW_ID",
					Help: "The durable consumer's name on the server; every replica shares it, so each message is taken once. " +
						"Empty: hookflow- and the workflow's id."},
				{Name: "create_stream", Label: "Create the stream", Kind: workflows.ValueBoolean, Default: false,
					Help: "Create the stream (on the subject above, kept on disk) where the server has none of that name. " +
						"Otherwise a missing stream is an error shown on the workflow."},
				{Name: "ack_wait", Label: "Acknowledge within", Kind: workflows.ValueDuration, Default: DefaultNATSAckWait.String(),
					Help: "How long the server waits for a message's acknowledgement before it sends the message again."},
				{Name: "nak_delay", Label: "Retry a refused message after", Kind: workflows.ValueDuration, Default: DefaultNATSNakDelay.String(),
					Help: "A message Hookflow could not store is given back to the server, to be sent again after this long."},
			},
			Example: []byte(`{"type": "nats", "url": "{{ secrets.nats }}", "stream": "ORDERS", "subject": "orders.paid"}`),
		},
		New: func() workflows.TriggerSettings { return &NATSSettings{} },
	})
}

// NATSSettings are a nats trigger's fields.
type NATSSettings struct {
	// URL is the server's URL, a template (usually {{ secrets.nats }}).
	URL string `json:"url,omitempty"`
	// Stream is the JetStream stream consumed.
	Stream string `json:"stream,omitempty"`
	// Subject filters the stream's messages (empty: all).
	Subject string `json:"subject,omitempty"`
	// Durable is the consumer's name (default hookflow-WORKFLOW_ID).
	Durable string `json:"durable,omitempty"`
	// CreateStream creates a missing stream on Subject.
	CreateStream bool `json:"create_stream,omitempty"`
	// AckWait is how long the server waits for an ack (default 30s).
	AckWait string `json:"ack_wait,omitempty"`
	// NakDelay is when a message that could not be stored comes again
	// (default 5s).
	NakDelay string `json:"nak_delay,omitempty"`
}

// NATSTrigger is a nats trigger compiled: a JetStream consumer.
type NATSTrigger struct {
	url          *workflows.Template
	stream       string
	subject      string
	durable      string
	createStream bool
	ackWait      time.Duration
	nakDelay     time.Duration
}

var _ Consumer = (*NATSTrigger)(nil)

// Compile checks the settings.
func (s *NATSSettings) Compile(b *workflows.TriggerBuild) (any, error) {
	t := &NATSTrigger{stream: s.Stream, subject: s.Subject, durable: s.Durable, createStream: s.CreateStream,
		ackWait: DefaultNATSAckWait, nakDelay: DefaultNATSNakDelay}
	var err error
	if s.URL == "" {
		return nil, b.Required("url")
	}
	if t.url, err = b.Template("url", s.URL); err != nil {
		return nil, err
	}
	if t.url.IsLiteral() {
		if err := checkNATSURL(s.URL); err != nil {
			return nil, b.Errorf("url", "%v", err)
		}
	}
	if s.Stream == "" {
		return nil, b.Required("stream")
	}
	if strings.ContainsAny(s.Stream, ".*> \t\r\n/\\") {
		return nil, b.Errorf("stream", "a stream name has no dots, wildcards, slashes or spaces, got %q", s.Stream)
	}
	if strings.ContainsAny(s.Subject, " \t\r\n") {
		return nil, b.Errorf("subject", "a subject has no spaces, got %q", s.Subject)
	}
	if s.CreateStream && s.Subject == "" {
		return nil, b.Errorf("subject", "is required to create the stream")
	}
	if strings.ContainsAny(s.Durable, ".*> \t\r\n/\\") {
		return nil, b.Errorf("durable", "a consumer name has no dots, wildcards, slashes or spaces, got %q", s.Durable)
	}
	if s.AckWait != "" {
		if t.ackWait, err = b.Duration("ack_wait", s.AckWait); err != nil {
			return nil, err
		}
	}
	if s.NakDelay != "" {
		if t.nakDelay, err = b.Duration("nak_delay", s.NakDelay); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// checkNATSURL checks a server list: URLs with a NATS scheme.
func checkNATSURL(list string) error {
	for _, s := range strings.Split(list, ",") {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil {
			return errors.New("is not a URL") // the parse error would show a password
		}
		switch u.Scheme {
		case "nats", "tls":
		default:
			return fmt.Errorf("must be a nats:// or tls:// URL, got scheme %q", u.Scheme)
		}
		if u.Host == "" {
			return errors.New("has no host")
		}
	}
	return nil
}

// Consume takes the stream's messages until ctx ends, connecting again
// whenever the connection is lost.
func (t *NATSTrigger) Consume(ctx context.Context, host ConsumerHost) error {
	return runSessions(ctx, host, func(ctx context.Context, connected func()) error {
		return t.session(ctx, host, connected)
	})
}

// session is one connection: it consumes until ctx ends or the consumer
// cannot go on. The client reconnects by itself while the server is away,
// the state following.
func (t *NATSTrigger) session(ctx context.Context, host ConsumerHost, connected func()) error {
	servers, err := host.Render(t.url)
	if err != nil {
		return fmt.Errorf("url: %w", err)
	}
	if err := checkNATSURL(servers); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	nc, err := nats.Connect(servers,
		nats.Name("hookflow "+host.WorkflowID()),
		nats.SetCustomDialer(hostDialer{ctx: ctx, host: host}),
		nats.Timeout(10*time.Second),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.NoCallbacksAfterClientClose(),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err == nil {
				err = errors.New("disconnected")
			}
			host.State(ConsumerRetrying, fmt.Errorf("connection lost: %w", err))
		}),
		nats.ReconnectHandler(func(*nats.Conn) { host.State(ConsumerConnected, nil) }),
	)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	stream, err := js.Stream(ctx, t.stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) && t.createStream {
		stream, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: t.stream, Subjects: []string{t.subject},
			Storage: jetstream.FileStorage})
		if err == nil {
			host.Logger().Info("nats: stream created", "stream", t.stream, "subject", t.subject)
		}
	}
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("stream %q not found on the server: create it, or set create_stream", t.stream)
	}
	if err != nil {
		return fmt.Errorf("stream %q: %w", t.stream, err)
	}
	durable := t.durable
	if durable == "" {
		durable = "hookflow-" + host.WorkflowID()
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       durable,
		FilterSubject: t.subject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       t.ackWait,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxAckPending: 4 * natsInFlight,
	})
	if err != nil {
		return fmt.Errorf("consumer %q of stream %q: %w", durable, t.stream, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(natsInFlight))
	if err != nil {
		return fmt.Errorf("consumer %q: %w", durable, err)
	}
	defer it.Stop()
	connected()
	var wg sync.WaitGroup
	defer wg.Wait() // before the iterator stops and the connection closes: their acks go out
	slots := make(chan struct{}, natsInFlight)
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("receive: %w", err)
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil // not acknowledged: the server sends it again
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			t.take(ctx, host, msg)
		}()
	}
}

// take accepts one message and acknowledges it once stored; a message that
// could not be stored is given back, to come again after nakDelay.
func (t *NATSTrigger) take(ctx context.Context, host ConsumerHost, msg jetstream.Msg) {
	md, err := msg.Metadata()
	if err != nil {
		host.Logger().Warn("nats: message without metadata", "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return
	}
	d := Delivery{
		Body:    msg.Data(),
		Headers: natsHeaders(msg.Headers()),
		Meta: map[string]any{
			"subject":       msg.Subject(),
			"stream":        md.Stream,
			"sequence":      md.Sequence.Stream,
			"num_delivered": md.NumDelivered,
			"consumer":      md.Consumer,
			"timestamp":     md.Timestamp.UTC().Format(time.RFC3339Nano),
		},
		IdempotencyKey: "nats:" + md.Stream + ":" + strconv.FormatUint(md.Sequence.Stream, 10),
	}
	if err := host.Accept(ctx, d); err != nil {
		if ctx.Err() == nil {
			host.Logger().Warn("nats: message not stored, given back", "stream", md.Stream, "sequence", md.Sequence.Stream, "err", err)
		}
		_ = msg.NakWithDelay(t.nakDelay)
		return
	}
	if err := msg.Ack(); err != nil {
		// Stored: should the server send it again, it starts nothing.
		host.Logger().Debug("nats: ack", "stream", md.Stream, "sequence", md.Sequence.Stream, "err", err)
	}
}

// natsHeaders are a message's headers, lower-case names, the first value
// of each.
func natsHeaders(h nats.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, vs := range h {
		if len(vs) > 0 {
			out[strings.ToLower(k)] = vs[0]
		}
	}
	return out
}
