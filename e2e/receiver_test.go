package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// delivery is one request a receiver got.
type delivery struct {
	// WebhookID is the webhook-id header: stable across redeliveries.
	WebhookID string
	Method    string
	Path      string
	Body      []byte
}

// answer decides the status of the n-th request (from 1) a receiver gets,
// and may set headers (a Location, say).
type answer func(n int, w http.ResponseWriter) int

// ok200 answers every request 200.
func ok200(int, http.ResponseWriter) int { return http.StatusOK }

// receiver is an HTTP server on 127.0.0.1 that records every request
// Hookflow sends it.
type receiver struct {
	mu     sync.Mutex
	got    []delivery
	answer answer
	delay  time.Duration
	srv    *httptest.Server
	// URL is the receiver's base URL.
	URL string
}

// newReceiver starts a receiver on a free port of 127.0.0.1 that answers
// with answer after delay; it is closed when the test ends.
func newReceiver(t *testing.T, delay time.Duration, a answer) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("receiver: %v", err)
	}
	return serveReceiver(t, ln, delay, a)
}

// newReceiverOn starts a receiver on a given address, such as a port the
// test reserved while the receiver was down. It retries for a few seconds
// in case the port is still in use.
func newReceiverOn(t *testing.T, addr string, delay time.Duration, a answer) *receiver {
	t.Helper()
	var ln net.Listener
	waitFor(t, 10*time.Second, "the receiver to listen on "+addr, func() (bool, string) {
		var err error
		ln, err = net.Listen("tcp", addr)
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	return serveReceiver(t, ln, delay, a)
}

func serveReceiver(t *testing.T, ln net.Listener, delay time.Duration, a answer) *receiver {
	r := &receiver{answer: a, delay: delay}
	r.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(r.serve)}}
	r.srv.Start()
	r.URL = r.srv.URL
	t.Cleanup(r.srv.Close)
	return r
}

// serve records the request on arrival, then answers, after the delay
// (cut short when the caller goes away).
func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, delivery{WebhookID: req.Header.Get("webhook-id"), Method: req.Method, Path: req.URL.Path, Body: body})
	n := len(r.got)
	r.mu.Unlock()
	if r.delay > 0 {
		select {
		case <-time.After(r.delay):
		case <-req.Context().Done():
			return
		}
	}
	w.WriteHeader(r.answer(n, w))
}

// deliveries is a copy of what the receiver got so far.
func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// count is how many requests the receiver got.
func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// distinctIDs is how many distinct webhook-ids the receiver got.
func (r *receiver) distinctIDs() int {
	ids := map[string]bool{}
	for _, d := range r.deliveries() {
		ids[d.WebhookID] = true
	}
	return len(ids)
}

// reservePort finds a free port on 127.0.0.1 and closes it again: a
// receiver that is down, to be started there later with newReceiverOn.
//
// The port is taken below the kernel's ephemeral range, so that no
// outgoing connection is given it as its source port meanwhile: not
// another test's, nor one of Hookflow's own attempts to reach the closed
// port, which would otherwise, now and then, connect to itself (TCP
// simultaneous open) and occupy the port.
func reservePort(t *testing.T) string {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
				low = n
			}
		}
	}
	for range 200 {
		port := 10000 + rand.IntN(low-10000)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		addr := ln.Addr().String()
		if err := ln.Close(); err != nil {
			t.Fatalf("reserve a port: %v", err)
		}
		return addr
	}
	t.Fatalf("no free port found on 127.0.0.1 between 10000 and %d", low)
	return ""
}

// checkExactlyOnceEach checks that the deliveries carry exactly the
// wanted bodies (each JSON-equal to one of want, keyed by the name the
// caller gives them), each under one webhook-id of its own: at least once
// per wanted body, redeliveries only under the same webhook-id with the
// same body, and nothing else. It returns how many deliveries were
// redeliveries.
func checkExactlyOnceEach(t *testing.T, got []delivery, want map[string]any, key func(body any) string) (redelivered int) {
	t.Helper()
	byID := map[string]any{}
	idOf := map[string]string{}
	for _, d := range got {
		if d.WebhookID == "" {
			t.Errorf("delivery to %s without a webhook-id: %s", d.Path, d.Body)
			continue
		}
		var body any
		if err := json.Unmarshal(d.Body, &body); err != nil {
			t.Errorf("delivery %s: body %q is not JSON: %v", d.WebhookID, d.Body, err)
			continue
		}
		if prev, ok := byID[d.WebhookID]; ok {
			redelivered++
			if !reflect.DeepEqual(prev, body) {
				t.Errorf("webhook-id %s redelivered with another body: %s, first %v", d.WebhookID, d.Body, prev)
			}
			continue
		}
		byID[d.WebhookID] = body
		k := key(body)
		if w, ok := want[k]; !ok {
			t.Errorf("unexpected delivery %s: %s", d.WebhookID, d.Body)
		} else if !reflect.DeepEqual(w, body) {
			t.Errorf("delivery %s for %s: body %s, want %v", d.WebhookID, k, d.Body, w)
		}
		if other, dup := idOf[k]; dup {
			t.Errorf("%s delivered under two webhook-ids, %s and %s: an event ran twice", k, other, d.WebhookID)
		}
		idOf[k] = d.WebhookID
	}
	var missing []string
	for k := range want {
		if _, ok := idOf[k]; !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d of %d wanted bodies never delivered: %v", len(missing), len(want), missing)
	}
	if len(byID) != len(want) {
		t.Errorf("%d distinct webhook-ids, want %d", len(byID), len(want))
	}
	return redelivered
}

// jsonValue decodes a JSON literal, for expected bodies.
func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON in test %q: %v", s, err)
	}
	return v
}

// seqKey names a body {"seq": N, ...} by its seq.
func seqKey(body any) string {
	m, _ := body.(map[string]any)
	return fmt.Sprint(m["seq"])
}
