package connectors

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/redis/go-redis/v9"
)

func init() {
	brokers["redis"] = broker{schemes: []string{"redis", "rediss"}, publish: publishRedis}
}

// redisPool keeps a go-redis client (itself a pool of connections) per
// URL.
var redisPool = newPool(IdleTimeout, func(c *redis.Client) { _ = c.Close() }, nil)

// publishRedis adds an entry to a stream (XADD, the message's ID one of
// its fields) or publishes to a channel (PUBLISH, which has no headers).
func publishRedis(ctx context.Context, d Dialer, m Message) (map[string]any, error) {
	c, release, err := redisPool.get(ctx, poolKey{d.Scope, m.URL}, func(ctx context.Context) (*redis.Client, error) {
		return openRedis(d, m.URL)
	})
	if err != nil {
		return nil, err
	}
	defer release(false)
	if m.Stream != "" {
		values := make([]any, 0, len(m.Fields)+2)
		for _, f := range m.Fields {
			values = append(values, f)
		}
		if m.ID != "" {
			values = append(values, IDHeader, m.ID)
		}
		id, err := c.XAdd(ctx, &redis.XAddArgs{Stream: m.Stream, Values: values}).Result()
		if err != nil {
			return nil, redisError(fmt.Sprintf("add to Redis stream %q", m.Stream), err)
		}
		return map[string]any{"stream": m.Stream, "id": id}, nil
	}
	n, err := c.Publish(ctx, m.Channel, m.Body).Result()
	if err != nil {
		return nil, redisError(fmt.Sprintf("publish to Redis channel %q", m.Channel), err)
	}
	return map[string]any{"channel": m.Channel, "receivers": n}, nil
}

// redisError wraps a command's error, Permanent where the server refused
// the command for a reason that stays (a key of another type, a missing
// permission), not a passing state (loading, a read-only replica).
func redisError(where string, err error) error {
	err = fmt.Errorf("%s: %w", where, err)
	var re redis.Error
	if errors.As(err, &re) {
		msg := re.Error()
		for _, passing := range []string{"LOADING", "READONLY", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "BUSY"} {
			if strings.HasPrefix(msg, passing) {
				return err
			}
		}
		return Permanent(err)
	}
	return err
}

// openRedis makes a client of the URL whose connections are made through
// the dialer; it connects on its first command. It does not retry a
// command itself: the step's retries do.
func openRedis(d Dialer, raw string) (*redis.Client, error) {
	if strings.HasPrefix(strings.TrimSpace(raw), "unix:") {
		return nil, Permanent(errors.New("a unix socket is not reachable: use redis:// or rediss://"))
	}
	opts, err := redis.ParseURL(strings.TrimSpace(raw))
	if err != nil {
		return nil, Permanent(fmt.Errorf("the Redis URL cannot be read: %w", err))
	}
	secure := opts.TLSConfig != nil
	host, _, _ := net.SplitHostPort(opts.Addr)
	opts.TLSConfig = nil
	opts.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.Dial(ctx, network, addr)
		if err != nil || !secure {
			return conn, err
		}
		tc := tls.Client(conn, d.tlsConfig(host))
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return nil, err
		}
		return tc, nil
	}
	opts.MaxRetries = -1
	opts.DialerRetries = 1
	opts.ConnMaxIdleTime = IdleTimeout
	opts.DisableIdentity = true
	return redis.NewClient(opts), nil
}
