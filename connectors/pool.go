package connectors

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"
)

// IdleTimeout is how long a pooled connection is kept unused before it is
// closed.
const IdleTimeout = 5 * time.Minute

// Dialer is how connectors reach a server: through the egress guard.
type Dialer struct {
	// Dial connects to "host:port" (the egress guard checks the address).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLS is the TLS settings for servers reached over TLS (a copy, which
	// a connector may change).
	TLS *tls.Config
	// Scope keeps pooled connections apart: a connection is used again only
	// by callers with the same Scope (the same egress guard and TLS
	// settings), nil being a scope of its own.
	Scope any
}

// tlsConfig is a copy of the dialer's TLS settings for serverName.
func (d Dialer) tlsConfig(serverName string) *tls.Config {
	var c *tls.Config
	if d.TLS != nil {
		c = d.TLS.Clone()
	} else {
		c = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if c.ServerName == "" {
		c.ServerName = serverName
	}
	return c
}

// poolKey names a pooled connection: its URL, within a dialer's scope.
type poolKey struct {
	scope any
	url   string
}

// pool keeps one connection (or a client that is itself a pool) per
// URL, opened on first use and closed once it has been unused for idle,
// or when a user found it broken and no one uses it any more.
type pool[C any] struct {
	idle  time.Duration
	close func(C)
	alive func(C) bool // nil: always, until a user says otherwise

	mu    sync.Mutex
	conns map[poolKey]*pooled[C]
	timer *time.Timer
}

type pooled[C any] struct {
	ready   chan struct{} // closed once opened (or failed to)
	c       C
	err     error
	users   int
	last    time.Time
	removed bool // out of the pool: closed when its last user is done
}

func newPool[C any](idle time.Duration, closeFn func(C), alive func(C) bool) *pool[C] {
	return &pool[C]{idle: idle, close: closeFn, alive: alive, conns: map[poolKey]*pooled[C]{}}
}

// get gives the connection for key, opening it where there is none (one
// caller opens, the others wait for it). The caller calls release once
// done, saying whether it found the connection broken (it is then closed
// once no one uses it, and the next get opens another).
func (p *pool[C]) get(ctx context.Context, key poolKey, open func(context.Context) (C, error)) (C, func(broken bool), error) {
	var zero C
	for {
		p.mu.Lock()
		e, ok := p.conns[key]
		if !ok {
			e = &pooled[C]{ready: make(chan struct{}), users: 1}
			p.conns[key] = e
			p.mu.Unlock()
			c, err := open(ctx)
			p.mu.Lock()
			e.c, e.err, e.last = c, err, time.Now()
			close(e.ready)
			if err != nil {
				e.removed = true
				if p.conns[key] == e {
					delete(p.conns, key)
				}
				p.mu.Unlock()
				return zero, nil, err
			}
			p.schedule()
			p.mu.Unlock()
			return c, p.releaser(key, e), nil
		}
		e.users++
		p.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			p.releaser(key, e)(false)
			return zero, nil, ctx.Err()
		}
		if e.err != nil {
			p.releaser(key, e)(false)
			return zero, nil, e.err
		}
		if p.alive != nil && !p.alive(e.c) {
			p.releaser(key, e)(true)
			continue // open another
		}
		return e.c, p.releaser(key, e), nil
	}
}

// releaser is the release function of one use of e.
func (p *pool[C]) releaser(key poolKey, e *pooled[C]) func(broken bool) {
	var once sync.Once
	return func(broken bool) {
		once.Do(func() {
			p.mu.Lock()
			e.users--
			e.last = time.Now()
			if broken && !e.removed {
				e.removed = true
				if p.conns[key] == e {
					delete(p.conns, key)
				}
			}
			closeIt := e.removed && e.users == 0 && e.err == nil
			p.mu.Unlock()
			if closeIt {
				p.close(e.c)
			}
		})
	}
}

// schedule starts the sweep of idle connections where none is due; p.mu
// is held.
func (p *pool[C]) schedule() {
	if p.timer != nil || len(p.conns) == 0 {
		return
	}
	p.timer = time.AfterFunc(max(p.idle/4, 10*time.Millisecond), p.sweep)
}

// sweep closes the connections unused for p.idle.
func (p *pool[C]) sweep() {
	var idle []C
	p.mu.Lock()
	p.timer = nil
	now := time.Now()
	for key, e := range p.conns {
		select {
		case <-e.ready:
		default:
			continue // being opened
		}
		if e.users == 0 && now.Sub(e.last) >= p.idle {
			e.removed = true
			delete(p.conns, key)
			idle = append(idle, e.c)
		}
	}
	p.schedule()
	p.mu.Unlock()
	for _, c := range idle {
		p.close(c)
	}
}

// size is how many connections the pool holds.
func (p *pool[C]) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}
