package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startServerWithFileLimit is startServer for a server whose open-file
// limit, soft and hard, is files: a machine's limit, which serve cannot
// raise, made small enough for a test to reach.
func startServerWithFileLimit(t *testing.T, files int, opts serverOptions) *server {
	t.Helper()
	if opts.DB == "" {
		opts.DB = filepath.Join(t.TempDir(), "hookflow.db")
	}
	s := &server{t: t, opts: opts, log: newOutputLog(), exited: make(chan struct{}), Token: testToken,
		client: &http.Client{Timeout: 10 * time.Second}}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", opts.DB, "--egress-allow", "127.0.0.1"}, opts.Args...)
	// The shell's ulimit sets both limits, then the shell becomes hookflow.
	s.cmd = exec.Command("/bin/sh", append([]string{"-c", `ulimit -n "$0" && exec "$@"`, strconv.Itoa(files), binary}, args...)...)
	s.cmd.Env = childEnv("HOOKFLOW_ADMIN_TOKEN=" + testToken)
	s.cmd.Dir = filepath.Dir(opts.DB)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start hookflow serve: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.signal(syscall.SIGKILL)
		<-s.exited
		if t.Failed() {
			t.Logf("hookflow serve output:\n%s", s.log.String())
		}
	})
	select {
	case u := <-s.log.listening:
		s.URL = u
	case <-s.exited:
		t.Fatalf("hookflow serve exited before listening: %v\n%s", s.cmd.ProcessState, s.log.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("hookflow serve did not print %q within 20s:\n%s", listeningPrefix, s.log.String())
	}
	s.waitReady()
	return s
}

// slowFlood opens n connections to the server, from addresses 127.0.5.1 to
// 127.0.5.{from}, each sending a POST to path whose body never comes. They
// stay open until the test ends.
func slowFlood(t *testing.T, srv *server, path string, n, from int) {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
		next  = make(chan int)
	)
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	for range 16 {
		wg.Go(func() {
			for i := range next {
				d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 5, byte(1+i%from))}, Timeout: 5 * time.Second}
				c, err := d.Dial("tcp", u.Host)
				if err != nil {
					continue // the server's backlog is full: a flood does that
				}
				_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
				_, _ = fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{", path, u.Host)
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// TestSlowFloodLeavesServerReachable: thousands of slow trigger requests
// from many addresses, more than the server has file descriptors for, and
// /healthz, the admin API and a trigger still answer: at the connection
// cap each new connection takes the place of the oldest slow one. (The
// minimum body rate, which would end the flood by itself after a few
// seconds, is off.)
func TestSlowFloodLeavesServerReachable(t *testing.T) {
	t.Parallel()
	srv := startServerWithFileLimit(t, 1024, serverOptions{Args: []string{"--min-body-rate", "0"}})
	srv.createWorkflow(fmt.Sprintf(dropDefinition, "flood"))
	hook := srv.hookPath("flood")
	if !strings.Contains(srv.output(), "open_files=1024 max_conns=768 ") {
		t.Errorf("serve did not log the connection cap derived from 1024 open files (768)")
	}

	slowFlood(t, srv, hook, 2000, 10)

	for i := range 5 {
		fresh := &http.Client{Timeout: 5 * time.Second} // a connection of its own
		resp, err := fresh.Get(srv.URL + "/healthz")
		if err != nil {
			t.Fatalf("GET /healthz %d under the flood: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET /healthz %d under the flood = %s, want 200", i, resp.Status)
		}
	}
	if code := srv.do("GET", "/api/v1/workflows", nil, nil); code != http.StatusOK {
		t.Errorf("GET /api/v1/workflows under the flood = %d, want 200", code)
	}
	if code, runID, err := srv.trigger(hook, []byte(`{"n": 1}`)); err != nil || code != http.StatusAccepted || runID == "" {
		t.Errorf("trigger under the flood = %d %q, %v; want 202 with a run id", code, runID, err)
	}
	if n := srv.metric("hookflow_connections_evicted_total"); n < 1000 {
		t.Errorf("%v slow connections closed for room, want the flood past the cap (over 1000 of 2000)", n)
	}
}

// metric reads one unlabelled value from /metrics (-1 when absent).
func (s *server) metric(name string) float64 {
	s.t.Helper()
	resp, err := s.client.Get(s.URL + "/metrics")
	if err != nil {
		s.t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				s.t.Fatalf("/metrics: %s: %v", sc.Text(), err)
			}
			return f
		}
	}
	return -1
}

// TestSlowBodyCutOff: a trigger request whose body stops coming is ended
// once the minimum body rate has passed, not held for the server's whole
// request timeout (a minute).
func TestSlowBodyCutOff(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverOptions{})
	srv.createWorkflow(fmt.Sprintf(dropDefinition, "slow"))
	hook := srv.hookPath("slow")
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{\"n\":", hook, u.Host); err != nil {
		t.Fatal(err)
	}
	// The default rate (1024 bytes/s after 5s) ends it after 5s; well
	// before the server's one-minute request timeout.
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("a body that stopped coming: %v, want an answer and the connection closed", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !resp.Close {
		t.Errorf("a body that stopped coming: %s (close %v), want 400 and the connection closed", resp.Status, resp.Close)
	}
	if runs := srv.runs("slow"); len(runs) != 0 {
		t.Errorf("%d runs of the cut-off request, want none", len(runs))
	}
}

// TestHeaderLimit: request headers count towards a limit (64 KiB by
// default, --max-header-bytes): over it the answer is 431 and nothing is
// stored.
func TestHeaderLimit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		args       []string
		over, fits int
	}{
		{"default", nil, 70 << 10, 32 << 10},
		{"set", []string{"--max-header-bytes", "16384"}, 20 << 10, 8 << 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, serverOptions{Args: c.args})
			srv.createWorkflow(fmt.Sprintf(dropDefinition, "headers"))
			hook := srv.hookPath("headers")
			post := func(pad int) int {
				req, err := http.NewRequest("POST", srv.URL+hook, strings.NewReader(`{"n": 1}`))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Pad", strings.Repeat("x", pad))
				resp, err := srv.client.Do(req)
				if err != nil {
					t.Fatalf("POST with %d bytes of headers: %v", pad, err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if code := post(c.over); code != http.StatusRequestHeaderFieldsTooLarge {
				t.Errorf("POST with a %d-byte header = %d, want 431", c.over, code)
			}
			if code := post(c.fits); code != http.StatusAccepted {
				t.Errorf("POST with a %d-byte header = %d, want 202", c.fits, code)
			}
			if runs := srv.runs("headers"); len(runs) != 1 {
				t.Errorf("%d runs, want 1 (the request that fits)", len(runs))
			}
		})
	}
}
