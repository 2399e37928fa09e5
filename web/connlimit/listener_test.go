package connlimit

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// bundle is a server on 127.0.0.1 behind a Listener, with handlers the
// tests steer.
type bundle struct {
	l    *Listener
	addr string
	// release lets the requests waiting in /block answer.
	release chan struct{}
	// bodyErrs gets the error (nil when whole) with which each /read
	// request's body ended.
	bodyErrs chan error
}

func setup(t *testing.T, cfg Config) *bundle {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &bundle{l: New(ln, cfg), addr: ln.Addr().String(), release: make(chan struct{}), bodyErrs: make(chan error, 1000)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("GET /block", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-b.release:
			_, _ = io.WriteString(w, "released")
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("POST /read", func(w http.ResponseWriter, r *http.Request) {
		_, err := io.Copy(io.Discard, r.Body)
		b.bodyErrs <- err
		if err != nil {
			http.Error(w, "could not read the body", http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "read")
	})
	// /read-then-wait reads the body, then answers once released, or
	// says its request was cancelled.
	mux.HandleFunc("POST /read-then-wait", func(w http.ResponseWriter, r *http.Request) {
		_, err := io.Copy(io.Discard, r.Body)
		b.bodyErrs <- err
		select {
		case <-b.release:
			_, _ = io.WriteString(w, "released")
		case <-r.Context().Done():
			_, _ = io.WriteString(w, "cancelled")
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	b.l.Install(srv)
	go func() { _ = srv.Serve(b.l) }()
	t.Cleanup(func() {
		_ = srv.Close()
	})
	return b
}

// dial connects from a loopback address of the test's choosing: each
// acts as another client.
func (b *bundle) dial(t *testing.T, from string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", b.addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", from, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// get sends GET path on c and returns the answer's status and body.
func get(c net.Conn, path string) (int, string, error) {
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: test\r\n\r\n", path); err != nil {
		return 0, "", err
	}
	return readAnswer(c)
}

func readAnswer(c net.Conn) (int, string, error) {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// startSlowBody sends a POST's headers and the first bytes of its body.
func startSlowBody(t *testing.T, c net.Conn, path string) {
	t.Helper()
	if _, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n{\"a\":", path); err != nil {
		t.Fatal(err)
	}
}

// closedByServer reports whether the server has closed c: a read ends in
// EOF or a reset (after any answer) within 10s.
func closedByServer(c net.Conn) error {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errors.New("still open after 10s")
	}
	return nil
}

// count counts the listener's connections that hold.
func (b *bundle) count(hold func(*conn) bool) int {
	b.l.mu.Lock()
	defer b.l.mu.Unlock()
	n := 0
	for c := range b.l.conns {
		if hold(c) {
			n++
		}
	}
	return n
}

// waitFor polls cond every 5ms for up to 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func readingBody(c *conn) bool { return c.state == stateActive && c.bodies > 0 }
func answering(c *conn) bool   { return c.state == stateActive && c.bodies == 0 }

func TestPerAddressCap(t *testing.T) {
	t.Parallel()
	exempt := netip.MustParsePrefix("127.0.0.4/32")
	b := setup(t, Config{MaxConns: 100, MaxPerAddr: 3, Exempt: []netip.Prefix{exempt}})
	for range 3 {
		b.dial(t, "127.0.0.2")
	}
	waitFor(t, "3 connections open", func() bool { return b.l.Open() == 3 })
	if err := closedByServer(b.dial(t, "127.0.0.2")); err != nil {
		t.Errorf("a 4th connection from 127.0.0.2 with a cap of 3: %v, want it closed", err)
	}
	if code, _, err := get(b.dial(t, "127.0.0.3"), "/healthz"); err != nil || code != http.StatusOK {
		t.Errorf("GET /healthz from 127.0.0.3 = %d, %v; want 200", code, err)
	}
	for i := range 5 {
		if code, _, err := get(b.dial(t, "127.0.0.4"), "/healthz"); err != nil || code != http.StatusOK {
			t.Errorf("GET /healthz %d from exempt 127.0.0.4 = %d, %v; want 200", i, code, err)
		}
	}
}

// TestFullClosesTheSlowestForRoom: at the cap, a new connection takes the
// place of the connection that has been sending its request longest;
// connections whose request is being answered are kept; when every one is
// being answered, new ones are refused.
func TestFullClosesTheSlowestForRoom(t *testing.T) {
	t.Parallel()
	const max = 20
	b := setup(t, Config{MaxConns: max})
	answeringConn := b.dial(t, "127.0.0.5")
	if _, err := fmt.Fprint(answeringConn, "GET /block HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the /block request in its handler", func() bool { return b.count(answering) == 1 })
	var slow []net.Conn
	for i := range max - 1 {
		c := b.dial(t, fmt.Sprintf("127.0.1.%d", 1+i))
		startSlowBody(t, c, "/read")
		slow = append(slow, c)
		waitFor(t, "the body being read", func() bool { return b.count(readingBody) == i+1 })
	}

	// A new client takes the place of the body sent longest; the next one
	// that of an idle connection (the first client's, kept alive) rather
	// than another slow body.
	first := b.dial(t, "127.0.0.6")
	if code, body, err := get(first, "/healthz"); err != nil || code != http.StatusOK || body != "ok" {
		t.Fatalf("GET /healthz at the cap = %d %q, %v; want 200", code, body, err)
	}
	if err := closedByServer(slow[0]); err != nil {
		t.Errorf("the slow body sent longest: %v, want it closed for room", err)
	}
	waitFor(t, "the first client idle", func() bool { return b.count(func(c *conn) bool { return c.state == stateIdle }) == 1 })
	if code, body, err := get(b.dial(t, "127.0.0.7"), "/healthz"); err != nil || code != http.StatusOK || body != "ok" {
		t.Fatalf("second GET /healthz at the cap = %d %q, %v; want 200", code, body, err)
	}
	if err := closedByServer(first); err != nil {
		t.Errorf("the idle connection: %v, want it closed for room", err)
	}
	if n := b.count(readingBody); n != max-2 {
		t.Errorf("%d slow bodies left, want %d", n, max-2)
	}

	// Every slot answering a request: a new connection is refused.
	for _, c := range slow[1:] {
		c.Close()
	}
	waitFor(t, "the slow bodies gone", func() bool { return b.count(readingBody) == 0 })
	var blocked []net.Conn
	for i := range max - 1 {
		c := b.dial(t, fmt.Sprintf("127.0.2.%d", 1+i))
		if _, err := fmt.Fprint(c, "GET /block HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		blocked = append(blocked, c)
		waitFor(t, "the /block request in its handler", func() bool { return b.count(answering) == i+2 })
	}
	if err := closedByServer(b.dial(t, "127.0.0.8")); err != nil {
		t.Errorf("a connection with every slot answering: %v, want it refused", err)
	}
	close(b.release)
	for i, c := range append(blocked, answeringConn) {
		if _, body, err := readAnswer(c); err != nil || body != "released" {
			t.Errorf("/block request %d: %q, %v; want its answer (never closed for room)", i, body, err)
		}
	}
}

func TestSlowBodyCutOff(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{MaxConns: 100, MinBodyRate: 1000, BodyGrace: 100 * time.Millisecond})
	c := b.dial(t, "127.0.0.2")
	startSlowBody(t, c, "/read")
	select {
	case err := <-b.bodyErrs:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("a body that stopped: read ended with %v, want a deadline error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a body that stopped after 5 bytes was still being read after 10s")
	}
	if code, _, err := readAnswer(c); err != nil || code != http.StatusBadRequest {
		t.Errorf("answer to the stopped body: %d, %v; want the handler's 400", code, err)
	}
	if err := closedByServer(c); err != nil {
		t.Errorf("connection of the stopped body: %v", err)
	}
}

// TestSteadyBodyNotCutOff: a body arriving above the rate, for longer
// than the grace period, is read whole.
func TestSteadyBodyNotCutOff(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{MaxConns: 100, MinBodyRate: 1000, BodyGrace: 100 * time.Millisecond})
	c := b.dial(t, "127.0.0.2")
	const chunks, chunk = 10, 1000 // 1000 bytes every 50ms: 20 times the rate
	if _, err := fmt.Fprintf(c, "POST /read HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n", chunks*chunk); err != nil {
		t.Fatal(err)
	}
	for range chunks {
		if _, err := io.WriteString(c, strings.Repeat("x", chunk)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := <-b.bodyErrs; err != nil {
		t.Errorf("a steady body: %v, want it read whole", err)
	}
	if code, body, err := readAnswer(c); err != nil || code != http.StatusOK || body != "read" {
		t.Errorf("answer: %d %q, %v; want 200 read", code, body, err)
	}
}

// TestBodyDeadlineEndsWithTheBody: once the body is whole, the handler may
// take as long as it needs: the body's deadline must not cut the
// connection (and cancel the request) under it.
func TestBodyDeadlineEndsWithTheBody(t *testing.T) {
	t.Parallel()
	const grace = 50 * time.Millisecond
	b := setup(t, Config{MaxConns: 100, MinBodyRate: 1000, BodyGrace: grace})
	c := b.dial(t, "127.0.0.2")
	if _, err := io.WriteString(c, "POST /read-then-wait HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\n\r\n{}"); err != nil {
		t.Fatal(err)
	}
	if err := <-b.bodyErrs; err != nil {
		t.Fatalf("body: %v", err)
	}
	// The body's deadline was grace plus 2 ms from the handler's start:
	// ten times that later, the request must still be waiting.
	time.Sleep(10 * grace)
	close(b.release)
	if _, body, err := readAnswer(c); err != nil || body != "released" {
		t.Errorf("answer after the body's deadline: %q, %v; want released", body, err)
	}
}

// TestManyClientsHealthz: thousands of slow bodies from many addresses,
// far past the cap, and /healthz still answers.
func TestManyClientsHealthz(t *testing.T) {
	t.Parallel()
	const max, floodSize = 200, 2000
	b := setup(t, Config{MaxConns: max, MaxPerAddr: 50})
	var (
		mu    sync.Mutex
		flood []net.Conn
		wg    sync.WaitGroup
	)
	t.Cleanup(func() {
		for _, c := range flood {
			c.Close()
		}
	})
	for w := range 10 {
		wg.Go(func() {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 3, byte(1+w))}, Timeout: 5 * time.Second}
			for range floodSize / 10 {
				c, err := d.Dial("tcp", b.addr)
				if err != nil {
					t.Errorf("flood: %v", err)
					return
				}
				_, _ = fmt.Fprint(c, "POST /read HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n{")
				mu.Lock()
				flood = append(flood, c)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	waitFor(t, "the flood to fill the cap", func() bool { return b.l.Open() == max })
	for i := range 20 {
		if code, _, err := get(b.dial(t, fmt.Sprintf("127.0.4.%d", 1+i)), "/healthz"); err != nil || code != http.StatusOK {
			t.Fatalf("GET /healthz %d under the flood = %d, %v; want 200", i, code, err)
		}
	}
}

// TestSlowClientAgedFromAccept: a client that connects, waits, and only
// then sends its request is as old as its connection, not as its headers:
// at the cap it is closed before a client that connected after it.
func TestSlowClientAgedFromAccept(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{MaxConns: 2})
	slow := b.dial(t, "127.0.0.2")
	waitFor(t, "the slow client accepted", func() bool { return b.l.Open() == 1 })
	fresh := b.dial(t, "127.0.0.3")
	waitFor(t, "the second client accepted", func() bool { return b.l.Open() == 2 })
	startSlowBody(t, slow, "/read")
	waitFor(t, "the slow client's body being read", func() bool { return b.count(readingBody) == 1 })

	if code, _, err := get(b.dial(t, "127.0.0.4"), "/healthz"); err != nil || code != http.StatusOK {
		t.Fatalf("GET /healthz at the cap = %d, %v; want 200", code, err)
	}
	if err := closedByServer(slow); err != nil {
		t.Errorf("the client connected first: %v, want it closed for room", err)
	}
	if code, _, err := get(fresh, "/healthz"); err != nil || code != http.StatusOK {
		t.Errorf("GET /healthz on the client connected second = %d, %v; want 200", code, err)
	}
}
