package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/triggers"
)

// TestHookClientNotReadingAnswers: a client that sends request after
// request without reading the answers fills its connection's buffers (small
// ones on both ends here, so a few dozen answers do). Its answers are then
// left to its own handlers, which wait for it, never to the goroutine that
// every event of a batch waits behind: it holds up no one else, and once it
// reads, it has a 202 for every event of its that was stored. (Answered
// with a write deadline instead, it lost its connection, and the answer of
// an event already stored with it.)
func TestHookClientNotReadingAnswers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(dropDef("drop"))
	small := func(opts ...int) func(string, string, syscall.RawConn) error {
		return func(_, _ string, c syscall.RawConn) error {
			var err error
			cerr := c.Control(func(fd uintptr) {
				for _, opt := range opts {
					if err == nil {
						err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, 4096)
					}
				}
			})
			return errors.Join(cerr, err)
		}
	}
	lc := net.ListenConfig{Control: small(syscall.SO_SNDBUF, syscall.SO_RCVBUF)}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: b.server, ConnContext: triggers.ConnContext}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	u, err := url.Parse(w.TriggerURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = ln.Addr().String()

	d := net.Dialer{Control: small(syscall.SO_RCVBUF, syscall.SO_SNDBUF)}
	conn, err := d.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rude := conn.(*net.TCPConn)
	req := []byte(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", u.Path, u.Host))
	// Requests until the server stops taking them: it is waiting for the
	// client to read an answer (or, answering with a deadline, it closed the
	// connection). A write that waits 2s has met that wait.
	stopped := make(chan error, 1)
	go func() {
		for n := 0; n < 100000; n++ {
			_ = rude.SetWriteDeadline(time.Now().Add(2 * time.Second))
			if _, err := rude.Write(req); err != nil {
				stopped <- err
				return
			}
		}
		stopped <- nil
	}()
	select {
	case err := <-stopped:
		if err == nil {
			t.Fatal("the server took 100000 requests from a client that read no answer")
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Logf("the client's writes ended with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the server still reads a client that has read no answer in 60s")
	}

	// Meanwhile everyone else is answered.
	polite := map[string]bool{}
	for range 20 {
		polite[b.trigger(u.String(), map[string]any{"polite": true})] = true
	}

	// The client reads at last, having sent all it will: a 202 for each of
	// its events, up to the request it was cut off in.
	_ = rude.CloseWrite() // fails if the server reset the connection: the reads tell
	_ = rude.SetDeadline(time.Time{})
	answered := map[string]bool{}
	br := bufio.NewReader(rude)
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			break // the server closed the connection: nothing more to read
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("read an answer's body: %v", err)
		}
		if resp.StatusCode != http.StatusAccepted {
			continue // the request cut off by the write deadline
		}
		var a struct {
			RunID string `json:"run_id"`
		}
		if err := json.Unmarshal(body, &a); err != nil || a.RunID == "" {
			t.Fatalf("202 with body %q", body)
		}
		answered[a.RunID] = true
	}
	stored := 0
	for _, id := range runIDs(t, b, "drop") {
		if polite[id] {
			continue
		}
		stored++
		if !answered[id] {
			t.Errorf("run %s was stored for the client, which never got its 202", id)
		}
	}
	if len(answered) != stored || stored == 0 {
		t.Errorf("the client read %d answers for %d runs stored", len(answered), stored)
	}
	t.Logf("%d events stored for a client that read no answer until the end", stored)
}

// runIDs lists every run of a workflow.
func runIDs(t *testing.T, b *bundle, workflowID string) []string {
	t.Helper()
	var ids []string
	before := ""
	for {
		runs, err := b.store.RunList(context.Background(), store.RunListParams{WorkflowID: workflowID, Before: before, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			ids = append(ids, r.ID)
		}
		if len(runs) < 1000 {
			return ids
		}
		before = runs[len(runs)-1].ID
	}
}
