package connectors

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeConn struct {
	id     int
	closed atomic.Bool
}

// TestPoolSharesAndClosesIdle: callers of one URL share one connection,
// opened once; another scope gets its own; a connection unused for the
// idle time is closed, and one in use is not.
func TestPoolSharesAndClosesIdle(t *testing.T) {
	t.Parallel()
	var opened atomic.Int32
	p := newPool(50*time.Millisecond, func(c *fakeConn) { c.closed.Store(true) }, nil)
	open := func(context.Context) (*fakeConn, error) {
		time.Sleep(5 * time.Millisecond)
		return &fakeConn{id: int(opened.Add(1))}, nil
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	conns := make([]*fakeConn, 8)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, release, err := p.get(ctx, poolKey{"a", "u"}, open)
			if err != nil {
				t.Error(err)
				return
			}
			conns[i] = c
			release(false)
		}()
	}
	wg.Wait()
	for _, c := range conns {
		if c != conns[0] {
			t.Fatalf("callers got different connections: %v", conns)
		}
	}
	other, releaseOther, err := p.get(ctx, poolKey{"b", "u"}, open)
	if err != nil || other == conns[0] {
		t.Fatalf("another scope got %v (%v), want a connection of its own", other, err)
	}
	// "b" stays in use: it must outlive the idle time; "a" must not.
	deadline := time.Now().Add(5 * time.Second)
	for !conns[0].closed.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !conns[0].closed.Load() {
		t.Fatal("an idle connection was not closed")
	}
	if other.closed.Load() {
		t.Fatal("a connection in use was closed")
	}
	releaseOther(false)
	if opened.Load() != 2 {
		t.Errorf("%d connections opened, want 2", opened.Load())
	}
}

// TestPoolBroken: a connection a caller found broken is closed once its
// last user is done, and the next caller opens another; a failed open is
// not kept.
func TestPoolBroken(t *testing.T) {
	t.Parallel()
	p := newPool(time.Hour, func(c *fakeConn) { c.closed.Store(true) }, nil)
	n := 0
	open := func(context.Context) (*fakeConn, error) { n++; return &fakeConn{id: n}, nil }
	ctx := context.Background()
	key := poolKey{nil, "u"}
	c1, r1, _ := p.get(ctx, key, open)
	c1b, r1b, _ := p.get(ctx, key, open)
	r1(true)
	if c1.closed.Load() {
		t.Fatal("closed while another caller still uses it")
	}
	r1b(false)
	if !c1.closed.Load() || c1b != c1 {
		t.Fatal("a broken connection was not closed after its last use")
	}
	c2, r2, _ := p.get(ctx, key, open)
	r2(false)
	if c2 == c1 {
		t.Fatal("a broken connection was handed out again")
	}
	boom := errors.New("refused")
	if _, _, err := p.get(ctx, poolKey{nil, "v"}, func(context.Context) (*fakeConn, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("get = %v, want the open's error", err)
	}
	if p.size() != 1 {
		t.Errorf("pool holds %d, want 1 (the failed open not kept)", p.size())
	}
}
