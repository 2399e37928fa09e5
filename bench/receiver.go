package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// deliverPath is where the bench workflow posts: deliverPath + seq.
const deliverPath = "/d/"

// Receiver is the bench's webhook endpoint: an HTTP server that answers
// 200 at once and records each delivery in a Ledger by the event's
// sequence number, taken from the path (/d/SEQ) or else from the JSON
// body's "seq" field.
type Receiver struct {
	ledger *Ledger
	ln     net.Listener
	srv    *http.Server
	done   chan struct{}

	mu   sync.Mutex
	gate chan struct{} // while not nil, answers wait until it is closed
}

// Hold makes the receiver record each delivery as it comes but hold its
// answer until Release: a server's workers then all wait on a delivery
// and the rest of its runs stay queued.
func (r *Receiver) Hold() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gate == nil {
		r.gate = make(chan struct{})
	}
}

// Release answers every held delivery and stops holding.
func (r *Receiver) Release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gate != nil {
		close(r.gate)
		r.gate = nil
	}
}

// held returns the gate answers wait on, or nil.
func (r *Receiver) held() chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gate
}

// NewReceiver returns a receiver recording into ledger; it serves nothing
// until Start.
func NewReceiver(ledger *Ledger) *Receiver {
	return &Receiver{ledger: ledger}
}

// ServeHTTP records one delivery.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	seq, ok := seqFromPath(req.URL.Path)
	if ok {
		_, _ = io.Copy(io.Discard, req.Body)
	} else {
		var body struct {
			Seq json.RawMessage `json:"seq"`
		}
		if err := json.NewDecoder(io.LimitReader(req.Body, 64<<20)).Decode(&body); err == nil {
			seq, ok = parseSeq(strings.Trim(string(body.Seq), `"`))
		}
	}
	if ok {
		r.ledger.Delivered(seq)
	} else {
		r.ledger.unexpected.Add(1)
	}
	if gate := r.held(); gate != nil {
		select {
		case <-gate:
		case <-req.Context().Done():
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

func seqFromPath(p string) (uint64, bool) {
	i := strings.LastIndex(p, deliverPath)
	if i < 0 {
		return 0, false
	}
	return parseSeq(p[i+len(deliverPath):])
}

func parseSeq(s string) (uint64, bool) {
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && n > 0
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves in the background.
func (r *Receiver) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("receiver: listen on %s: %w", addr, err)
	}
	r.ln = ln
	r.srv = &http.Server{
		Handler:           r,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       5 * time.Minute,
	}
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		_ = r.srv.Serve(ln) // ErrServerClosed, or the listener failed: nothing to add
	}()
	return nil
}

// Addr is the address the receiver listens on.
func (r *Receiver) Addr() string { return r.ln.Addr().String() }

// Close stops the receiver.
func (r *Receiver) Close() error {
	if r.srv == nil {
		return nil
	}
	r.Release()
	err := r.srv.Close()
	<-r.done
	return err
}
