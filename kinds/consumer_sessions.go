package kinds

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"
)

// The waits between a broker consumer's sessions: from sessionMinWait,
// doubling while sessions fail without connecting, up to sessionMaxWait.
const (
	sessionMinWait = time.Second
	sessionMaxWait = 30 * time.Second
)

// runSessions is a broker consumer's Consume: it calls session until ctx
// ends. A session connects, calls connected once it consumes, and returns
// when its connection is lost for good; the state is then retrying (with
// the session's error) until the next one, after a wait that grows while
// sessions fail and starts over after one that connected.
func runSessions(ctx context.Context, host ConsumerHost, session func(ctx context.Context, connected func()) error) error {
	wait := sessionMinWait
	for {
		var ok atomic.Bool
		host.State(ConsumerConnecting, nil)
		err := session(ctx, func() {
			ok.Store(true)
			host.State(ConsumerConnected, nil)
		})
		if ctx.Err() != nil {
			return nil
		}
		if ok.Load() {
			wait = sessionMinWait
		}
		if err == nil {
			err = errors.New("the connection was closed")
		}
		host.State(ConsumerRetrying, err)
		t := time.NewTimer(wait/2 + rand.N(wait/2+1))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		wait = min(2*wait, sessionMaxWait)
	}
}

// hostDialer dials a broker through the host's egress guard, for clients
// that take a dialer without a context.
type hostDialer struct {
	ctx  context.Context
	host ConsumerHost
}

// Dial connects to address through the egress guard.
func (d hostDialer) Dial(network, address string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(d.ctx, 30*time.Second)
	defer cancel()
	return d.host.Dial(ctx, network, address)
}
