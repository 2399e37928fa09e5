// Package receivertest is the receiver Hookflow's tests send webhooks to: a
// real HTTP server on 127.0.0.1 that records every request it gets and
// answers as the test says. It is for tests only.
package receivertest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// waitLimit bounds every wait on a receiver: generous, so that a slow
// machine under the race detector never fails a correct test.
const waitLimit = 10 * time.Second

// Hit is one request a receiver got.
type Hit struct {
	N      int // from 1, over all paths
	PathN  int // from 1, among the hits on this path
	Method string
	Path   string
	// URI is the request's target as sent (escapes kept).
	URI    string
	Proto  int // the HTTP major version
	Header http.Header
	Body   []byte
	At     time.Time // when the request arrived
}

// WebhookID is the request's webhook-id header, which Hookflow keeps
// across the attempts of one delivery.
func (h Hit) WebhookID() string { return h.Header.Get("webhook-id") }

// Reply is how a receiver answers one hit.
type Reply struct {
	Status int               // 200 when zero
	Header map[string]string // a JSON content type when nil
	Body   string            // {"ok":true} for a 2xx when empty
	// Delay holds the answer this long, or until the caller gives up.
	Delay time.Duration
	// Block, when set, holds the answer until it is closed or the caller
	// gives up.
	Block <-chan struct{}
}

// Receiver is a real HTTP server that records what it gets. By default it
// answers 200 {"ok":true}.
type Receiver struct {
	// URL is the receiver's base URL, such as http://127.0.0.1:41234.
	URL string
	// Server is the server under it, for its listener or its client.
	Server *httptest.Server

	mu       sync.Mutex
	hits     []Hit
	perPath  map[string]int
	next     int           // the first hit Next has not returned
	arrived  chan struct{} // closed, and replaced, at each hit
	respond  func(h Hit, w http.ResponseWriter, r *http.Request)
	inFlight int
	maxIn    int
}

// New starts a receiver on a free port of 127.0.0.1; it is closed when the
// test ends.
func New(t testing.TB) *Receiver {
	t.Helper()
	rc := newReceiver()
	rc.start(t, httptest.NewUnstartedServer(rc), false)
	return rc
}

// NewOn starts a receiver on ln, such as a port the test reserved while
// the receiver was down; it is closed when the test ends.
func NewOn(t testing.TB, ln net.Listener) *Receiver {
	t.Helper()
	rc := newReceiver()
	rc.start(t, &httptest.Server{Listener: ln, Config: &http.Server{Handler: rc}}, false)
	return rc
}

// NewTLS starts a receiver speaking HTTPS and HTTP/2 on a free port of
// 127.0.0.1; Server.Client() trusts its certificate.
func NewTLS(t testing.TB) *Receiver {
	t.Helper()
	rc := newReceiver()
	srv := httptest.NewUnstartedServer(rc)
	srv.EnableHTTP2 = true
	rc.start(t, srv, true)
	return rc
}

func newReceiver() *Receiver {
	return &Receiver{perPath: map[string]int{}, arrived: make(chan struct{})}
}

func (rc *Receiver) start(t testing.TB, srv *httptest.Server, tls bool) {
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	rc.Server, rc.URL = srv, srv.URL
	t.Cleanup(srv.Close)
}

// Answer sets how the receiver answers from now on: f is given each hit
// as it arrives.
func (rc *Receiver) Answer(f func(h Hit) Reply) {
	rc.setRespond(func(h Hit, w http.ResponseWriter, r *http.Request) {
		rp := f(h)
		rp.hold(r.Context())
		// Leave before answering: once the answer is out, the caller may
		// send its next request.
		rc.leave()
		rp.write(w)
	})
}

// Handle makes h answer from now on, for answers a Reply cannot give
// (a body written in parts, say). The request counts as in flight until h
// returns.
func (rc *Receiver) Handle(h http.HandlerFunc) {
	rc.setRespond(func(_ Hit, w http.ResponseWriter, r *http.Request) {
		defer rc.leave()
		h(w, r)
	})
}

func (rc *Receiver) setRespond(f func(Hit, http.ResponseWriter, *http.Request)) {
	rc.mu.Lock()
	rc.respond = f
	rc.mu.Unlock()
}

// ServeHTTP records the request on arrival, then answers it.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.perPath[r.URL.Path]++
	h := Hit{N: len(rc.hits) + 1, PathN: rc.perPath[r.URL.Path], Method: r.Method, Path: r.URL.Path,
		URI: r.RequestURI, Proto: r.ProtoMajor, Header: r.Header.Clone(), Body: body, At: time.Now()}
	rc.hits = append(rc.hits, h)
	rc.inFlight++
	rc.maxIn = max(rc.maxIn, rc.inFlight)
	close(rc.arrived)
	rc.arrived = make(chan struct{})
	respond := rc.respond
	rc.mu.Unlock()

	if respond == nil {
		rc.leave()
		Reply{}.write(w)
		return
	}
	respond(h, w, r)
}

func (rc *Receiver) leave() {
	rc.mu.Lock()
	rc.inFlight--
	rc.mu.Unlock()
}

// hold waits as long as the reply says, or until ctx ends.
func (rp Reply) hold(ctx context.Context) {
	if rp.Delay > 0 {
		t := time.NewTimer(rp.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
	if rp.Block != nil {
		select {
		case <-rp.Block:
		case <-ctx.Done():
		}
	}
}

func (rp Reply) write(w http.ResponseWriter) {
	status, header, body := rp.Status, rp.Header, rp.Body
	if status == 0 {
		status = http.StatusOK
	}
	if header == nil {
		header = map[string]string{"Content-Type": "application/json"}
	}
	if body == "" && status < 300 {
		body = `{"ok":true}`
	}
	for k, v := range header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// Hits returns every hit so far, in arrival order.
func (rc *Receiver) Hits() []Hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Hit(nil), rc.hits...)
}

// Count is the number of hits so far.
func (rc *Receiver) Count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.hits)
}

// Last is the latest hit, or the zero Hit before the first.
func (rc *Receiver) Last() Hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.hits) == 0 {
		return Hit{}
	}
	return rc.hits[len(rc.hits)-1]
}

// On returns the hits on one path.
func (rc *Receiver) On(path string) []Hit {
	var out []Hit
	for _, h := range rc.Hits() {
		if h.Path == path {
			out = append(out, h)
		}
	}
	return out
}

// MaxInFlight is the most requests the receiver held at once.
func (rc *Receiver) MaxInFlight() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.maxIn
}

// Wait waits until the receiver has had at least n hits, and returns them
// all; the test fails if they do not come.
func (rc *Receiver) Wait(t testing.TB, n int) []Hit {
	t.Helper()
	if !rc.waitFor(func() bool { return len(rc.hits) >= n }) {
		t.Fatalf("the receiver got %d requests within %v, want %d", rc.Count(), waitLimit, n)
	}
	return rc.Hits()
}

// Next waits for the first hit it has not returned yet, and returns it;
// the test fails if none comes.
func (rc *Receiver) Next(t testing.TB) Hit {
	t.Helper()
	var h Hit
	taken := rc.waitFor(func() bool {
		if rc.next == len(rc.hits) {
			return false
		}
		h = rc.hits[rc.next]
		rc.next++
		return true
	})
	if !taken {
		t.Fatalf("the receiver got no new request within %v (%d in all)", waitLimit, rc.Count())
	}
	return h
}

// waitFor waits until cond, called with rc.mu held, holds, or waitLimit
// passes.
func (rc *Receiver) waitFor(cond func() bool) bool {
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		rc.mu.Lock()
		ok, arrived := cond(), rc.arrived
		rc.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-arrived:
		case <-deadline.C:
			return false
		}
	}
}
