// Package connlimit bounds what clients can hold of a server: how many
// connections are open at once, how many come from one address, and how
// slowly a request body may arrive. A Listener wraps the server's listener
// and Install connects it to the http.Server that serves it.
//
// At the global cap a new connection is not refused while others are only
// being slow: it takes the place of an idle keep-alive connection or, with
// none, of the oldest connection still sending its request (headers or
// body). Those are what a flood of slow clients holds, and the newest
// arrival (a health check, an admin) is the last to be closed that way.
// Connections whose request has arrived whole and is being answered (a
// sync trigger waiting for its run, a long poll) are never closed for
// room; when every slot holds one, new connections are refused.
package connlimit

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config sets the limits.
type Config struct {
	// MaxConns caps the client connections open at once (at least 1).
	MaxConns int
	// MaxPerAddr caps the connections from one client address, an IPv6
	// /64 counting as one address; 0 for no cap. Peers in Exempt are not
	// capped.
	MaxPerAddr int
	// Exempt are peers the per-address cap does not apply to: reverse
	// proxies, whose one address carries many clients.
	Exempt []netip.Prefix
	// MinBodyRate is the slowest a request body may arrive, in bytes per
	// second on average once BodyGrace has passed since its request's
	// headers; a slower one is cut off. 0 turns it off.
	MinBodyRate int64
	// BodyGrace is how long a body may take before MinBodyRate applies
	// (default DefaultBodyGrace).
	BodyGrace time.Duration
	// Registry, when set, gets the listener's metrics.
	Registry prometheus.Registerer
	Logger   *slog.Logger
}

// DefaultBodyGrace is Config.BodyGrace's default.
const DefaultBodyGrace = 5 * time.Second

// warnEvery spaces the warnings about refused and closed connections, so a
// flood does not flood the log as well.
const warnEvery = time.Minute

// Listener is a net.Listener that enforces Config on the connections it
// accepts.
type Listener struct {
	net.Listener
	cfg     Config
	log     *slog.Logger
	metrics metrics
	now     func() time.Time

	mu      sync.Mutex
	conns   map[*conn]struct{}
	perAddr map[netip.Addr]int
	// dropped counts refusals and closings by reason since the last
	// warning.
	dropped  map[string]int
	lastWarn time.Time
}

// New wraps inner.
func New(inner net.Listener, cfg Config) *Listener {
	if cfg.MaxConns < 1 {
		cfg.MaxConns = 1
	}
	if cfg.BodyGrace <= 0 {
		cfg.BodyGrace = DefaultBodyGrace
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &Listener{Listener: inner, cfg: cfg, log: cfg.Logger, now: time.Now,
		conns: map[*conn]struct{}{}, perAddr: map[netip.Addr]int{}, dropped: map[string]int{}}
	l.metrics = newMetrics(cfg.Registry, l.Open)
	return l
}

// Open is the number of connections open.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Accept returns the next connection the limits admit; the others are
// closed as they come.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if c := l.admit(nc); c != nil {
			return c, nil
		}
	}
}

// Install makes srv work with l: it follows each connection's state (idle,
// reading a request, answering one), and wraps srv.Handler to hold request
// bodies to MinBodyRate. srv must then serve l.
func (l *Listener) Install(srv *http.Server) {
	prevState := srv.ConnState
	srv.ConnState = func(nc net.Conn, s http.ConnState) {
		l.connState(nc, s)
		if prevState != nil {
			prevState(nc, s)
		}
	}
	prevContext := srv.ConnContext
	srv.ConnContext = func(ctx context.Context, nc net.Conn) context.Context {
		if prevContext != nil {
			ctx = prevContext(ctx, nc)
		}
		if c := unwrap(nc); c != nil {
			ctx = context.WithValue(ctx, connKey{}, c)
		}
		return ctx
	}
	srv.Handler = l.handler(srv.Handler, srv.ReadTimeout)
}

// state is where a connection is in its life, as http.Server reports it.
type state int

const (
	stateNew      state = iota // accepted, no request read yet
	stateIdle                  // between requests (keep-alive)
	stateActive                // a request read (its body maybe not)
	stateHijacked              // taken over by a handler
)

// conn is an admitted connection. Its fields past the first three are
// guarded by the listener's mu.
type conn struct {
	net.Conn
	l   *Listener
	key netip.Addr // the address it counts against

	exempt bool
	state  state
	since  time.Time // when it entered its state (for a first request: when accepted)
	bodies int       // request bodies being read (several with HTTP/2)
	gone   bool      // released: closed, or closed for room
}

// NetConn is the connection under the limits, for whoever looks at the
// socket itself (the webhook receiver checks whether an answer can be
// written at once).
func (c *conn) NetConn() net.Conn { return c.Conn }

// Close releases the connection's slot and closes it.
func (c *conn) Close() error {
	c.l.release(c)
	return c.Conn.Close()
}

// connKey finds a request's conn in its context.
type connKey struct{}

// unwrap finds the conn under a connection http.Server reports.
func unwrap(nc net.Conn) *conn {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	c, _ := nc.(*conn)
	return c
}

// admit applies the caps to a new connection: the connection to serve, or
// nil when it was refused (and closed).
func (l *Listener) admit(nc net.Conn) net.Conn {
	addr := remoteAddr(nc)
	c := &conn{Conn: nc, l: l, key: addrKey(addr), exempt: inAny(addr, l.cfg.Exempt), state: stateNew, since: l.now()}
	var victim *conn
	l.mu.Lock()
	switch {
	case l.cfg.MaxPerAddr > 0 && !c.exempt && l.perAddr[c.key] >= l.cfg.MaxPerAddr:
		l.mu.Unlock()
		l.drop(nc, "per_address")
		return nil
	case len(l.conns) >= l.cfg.MaxConns:
		victim = l.victimLocked()
		if victim == nil {
			l.mu.Unlock()
			l.drop(nc, "full")
			return nil
		}
		l.releaseLocked(victim)
	}
	l.conns[c] = struct{}{}
	if !c.exempt {
		l.perAddr[c.key]++
	}
	l.mu.Unlock()
	if victim != nil {
		_ = victim.Conn.Close()
		l.metrics.evicted.Inc()
		l.noteDropped("evicted")
	}
	return c
}

// victimLocked picks the connection to close for room: the idle one idle
// longest, else the one that has been sending its request longest, else
// none.
func (l *Listener) victimLocked() *conn {
	var best *conn
	bestRank := 0
	for c := range l.conns {
		r := c.evictRank()
		if r == 0 {
			continue
		}
		if best == nil || r > bestRank || (r == bestRank && c.since.Before(best.since)) {
			best, bestRank = c, r
		}
	}
	return best
}

// evictRank orders connections for closing to make room: higher first, 0
// never.
func (c *conn) evictRank() int {
	switch {
	case c.state == stateIdle:
		return 2
	case c.state == stateNew, c.state == stateActive && c.bodies > 0:
		return 1
	}
	return 0
}

// release frees c's slot once.
func (l *Listener) release(c *conn) {
	l.mu.Lock()
	l.releaseLocked(c)
	l.mu.Unlock()
}

func (l *Listener) releaseLocked(c *conn) {
	if c.gone {
		return
	}
	c.gone = true
	delete(l.conns, c)
	if !c.exempt {
		if n := l.perAddr[c.key] - 1; n > 0 {
			l.perAddr[c.key] = n
		} else {
			delete(l.perAddr, c.key)
		}
	}
}

// connState follows http.Server's view of a connection.
func (l *Listener) connState(nc net.Conn, s http.ConnState) {
	c := unwrap(nc)
	if c == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	switch s {
	case http.StateActive:
		// A first request began arriving when the connection was
		// accepted: its age counts from then, so that a slow client is
		// not made younger by finally sending its headers.
		if c.state != stateNew {
			c.since = now
		}
		c.state = stateActive
	case http.StateIdle:
		c.state, c.since = stateIdle, now
	case http.StateHijacked:
		c.state, c.since = stateHijacked, now
	}
}

// bodyStarted and bodyDone bracket the reading of a request body.
func (l *Listener) bodyStarted(c *conn) {
	l.mu.Lock()
	c.bodies++
	l.mu.Unlock()
}

func (l *Listener) bodyDone(c *conn) {
	l.mu.Lock()
	c.bodies--
	l.mu.Unlock()
}

// drop closes a refused connection.
func (l *Listener) drop(nc net.Conn, reason string) {
	_ = nc.Close()
	l.metrics.refused.WithLabelValues(reason).Inc()
	l.noteDropped(reason)
}

// noteDropped counts a refused or closed connection, and logs the counts
// at most every warnEvery.
func (l *Listener) noteDropped(reason string) {
	l.mu.Lock()
	l.dropped[reason]++
	now := l.now()
	if now.Sub(l.lastWarn) < warnEvery {
		l.mu.Unlock()
		return
	}
	l.lastWarn = now
	counts := l.dropped
	l.dropped = map[string]int{}
	open := len(l.conns)
	l.mu.Unlock()
	args := []any{"open", open, "max_conns", l.cfg.MaxConns, "max_conns_per_ip", l.cfg.MaxPerAddr}
	for _, r := range []string{"full", "per_address", "evicted", "slow_body"} {
		if n := counts[r]; n > 0 {
			args = append(args, r, n)
		}
	}
	l.log.Warn("connection limits: connections refused or closed since the last warning", args...)
}

// remoteAddr is a connection's peer address (the zero Addr when it has
// none, which then counts as one address).
func remoteAddr(nc net.Conn) netip.Addr {
	if ta, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap()
	}
	ap, err := netip.ParseAddrPort(nc.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// addrKey is what an address counts against: itself, or its /64 for IPv6,
// the block one subscriber is usually given.
func addrKey(a netip.Addr) netip.Addr {
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return a
}

func inAny(a netip.Addr, prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
