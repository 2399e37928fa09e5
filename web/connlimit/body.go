package connlimit

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

// handler wraps next: each request body is read through a rateBody, and
// the listener knows which connections are still sending one.
// readTimeout is the server's bound on reading a whole request, which the
// body's own deadlines replace and so must not pass.
func (l *Listener) handler(next http.Handler, readTimeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(connKey{}).(*conn)
		if c == nil || r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		b := &rateBody{ReadCloser: r.Body, l: l, c: c, rc: http.NewResponseController(w), start: l.now()}
		if readTimeout > 0 {
			b.limit = b.start.Add(readTimeout)
		}
		l.bodyStarted(c)
		defer b.finish()
		r.Body = b
		next.ServeHTTP(w, r)
	})
}

// rateBody is a request body that must arrive at MinBodyRate: before each
// read the connection's read deadline is set to when the bytes so far
// would be due at that rate, after the grace period. A client that stops
// sending, or trickles, hits it and its request fails.
type rateBody struct {
	io.ReadCloser
	l        *Listener
	c        *conn
	rc       *http.ResponseController
	start    time.Time
	limit    time.Time // the server's own deadline for the request; zero for none
	n        int64     // bytes read
	deadline time.Time // the deadline last set
	done     bool
	once     sync.Once
}

func (b *rateBody) Read(p []byte) (int, error) {
	if b.done {
		return b.ReadCloser.Read(p)
	}
	rate := b.l.cfg.MinBodyRate
	if rate > 0 {
		d := b.start.Add(b.l.cfg.BodyGrace + time.Duration(float64(b.n)/float64(rate)*float64(time.Second)))
		if !b.limit.IsZero() && d.After(b.limit) {
			d = b.limit
		}
		if !d.Equal(b.deadline) && b.rc.SetReadDeadline(d) == nil {
			b.deadline = d
		}
	}
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	switch {
	case err == io.EOF:
		// The body is whole. (http.Server has already cleared the
		// deadline for the read it does next, watching for the client
		// going away.)
		b.finish()
	case err != nil && errors.Is(err, os.ErrDeadlineExceeded) && !b.deadline.IsZero() && (b.limit.IsZero() || b.deadline.Before(b.limit)):
		b.l.metrics.slowBodies.Inc()
		b.l.noteDropped("slow_body")
		b.finish()
	}
	return n, err
}

// finish tells the listener the body is no longer being read.
func (b *rateBody) finish() {
	b.once.Do(func() {
		b.done = true
		b.l.bodyDone(b.c)
	})
}
