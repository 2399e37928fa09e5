package bench

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestReadResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, raw  string
		status     int
		keep       bool
		wantErr    bool
		restString string // what must be left for the next response
	}{
		{name: "content-length", raw: "HTTP/1.1 202 Accepted\r\nContent-Length: 14\r\n\r\n{\"run_id\":\"x\"}NEXT", status: 202, keep: true, restString: "NEXT"},
		{name: "chunked", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;ext=1\r\nefg\r\n0\r\nTrailer: x\r\n\r\nNEXT", status: 200, keep: true, restString: "NEXT"},
		{name: "connection close", raw: "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", status: 503, keep: false},
		{name: "http/1.0", raw: "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", status: 200, keep: false},
		{name: "http/1.0 keep-alive", raw: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", status: 200, keep: true},
		{name: "no length", raw: "HTTP/1.1 200 OK\r\n\r\nto the end", status: 200, keep: false},
		{name: "no content", raw: "HTTP/1.1 204 No Content\r\n\r\nNEXT", status: 204, keep: true, restString: "NEXT"},
		{name: "garbage", raw: "SMTP ready\r\n", wantErr: true},
		{name: "truncated", raw: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			br := bufio.NewReader(strings.NewReader(tc.raw))
			status, keep, err := readResponse(br)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("readResponse() = %d, %v, nil; want an error", status, keep)
				}
				return
			}
			if err != nil || status != tc.status || keep != tc.keep {
				t.Fatalf("readResponse() = %d, %v, %v; want %d, %v, nil", status, keep, err, tc.status, tc.keep)
			}
			rest, _ := io.ReadAll(br)
			if string(rest) != tc.restString {
				t.Errorf("left %q unread, want %q", rest, tc.restString)
			}
		})
	}
}

// TestClientPosts checks the hand-rolled client against net/http's server:
// method, headers, body, keep-alive, and a redial after the server closes.
func TestClientPosts(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		seqs  []string
		conns = map[string]bool{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seqs = append(seqs, r.Header.Get(seqHeader))
		conns[r.RemoteAddr] = true
		mu.Unlock()
		if r.Method != http.MethodPost || r.URL.RequestURI() != "/hooks/abc?x=1" || string(body) != `{"a":1}` ||
			r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		if r.Header.Get(seqHeader) == "3" {
			w.Header().Set("Connection", "close")
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"run_id":"r"}`)
	}))
	defer srv.Close()

	tgt, err := newTarget(srv.URL+"/hooks/abc?x=1", []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(tgt, 5*time.Second)
	defer c.Close()
	for seq := uint64(1); seq <= 5; seq++ {
		status, err := c.Post(context.Background(), seq)
		if err != nil || status != http.StatusAccepted {
			t.Fatalf("Post(%d) = %d, %v; want 202", seq, status, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seqs, ",") != "1,2,3,4,5" {
		t.Errorf("the server saw X-Bench-Seq %v, want 1..5", seqs)
	}
	if len(conns) != 2 {
		t.Errorf("%d connections, want 2 (keep-alive, then a redial after Connection: close)", len(conns))
	}
}

func TestClientConnectError(t *testing.T) {
	t.Parallel()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := newTarget("http://127.0.0.1:"+strconv.Itoa(port)+"/hooks/x", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(tgt, time.Second)
	_, err = c.Post(context.Background(), 1)
	re, ok := err.(*requestError)
	if !ok || re.kind != errConnect {
		t.Fatalf("Post to a closed port: %v, want a connect error", err)
	}
}
