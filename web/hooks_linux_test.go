package web_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"
)

// TestHookClientNotReadingAnswers: the 202 is written by the goroutine that
// made the event durable, which every event in its batch waits behind. A
// client that sends request after request without reading the answers
// fills its connection's buffers; it then loses the connection, and holds
// up no one else: a well-behaved client keeps being answered.
func TestHookClientNotReadingAnswers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(dropDef("drop"))
	// Small socket buffers on both ends, so that a few dozen answers fill
	// them (loopback's own would take thousands).
	small := func(opt int) func(string, string, syscall.RawConn) error {
		return func(_, _ string, c syscall.RawConn) error {
			var err error
			if cerr := c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, 4096) }); cerr != nil {
				return cerr
			}
			return err
		}
	}
	lc := net.ListenConfig{Control: small(syscall.SO_SNDBUF)}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: b.server}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	u, err := url.Parse(w.TriggerURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = ln.Addr().String()

	d := net.Dialer{Control: small(syscall.SO_RCVBUF)}
	rude, err := d.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer rude.Close()
	req := []byte(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", u.Path, u.Host))
	sent := make(chan int, 1)
	go func() {
		n := 0
		for ; n < 100000; n++ {
			if _, err := rude.Write(req); err != nil {
				break // the server closed the connection
			}
		}
		sent <- n
	}()
	// Once the answers fill the buffers, the next one cannot be written,
	// and the server closes the connection, which ends the writes above.
	// Had it waited for that answer for good, every accept after it would
	// have waited too.
	select {
	case n := <-sent:
		if n == 100000 {
			t.Fatalf("the server took all %d requests of a client that read no answer", n)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the server still reads a client that has read no answer in 60s")
	}
	for range 20 {
		b.trigger(u.String(), map[string]any{"polite": true})
	}
}
