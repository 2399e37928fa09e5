package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// load drives one trigger URL from many connections and keeps the score.
type load struct {
	target      *target
	ledger      *Ledger
	connections int
	timeout     time.Duration

	accepted atomic.Int64
	failed   atomic.Int64
	latency  *Histogram // of accepted requests

	mu     sync.Mutex
	errors map[string]int64
}

func newLoad(t *target, ledger *Ledger, connections int, timeout time.Duration) *load {
	return &load{
		target: t, ledger: ledger, connections: connections, timeout: timeout,
		latency: NewHistogram(), errors: map[string]int64{},
	}
}

// run posts from every connection, as fast as answers come, until d has
// passed or ctx ends, and returns how long the load lasted: from the first
// request to the last answer.
func (l *load) run(ctx context.Context, d time.Duration) time.Duration {
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for range l.connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.connection(ctx, end)
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// connection is one closed-loop sender: a new request as soon as the last
// is answered.
func (l *load) connection(ctx context.Context, end time.Time) {
	c := newClient(l.target, l.timeout)
	defer c.Close()
	errs := map[string]int64{}
	defer func() {
		l.mu.Lock()
		for k, n := range errs {
			l.errors[k] += n
		}
		l.mu.Unlock()
	}()
	for ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(end) {
			return
		}
		seq, ok := l.ledger.Next()
		if !ok {
			return
		}
		status, err := c.Post(ctx, seq)
		switch {
		case err != nil:
			l.ledger.Answered(seq, stateFailed)
			l.failed.Add(1)
			var re *requestError
			kind := "other"
			if errors.As(err, &re) {
				kind = string(re.kind)
			}
			errs[kind]++
			if kind == string(errConnect) {
				// Do not spin on a server that refuses connections.
				select {
				case <-ctx.Done():
				case <-time.After(10 * time.Millisecond):
				}
			}
		case status >= 200 && status < 300:
			l.latency.Record(time.Since(t0))
			l.ledger.Answered(seq, stateAccepted)
			l.accepted.Add(1)
		default:
			l.ledger.Answered(seq, stateRejected)
			l.failed.Add(1)
			errs[fmt.Sprintf("http %d", status)]++
		}
	}
}

// errorCounts returns the failures by kind.
func (l *load) errorCounts() map[string]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int64, len(l.errors))
	for k, n := range l.errors {
		out[k] = n
	}
	return out
}
