package connectors

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func init() {
	brokers["nats"] = broker{schemes: []string{"nats", "tls"}, publish: publishNATS}
}

// natsConn is a pooled NATS connection and its JetStream context.
type natsConn struct {
	nc *nats.Conn
	js jetstream.JetStream
}

var natsPool = newPool(IdleTimeout,
	func(c *natsConn) { c.nc.Close() },
	func(c *natsConn) bool { return c.nc.IsConnected() })

// natsDialer makes NATS connect through the egress guard, keeping the
// error of its last dial (which nats.Connect does not pass on).
type natsDialer struct {
	ctx  context.Context
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	err  error
}

func (d *natsDialer) Dial(network, addr string) (net.Conn, error) {
	conn, err := d.dial(d.ctx, network, addr)
	d.err = err
	return conn, err
}

// publishNATS publishes to JetStream and waits for the stream's ack; the
// message's ID is its Nats-Msg-Id too, so that the stream drops a repeat
// within its duplicate window.
func publishNATS(ctx context.Context, d Dialer, m Message) (map[string]any, error) {
	c, release, err := natsPool.get(ctx, poolKey{d.Scope, m.URL}, func(ctx context.Context) (*natsConn, error) {
		return openNATS(ctx, d, m.URL)
	})
	if err != nil {
		return nil, err
	}
	msg := &nats.Msg{Subject: m.Subject, Data: m.Body, Header: nats.Header{}}
	if m.ID != "" {
		msg.Header.Set(IDHeader, m.ID)
		msg.Header.Set(jetstream.MsgIDHeader, m.ID)
	}
	if m.ContentType != "" {
		msg.Header.Set("Content-Type", m.ContentType)
	}
	ack, err := c.js.PublishMsg(ctx, msg)
	release(err != nil && !c.nc.IsConnected())
	if err != nil {
		if errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) {
			return nil, Permanent(fmt.Errorf("publish to NATS subject %q: no JetStream stream takes this subject (create one whose subjects include it)", m.Subject))
		}
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.Code >= 400 && apiErr.Code < 500 && apiErr.Code != 408 && apiErr.Code != 429 {
			return nil, Permanent(fmt.Errorf("publish to NATS subject %q: %w", m.Subject, err))
		}
		return nil, fmt.Errorf("publish to NATS subject %q: %w", m.Subject, err)
	}
	return map[string]any{"stream": ack.Stream, "seq": ack.Sequence, "duplicate": ack.Duplicate}, nil
}

// openNATS connects to a NATS server; the connection is not re-made on its
// own when lost: the pool opens another on the next publish.
func openNATS(ctx context.Context, d Dialer, raw string) (*natsConn, error) {
	u, err := parseURL(raw, []string{"nats", "tls"})
	if err != nil {
		return nil, Permanent(err)
	}
	timeout := 10 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	dialer := &natsDialer{ctx: ctx, dial: d.Dial}
	opts := []nats.Option{
		nats.Name("hookflow"),
		nats.SetCustomDialer(dialer),
		nats.SkipHostLookup(),
		nats.NoReconnect(),
		nats.Timeout(timeout),
	}
	if u.Scheme == "tls" {
		opts = append(opts, nats.Secure(d.tlsConfig(u.Hostname())))
	}
	nc, err := nats.Connect(raw, opts...)
	if err != nil {
		if dialer.err != nil {
			err = dialer.err
		}
		err = fmt.Errorf("connect to NATS at %s: %w", Shown(raw), err)
		if errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) {
			return nil, Permanent(err)
		}
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("JetStream at %s: %w", Shown(raw), err)
	}
	return &natsConn{nc: nc, js: js}, nil
}
