package connectors

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

func init() {
	brokers["rabbitmq"] = broker{schemes: []string{"amqp", "amqps"}, publish: publishAMQP}
}

// amqpConn is a pooled AMQP connection and its channel in confirm mode,
// opened again when the broker closed it (an exchange that does not exist
// closes the channel, not the connection).
type amqpConn struct {
	conn *amqp.Connection

	mu     sync.Mutex
	ch     *amqp.Channel
	closed chan *amqp.Error // the channel's close, with the broker's reason
}

var amqpPool = newPool(IdleTimeout,
	func(c *amqpConn) { _ = c.conn.Close() },
	func(c *amqpConn) bool { return !c.conn.IsClosed() })

// channel is the connection's confirming channel, opened where it is not.
func (c *amqpConn) channel() (*amqp.Channel, chan *amqp.Error, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil && !c.ch.IsClosed() {
		return c.ch, c.closed, nil
	}
	ch, err := c.conn.Channel()
	if err != nil {
		return nil, nil, fmt.Errorf("open a channel: %w", err)
	}
	if err := ch.Confirm(false); err != nil {
		_ = ch.Close()
		return nil, nil, fmt.Errorf("turn on publisher confirms: %w", err)
	}
	c.ch, c.closed = ch, ch.NotifyClose(make(chan *amqp.Error, 1))
	return c.ch, c.closed, nil
}

// publishAMQP publishes a persistent message and waits for the broker's
// confirm. A message no queue is bound for is confirmed and dropped by
// the broker, as for any publisher.
func publishAMQP(ctx context.Context, d Dialer, m Message) (map[string]any, error) {
	c, release, err := amqpPool.get(ctx, poolKey{d.Scope, m.URL}, func(ctx context.Context) (*amqpConn, error) {
		return openAMQP(ctx, d, m.URL)
	})
	if err != nil {
		return nil, err
	}
	where := fmt.Sprintf("publish to RabbitMQ exchange %q with routing key %q", m.Exchange, m.RoutingKey)
	ch, closed, err := c.channel()
	if err != nil {
		release(c.conn.IsClosed())
		return nil, amqpError(where, err)
	}
	msg := amqp.Publishing{
		ContentType:  m.ContentType,
		DeliveryMode: amqp.Persistent,
		MessageId:    m.ID,
		Timestamp:    time.Now(),
		Body:         m.Body,
	}
	if m.ID != "" {
		msg.Headers = amqp.Table{IDHeader: m.ID}
	}
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, m.Exchange, m.RoutingKey, false, false, msg)
	if err != nil {
		release(c.conn.IsClosed())
		return nil, amqpError(where, err)
	}
	acked, err := dc.WaitContext(ctx)
	release(c.conn.IsClosed())
	if err != nil {
		return nil, fmt.Errorf("%s: no confirm: %w", where, err)
	}
	if !acked {
		select {
		case reason, ok := <-closed: // the broker closed the channel: why
			if ok && reason != nil {
				return nil, amqpError(where, reason)
			}
		default:
		}
		return nil, fmt.Errorf("%s: the broker did not take the message (nack)", where)
	}
	return map[string]any{"exchange": m.Exchange, "routing_key": m.RoutingKey, "confirmed": true}, nil
}

// amqpError wraps a publish error, Permanent where the broker refused for
// a reason that stays (no such exchange, access refused, a bad argument).
func amqpError(where string, err error) error {
	err = fmt.Errorf("%s: %w", where, err)
	var ae *amqp.Error
	if errors.As(err, &ae) {
		switch ae.Code {
		case amqp.NotFound, amqp.AccessRefused, amqp.PreconditionFailed, amqp.NotAllowed, amqp.SyntaxError,
			amqp.CommandInvalid, amqp.NotImplemented:
			return Permanent(err)
		}
	}
	return err
}

// openAMQP connects to a RabbitMQ server through the dialer.
func openAMQP(ctx context.Context, d Dialer, raw string) (*amqpConn, error) {
	u, err := parseURL(raw, []string{"amqp", "amqps"})
	if err != nil {
		return nil, Permanent(err)
	}
	var dialErr error
	cfg := amqp.Config{
		Heartbeat:       10 * time.Second,
		Locale:          "en_US",
		TLSClientConfig: d.tlsConfig(u.Hostname()),
		Properties:      amqp.Table{"connection_name": "hookflow"},
		Dial: func(network, addr string) (net.Conn, error) {
			conn, err := d.Dial(ctx, network, addr)
			if err != nil {
				dialErr = err
				return nil, err
			}
			// The handshake's deadline, which the client clears once it is done.
			deadline := time.Now().Add(30 * time.Second)
			if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
				deadline = dl
			}
			if err := conn.SetDeadline(deadline); err != nil {
				_ = conn.Close()
				return nil, err
			}
			return conn, nil
		},
	}
	conn, err := amqp.DialConfig(raw, cfg)
	if err != nil {
		if dialErr != nil {
			err = dialErr
		}
		err = fmt.Errorf("connect to RabbitMQ at %s: %w", Shown(raw), err)
		var ae *amqp.Error
		if errors.As(err, &ae) && ae.Code == amqp.AccessRefused {
			return nil, Permanent(err)
		}
		return nil, err
	}
	return &amqpConn{conn: conn}, nil
}
