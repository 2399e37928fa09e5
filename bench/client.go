package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// target is where the load goes: one trigger URL, pre-rendered into the
// fixed part of an HTTP/1.1 request.
type target struct {
	addr string      // host:port to dial
	tls  *tls.Config // nil for http
	// head is the request up to the X-Bench-Seq header's value.
	head    []byte
	payload []byte
}

// newTarget prepares POST requests of payload to rawURL.
func newTarget(rawURL string, payload []byte) (*target, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("trigger URL %q: %w", rawURL, err)
	}
	t := &target{payload: payload}
	port := u.Port()
	switch u.Scheme {
	case "http":
		if port == "" {
			port = "80"
		}
	case "https":
		if port == "" {
			port = "443"
		}
		t.tls = &tls.Config{ServerName: u.Hostname(), NextProtos: []string{"http/1.1"}}
	default:
		return nil, fmt.Errorf("trigger URL %q: want http or https", rawURL)
	}
	t.addr = net.JoinHostPort(u.Hostname(), port)
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: hookflow-bench\r\n", u.RequestURI(), u.Host)
	fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\nX-Bench-Seq: ", len(payload))
	t.head = b.Bytes()
	return t, nil
}

// client is one keep-alive connection speaking just enough HTTP/1.1 to
// post a body and read the answer: far cheaper than net/http's client, so
// that the load generator, which shares the machine's cores with the
// server, takes as little of them as it can.
type client struct {
	t       *target
	timeout time.Duration
	conn    net.Conn
	br      *bufio.Reader
	bw      *bufio.Writer
	scratch []byte
}

func newClient(t *target, timeout time.Duration) *client {
	return &client{t: t, timeout: timeout, scratch: make([]byte, 0, 32)}
}

// errKind names a request failure for the error table.
type errKind string

const (
	errConnect errKind = "connect"
	errTimeout errKind = "timeout"
	errClosed  errKind = "connection closed"
	errProto   errKind = "bad response"
)

// requestError is a failed request and its kind.
type requestError struct {
	kind errKind
	err  error
}

func (e *requestError) Error() string { return string(e.kind) + ": " + e.err.Error() }

func (c *client) dial(ctx context.Context) error {
	d := net.Dialer{Timeout: c.timeout, KeepAlive: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", c.t.addr)
	if err != nil {
		return &requestError{errConnect, err}
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if c.t.tls != nil {
		tconn := tls.Client(conn, c.t.tls)
		if err := tconn.HandshakeContext(ctx); err != nil {
			conn.Close()
			return &requestError{errConnect, err}
		}
		conn = tconn
	}
	c.conn = conn
	if c.br == nil {
		c.br = bufio.NewReaderSize(conn, 16<<10)
		c.bw = bufio.NewWriterSize(conn, 16<<10)
	} else {
		c.br.Reset(conn)
		c.bw.Reset(conn)
	}
	return nil
}

// Close drops the connection.
func (c *client) Close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// Post sends the payload tagged with seq and returns the answer's status
// code. Any error leaves the connection closed; the next Post redials.
func (c *client) Post(ctx context.Context, seq uint64) (int, error) {
	if c.conn == nil {
		if err := c.dial(ctx); err != nil {
			return 0, err
		}
	}
	status, keep, err := c.roundTrip(seq)
	if err != nil {
		c.Close()
		return 0, classify(err)
	}
	if !keep {
		c.Close()
	}
	return status, nil
}

func (c *client) roundTrip(seq uint64) (status int, keep bool, err error) {
	if err := c.conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, false, err
	}
	c.bw.Write(c.t.head)
	c.scratch = strconv.AppendUint(c.scratch[:0], seq, 10)
	c.scratch = append(c.scratch, "\r\n\r\n"...)
	c.bw.Write(c.scratch)
	c.bw.Write(c.t.payload)
	if err := c.bw.Flush(); err != nil {
		return 0, false, err
	}
	return readResponse(c.br)
}

// readResponse reads one response, discarding its body, and reports its
// status and whether the connection may carry another request.
func readResponse(br *bufio.Reader) (status int, keep bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 202 Accepted\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, &requestError{errProto, fmt.Errorf("status line %q", line)}
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, &requestError{errProto, fmt.Errorf("status line %q", line)}
	}
	keep = line[7] == '1' // HTTP/1.1 keeps alive by default; 1.0 does not
	length, chunked := int64(-1), false
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.ParseInt(string(value), 10, 64)
			if err != nil || length < 0 {
				return 0, false, &requestError{errProto, fmt.Errorf("content-length %q", value)}
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				keep = false
			} else if bytes.EqualFold(value, []byte("keep-alive")) {
				keep = true
			}
		}
	}
	switch {
	case status == 204 || status == 304 || status/100 == 1:
	case chunked:
		err = discardChunked(br)
	case length >= 0:
		_, err = br.Discard(int(length))
	default: // the body runs to the end of the connection
		_, err = io.Copy(io.Discard, br)
		keep = false
	}
	if err != nil {
		return 0, false, err
	}
	return status, keep, nil
}

func discardChunked(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || n < 0 {
			return &requestError{errProto, fmt.Errorf("chunk size %q", line)}
		}
		if n == 0 {
			for { // trailers, up to the blank line
				line, err := br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if _, err := br.Discard(int(n) + 2); err != nil {
			return err
		}
	}
}

// classify turns an I/O error into a requestError.
func classify(err error) error {
	var re *requestError
	if errors.As(err, &re) {
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &requestError{errTimeout, err}
	}
	return &requestError{errClosed, err}
}
